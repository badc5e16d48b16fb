package finch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-querystring/query"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Product is a Finch data product (open string).
type Product = string

// Products Finch documents for Connect sessions.
const (
	ProductBenefits      Product = "benefits"
	ProductCompany       Product = "company"
	ProductDeduction     Product = "deduction" // deprecated alias of benefits
	ProductDirectory     Product = "directory"
	ProductDocuments     Product = "documents"
	ProductEmployment    Product = "employment"
	ProductIndividual    Product = "individual"
	ProductPayment       Product = "payment"
	ProductPayStatement  Product = "pay_statement"
	ProductRecordkeeping Product = "recordkeeping"
	ProductSSN           Product = "ssn"
)

// ReauthSessionRequest opens a Finch Connect session that re-authenticates
// an existing connection.
type ReauthSessionRequest struct {
	// ConnectionID is the connection to repair. Required.
	ConnectionID string `json:"connection_id"`
	// MinutesToExpire is the session's lifetime, 1 to MaxSessionMinutes;
	// 0 leaves Finch's default of 43,200 (30 days).
	MinutesToExpire int `json:"minutes_to_expire,omitempty"`
	// Products to ask for again; empty keeps the connection's products.
	Products []Product `json:"products,omitempty"`
	// RedirectURI is where Finch sends the user with the code; it must be
	// allow-listed in the Finch Dashboard. Optional.
	RedirectURI string `json:"redirect_uri,omitempty"`
}

// ConnectSession is an open Finch Connect session (the answer of both
// session endpoints).
type ConnectSession struct {
	SessionID string `json:"session_id"`
	// ConnectURL is where to send the employer. Anyone holding it can
	// connect (or re-authenticate) until it expires, so String and LogValue
	// show only its scheme, host and path.
	ConnectURL string `json:"connect_url"`
}

// ReauthSession is the session [Client.NewReauthSession] opens.
type ReauthSession = ConnectSession

func (s ConnectSession) redacted() reauth.RedactedValue {
	return reauth.Redact("finch.ConnectSession",
		reauth.Show("SessionID", reauth.RedactSecret(s.SessionID)),
		reauth.Show("ConnectURL", reauth.RedactURL(s.ConnectURL)))
}

// String prints the session with its id and URL redacted.
func (s ConnectSession) String() string { return s.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (s ConnectSession) GoString() string { return s.redacted().GoString() }

// Format prints the redacted form under every verb.
func (s ConnectSession) Format(f fmt.State, verb rune) { s.redacted().Format(f, verb) }

// LogValue logs the session with its id and URL redacted.
func (s ConnectSession) LogValue() slog.Value { return s.redacted().LogValue() }

// NewReauthSession opens a Finch Connect session for an existing
// connection (Basic authentication with the application's credentials).
// Minting a session spends nothing, so it is retried on network errors,
// 429, 502, 503 and 504.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/connect/reauthenticate-session
func (c *Client) NewReauthSession(ctx context.Context, r ReauthSessionRequest) (*ReauthSession, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if r.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Finch, "ConnectionID")
	}
	if r.MinutesToExpire < 0 || r.MinutesToExpire > MaxSessionMinutes {
		return nil, reauth.InvalidInput(reauth.Finch, "MinutesToExpire", "is outside 1..129600")
	}
	if r.RedirectURI != "" {
		if err := checkRedirect(r.RedirectURI); err != nil {
			return nil, err
		}
	}
	return c.postSession(ctx, "/connect/sessions/reauthenticate", r)
}

// postSession sends a session request with Basic authentication and
// decodes the session.
func (c *Client) postSession(ctx context.Context, path string, body any) (*ConnectSession, error) {
	req := &httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   path,
		Header: c.basic(), // its credential is in the Client's Scrubber
	}
	if err := req.SetJSON(body); err != nil {
		return nil, reauth.InvalidInput(reauth.Finch, "session request", "cannot be encoded")
	}
	var w struct {
		SessionID  jsonx.String `json:"session_id"`
		ConnectURL jsonx.String `json:"connect_url"`
	}
	if _, err := c.http.DoJSON(ctx, req, &w); err != nil {
		return nil, err
	}
	if w.ConnectURL == "" {
		return nil, c.http.InvalidResponse(req.Op(), "answer without connect_url")
	}
	return &ConnectSession{SessionID: string(w.SessionID), ConnectURL: string(w.ConnectURL)}, nil
}

