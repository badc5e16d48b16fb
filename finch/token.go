package finch

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Token is Finch's answer to a code exchange. AccessToken is a secret:
// String, GoString and LogValue show REDACTED; JSON keeps it for storage.
type Token struct {
	AccessToken string `json:"access_token"`
	// TokenType is "bearer".
	TokenType string `json:"token_type,omitempty"`
	// ConnectionID is stable across re-authentications.
	ConnectionID   string         `json:"connection_id"`
	ConnectionType ConnectionType `json:"connection_type,omitempty"`
	ClientType     ClientType     `json:"client_type,omitempty"`
	ProviderID     string         `json:"provider_id,omitempty"`
	Products       []Product      `json:"products,omitempty"`
	EntityIDs      []string       `json:"entity_ids,omitempty"`
	CompanyID      string         `json:"company_id,omitempty"`
	CustomerID     string         `json:"customer_id,omitempty"`
	CustomerName   string         `json:"customer_name,omitempty"`
	// AccountID is deprecated by Finch; use ConnectionID.
	AccountID string `json:"account_id,omitempty"`
}

func (t Token) attrs() []string {
	return []string{
		"AccessToken", reauth.RedactSecret(t.AccessToken),
		"TokenType", t.TokenType,
		"ConnectionID", t.ConnectionID,
		"ProviderID", t.ProviderID,
		"Products", strings.Join(t.Products, ","),
	}
}

// String prints the token's metadata with AccessToken redacted.
func (t Token) String() string {
	a := t.attrs()
	var b strings.Builder
	b.WriteString("finch.Token{")
	for i := 0; i < len(a); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a[i] + ": " + a[i+1])
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String for %#v.
func (t Token) GoString() string { return t.String() }

// LogValue logs the token's metadata with AccessToken redacted.
func (t Token) LogValue() slog.Value {
	a := t.attrs()
	out := make([]slog.Attr, 0, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		out = append(out, slog.String(a[i], a[i+1]))
	}
	return slog.GroupValue(out...)
}

// tokenRequest is the body of POST /auth/token: Finch takes the
// application's credentials in the JSON body.
type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri,omitempty"`
}

// ExchangeCode trades the code Finch Connect returned for an access token.
// redirectURI is the one the session or authorize URL used (optional for
// Finch). A code works once: the request is sent again only when it
// provably never reached Finch (a dial error) or Finch answered 429, never
// after a 5xx or a dropped connection.
//
// After a re-authentication the token is new but ConnectionID is the
// connection's, unchanged; store the new token.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/management/retrieve-access-token
func (c *Client) ExchangeCode(ctx context.Context, code, redirectURI string) (*Token, error) {
	if code == "" {
		return nil, reauth.MissingInput(reauth.Finch, "code")
	}
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.base,
		Path:    "/auth/token",
		Header:  versionOnly(),
		OneTime: true,
		Secrets: []string{code, c.creds.ClientSecret},
	}
	if err := req.SetJSON(tokenRequest{
		ClientID:     c.creds.ClientID,
		ClientSecret: c.creds.ClientSecret,
		Code:         code,
		RedirectURI:  redirectURI,
	}); err != nil {
		return nil, reauth.InvalidInput(reauth.Finch, "code", "cannot be encoded")
	}
	var out Token
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, c.http.InvalidResponse(req.Op(), "answer without access_token")
	}
	return &out, nil
}
