package finch

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-querystring/query"

	"github.com/reauthkit/reauthkit/internal/httpx"
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

// ReauthSession is an open Connect session.
type ReauthSession struct {
	SessionID string `json:"session_id"`
	// ConnectURL is where to send the employer. Anyone holding it can
	// re-authenticate the connection until it expires, so String and
	// LogValue show only its scheme, host and path.
	ConnectURL string `json:"connect_url"`
}

func (s ReauthSession) hidden() (id, u string) {
	return reauth.RedactSecret(s.SessionID), reauth.RedactURL(s.ConnectURL)
}

// String prints the session with its id and URL redacted.
func (s ReauthSession) String() string {
	id, u := s.hidden()
	return "finch.ReauthSession{SessionID: " + id + ", ConnectURL: " + u + "}"
}

// GoString is String for %#v.
func (s ReauthSession) GoString() string { return s.String() }

// LogValue logs the session with its id and URL redacted.
func (s ReauthSession) LogValue() slog.Value {
	id, u := s.hidden()
	return slog.GroupValue(slog.String("SessionID", id), slog.String("ConnectURL", u))
}

// NewReauthSession opens a Finch Connect session for an existing
// connection (Basic authentication with the application's credentials).
// Minting a session spends nothing, so it is retried on network errors,
// 429, 502, 503 and 504.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/connect/reauthenticate-session
func (c *Client) NewReauthSession(ctx context.Context, r ReauthSessionRequest) (*ReauthSession, error) {
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
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.base,
		Path:    "/connect/sessions/reauthenticate",
		Header:  c.basic(),
		Secrets: []string{c.creds.ClientSecret},
	}
	if err := req.SetJSON(r); err != nil {
		return nil, reauth.InvalidInput(reauth.Finch, "ReauthSessionRequest", "cannot be encoded")
	}
	var out ReauthSession
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	if out.ConnectURL == "" {
		return nil, c.http.InvalidResponse(req.Op(), "answer without connect_url")
	}
	return &out, nil
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