// Integration skips Finch Connect's provider picker.
type Integration struct {
	// Provider is the payroll provider's id (Introspection.ProviderID).
	Provider string `json:"provider"`
	// AuthMethod is assisted, credential, oauth or api_token; optional.
	AuthMethod AuthenticationType `json:"auth_method,omitempty"`
}

// ConnectSessionRequest opens a Finch Connect session for a new
// connection: use it when re-authentication cannot help
// (reauth.ErrNewConnectionRequired, a [*ConnectionMismatchError]).
type ConnectSessionRequest struct {
	// CustomerID is your id for the employer (1 to 255 characters). Required.
	CustomerID string `json:"customer_id"`
	// CustomerName is the employer's name (1 to 255 characters). Required.
	CustomerName string `json:"customer_name"`
	// Products to ask for. Required.
	Products []Product `json:"products"`
	// CustomerEmail is optional.
	CustomerEmail string `json:"customer_email,omitempty"`
	// Integration skips the provider picker; optional.
	Integration *Integration `json:"integration,omitempty"`
	// Manual asks for the assisted flow; sent only when true.
	Manual bool `json:"manual,omitempty"`
	// MinutesToExpire is the session's lifetime, 1 to MaxSessionMinutes;
	// 0 leaves Finch's default of 129,600 (90 days).
	MinutesToExpire int `json:"minutes_to_expire,omitempty"`
	// RedirectURI must be allow-listed in the Finch Dashboard. Optional.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Sandbox is "finch" or "provider" for a sandbox application; optional.
	Sandbox string `json:"sandbox,omitempty"`
}

// NewConnectSession opens a Finch Connect session that creates a new
// connection (POST /connect/sessions, Basic authentication). Send the
// employer to its ConnectURL; the callback's code, exchanged with
// [Client.ExchangeCode], gives the new connection's token. Minting a
// session spends nothing, so it is retried like a read.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/connect/new-session
func (c *Client) NewConnectSession(ctx context.Context, r ConnectSessionRequest) (*ConnectSession, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"CustomerID", r.CustomerID}, {"CustomerName", r.CustomerName}} {
		switch {
		case f.v == "":
			return nil, reauth.MissingInput(reauth.Finch, f.name)
		case len(f.v) > 255:
			return nil, reauth.InvalidInput(reauth.Finch, f.name, "is longer than 255 characters")
		}
	}
	if len(r.Products) == 0 {
		return nil, reauth.MissingInput(reauth.Finch, "Products")
	}
	if r.MinutesToExpire < 0 || r.MinutesToExpire > MaxSessionMinutes {
		return nil, reauth.InvalidInput(reauth.Finch, "MinutesToExpire", "is outside 1..129600")
	}
	if r.Integration != nil && r.Integration.Provider == "" {
		return nil, reauth.MissingInput(reauth.Finch, "Integration.Provider")
	}
	if r.RedirectURI != "" {
		if err := checkRedirect(r.RedirectURI); err != nil {
			return nil, err
		}
	}
	return c.postSession(ctx, "/connect/sessions", r)
}

// checkRedirect accepts an absolute http(s) URL without a fragment.
func checkRedirect(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return reauth.InvalidInput(reauth.Finch, "RedirectURI", "is not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return reauth.InvalidInput(reauth.Finch, "RedirectURI", "must be an absolute http(s) URL")
	case u.Host == "":
		return reauth.InvalidInput(reauth.Finch, "RedirectURI", "has no host")
	case u.Fragment != "":
		return reauth.InvalidInput(reauth.Finch, "RedirectURI", "must not carry a fragment")
	}
	return nil
}

