package reauth

import (
	"context"
	"net/url"
	"time"
)

// Provider names a re-authentication provider.
type Provider string

// The providers reauthkit supports.
const (
	Atto      Provider = "atto"
	TrueLayer Provider = "truelayer"
	Yapily    Provider = "yapily"
	Finch     Provider = "finch"
	Mono      Provider = "mono"
)

// Providers returns the five supported providers in a stable order.
func Providers() []Provider { return []Provider{Atto, TrueLayer, Yapily, Finch, Mono} }

// Reauthenticator repairs one provider's broken or expiring connections.
//
// Begin starts a re-authentication and returns the first [Flow]. Continue
// feeds back what the user did and returns the next Flow; a Flow whose Step
// is [StepDone] carries the [Result]. Implementations are safe for concurrent
// use and keep no per-flow state in memory: everything Continue needs is in
// the Flow, which may have been stored as JSON and read back on another
// instance.
type Reauthenticator interface {
	Provider() Provider
	Begin(ctx context.Context, req Request) (*Flow, error)
	Continue(ctx context.Context, flow *Flow, reply Reply) (*Flow, error)
}

// Request describes the connection to re-authenticate. Which fields a
// provider needs is documented on each provider package's Begin.
type Request struct {
	// ConnectionID is the Atto consent id, TrueLayer credentials id
	// (optional), Yapily consent id, Finch connection id or Mono account id.
	ConnectionID string `json:"connection_id,omitempty"`
	// Token is the TrueLayer refresh token, Yapily consent token or Finch
	// access token. It is a secret: it is never printed.
	Token string `json:"token,omitempty"`
	// RedirectURI is where the provider returns the user (TrueLayer: it must
	// equal the URI of the original authorisation).
	RedirectURI string `json:"redirect_uri,omitempty"`
	// State is sent to the provider and expected back on the callback. A
	// 128-bit random value is generated when it is empty.
	State string `json:"state,omitempty"`
	// UserIP is the end user's IP address, forwarded where the provider wants
	// it (TrueLayer X-PSU-IP, Yapily psu-ip-address).
	UserIP string `json:"user_ip,omitempty"`
}

// Step is where a [Flow] stands.
type Step string

// The steps of a re-authentication.
const (
	// StepRedirect: send the user to Flow.URL (or show Flow.QRCodeURL), then
	// call Continue with the callback's query.
	StepRedirect Step = "redirect"
	// StepInput: ask the user Flow.Prompt, collect Flow.Fields, then call
	// Continue with the answers in Reply.Inputs.
	StepInput Step = "input"
	// StepDone: the connection works again; Flow.Result says how.
	StepDone Step = "done"
)

// Flow is one state of a re-authentication. It is plain data: store it as
// JSON between Begin and Continue, on any instance.
type Flow struct {
	Provider     Provider `json:"provider"`
	ConnectionID string   `json:"connection_id,omitempty"`
	Step         Step     `json:"step"`
	// State is the value the callback must carry back (redirect flows).
	State string `json:"state,omitempty"`
	// URL is where to send the user (StepRedirect). It may carry a secret
	// (Atto puts a token in its fragment): it is never printed.
	URL string `json:"url,omitempty"`
	// QRCodeURL is an image of URL for a second device, when the provider
	// offers one.
	QRCodeURL string `json:"qr_code_url,omitempty"`
	// Prompt is what the provider asks the user (StepInput).
	Prompt string `json:"prompt,omitempty"`
	// Fields are the answers to collect (StepInput).
	Fields []Field `json:"fields,omitempty"`
	// ExpiresAt is when URL or the provider session stops working; zero when
	// unknown. Continue after it returns ErrFlowExpired without any request.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// CreatedAt is when this state was produced.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// Result is set when Step is StepDone.
	Result *Result `json:"result,omitempty"`
	// Resume holds the provider data Continue needs (session id, redirect
	// URI, ...). Treat it as opaque; its values are never printed.
	Resume map[string]string `json:"resume,omitempty"`
}

// Field is one answer a provider asks the user for.
type Field struct {
	// Name is the key to use in Reply.Inputs.
	Name string `json:"name"`
	// Label is what to show the user.
	Label string `json:"label,omitempty"`
	// Secret asks the application to mask the answer while it is typed (OTP,
	// password).
	Secret bool `json:"secret,omitempty"`
	// MaxLength is the longest accepted answer in characters; 0 is unlimited.
	MaxLength int `json:"max_length,omitempty"`
	// Options lists the accepted answers when the provider offers a choice
	// (Mono account selection); empty for free text.
	Options []string `json:"options,omitempty"`
}

// Reply is what the user did since the last [Flow].
type Reply struct {
	// Callback is the query of the redirect back to the application.
	Callback url.Values `json:"callback,omitempty"`
	// Inputs are the answers to Flow.Fields, by Field.Name.
	Inputs map[string]string `json:"inputs,omitempty"`
}

// IsEmpty reports whether the reply carries neither a callback nor inputs:
// it asks "is it done yet?".
func (r Reply) IsEmpty() bool { return len(r.Callback) == 0 && len(r.Inputs) == 0 }

// Result is how a re-authentication ended.
type Result struct {
	Provider     Provider `json:"provider"`
	ConnectionID string   `json:"connection_id,omitempty"`
	// Credentials holds the new tokens where the provider issues them.
	Credentials Credentials `json:"credentials,omitzero"`
	// CredentialsChanged is true when the old credentials must be replaced by
	// Credentials (Finch: a new access token; TrueLayer: a new pair). It is
	// false where the connection keeps its tokens (Atto, Yapily).
	CredentialsChanged bool      `json:"credentials_changed,omitempty"`
	CompletedAt        time.Time `json:"completed_at,omitzero"`
}

// Credentials are the tokens a provider hands back. They are secrets: every
// fmt verb and slog print REDACTED, while JSON keeps them for storage.
type Credentials struct {
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	// Code is what Mono hands back at the end of a re-auth.
	Code string `json:"code,omitempty"`
}

// IsZero reports whether c holds no credential.
func (c Credentials) IsZero() bool {
	return c.AccessToken == "" && c.RefreshToken == "" && c.Code == "" && c.ExpiresAt.IsZero()
}