// AuthorizeParams builds a legacy static Finch Connect URL.
//
// Deprecated: Finch stopped supporting static Connect URLs in 2025 in
// favour of sessions ([Client.NewReauthSession]); this exists for
// accounts still on them.
type AuthorizeParams struct {
	// Products to request. Required; sent space-separated.
	Products []Product
	// RedirectURI receives the code. Required.
	RedirectURI string
	// State is echoed back on the redirect. Optional.
	State string
	// PayrollProvider skips the provider picker (Introspection.ProviderID).
	PayrollProvider string
	// ConnectionID re-authenticates that connection (older docs).
	ConnectionID string
	// Sandbox is always sent, as sandbox=true or sandbox=false, the way
	// Finch's own SDK does.
	Sandbox bool
	// Manual asks for the assisted (manual) flow; sent only when true.
	Manual bool
}

func (p AuthorizeParams) redacted() reauth.RedactedValue {
	return reauth.Redact("finch.AuthorizeParams",
		reauth.Show("Products", strings.Join(p.Products, " ")),
		reauth.Show("RedirectURI", reauth.RedactURL(p.RedirectURI)),
		reauth.Show("State", reauth.RedactSecret(p.State)),
		reauth.Show("PayrollProvider", p.PayrollProvider),
		reauth.Show("ConnectionID", p.ConnectionID),
		reauth.Show("Sandbox", p.Sandbox),
		reauth.Show("Manual", p.Manual))
}

// String prints the parameters with State redacted (and the redirect URI's
// query, where an application may keep its own secrets).
func (p AuthorizeParams) String() string { return p.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (p AuthorizeParams) GoString() string { return p.redacted().GoString() }

// Format prints the redacted form under every verb.
func (p AuthorizeParams) Format(f fmt.State, verb rune) { p.redacted().Format(f, verb) }

// LogValue logs the parameters with State redacted.
func (p AuthorizeParams) LogValue() slog.Value { return p.redacted().LogValue() }

// authorizeQuery is AuthorizeParams as go-querystring encodes it. Sandbox
// has no omitempty on purpose: sandbox=false must be sent, not dropped.
type authorizeQuery struct {
	ClientID        string   `url:"client_id"`
	Products        []string `url:"products,space"`
	RedirectURI     string   `url:"redirect_uri"`
	State           string   `url:"state,omitempty"`
	PayrollProvider string   `url:"payroll_provider,omitempty"`
	ConnectionID    string   `url:"connection_id,omitempty"`
	Sandbox         bool     `url:"sandbox"`
	Manual          bool     `url:"manual,omitempty"`
}

// AuthorizeURL returns a legacy static Connect URL
// (https://connect.tryfinch.com/authorize?client_id=…&products=a+b&…). It
// makes no request.
//
// Deprecated: use sessions ([Client.NewReauthSession], or Begin).
//
// Finch API docs: https://developer.tryfinch.com/implementation-guide/Connect/Set-Up-Finch-Connect
func (c *Client) AuthorizeURL(p AuthorizeParams) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	if len(p.Products) == 0 {
		return "", reauth.MissingInput(reauth.Finch, "Products")
	}
	for _, pr := range p.Products {
		if pr == "" || strings.ContainsAny(pr, " \t\r\n") {
			return "", reauth.InvalidInput(reauth.Finch, "Products", "holds an empty product or one with spaces")
		}
	}
	if p.RedirectURI == "" {
		return "", reauth.MissingInput(reauth.Finch, "RedirectURI")
	}
	if err := checkRedirect(p.RedirectURI); err != nil {
		return "", err
	}
	v, err := query.Values(authorizeQuery{
		ClientID:        c.creds.ClientID,
		Products:        p.Products,
		RedirectURI:     p.RedirectURI,
		State:           p.State,
		PayrollProvider: p.PayrollProvider,
		ConnectionID:    p.ConnectionID,
		Sandbox:         p.Sandbox,
		Manual:          p.Manual,
	})
	if err != nil {
		return "", reauth.InvalidInput(reauth.Finch, "AuthorizeParams", "cannot be encoded")
	}
	u, err := httpx.JoinURL(c.connect, "/authorize", v)
	if err != nil {
		return "", reauth.InvalidInput(reauth.Finch, "AuthorizeParams", "cannot be encoded")
	}
	return u.String(), nil
}
