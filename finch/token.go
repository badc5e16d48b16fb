package finch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
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

func (t Token) redacted() reauth.RedactedValue {
	return reauth.Redact("finch.Token",
		reauth.Show("AccessToken", reauth.RedactSecret(t.AccessToken)),
		reauth.Show("TokenType", t.TokenType),
		reauth.Show("ConnectionID", t.ConnectionID),
		reauth.Show("ProviderID", t.ProviderID),
		reauth.Show("Products", strings.Join(t.Products, ",")))
}

// String prints the token's metadata with AccessToken redacted.
func (t Token) String() string { return t.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (t Token) GoString() string { return t.redacted().GoString() }

// Format prints the redacted form under every verb.
func (t Token) Format(f fmt.State, verb rune) { t.redacted().Format(f, verb) }

// LogValue logs the token's metadata with AccessToken redacted.
func (t Token) LogValue() slog.Value { return t.redacted().LogValue() }

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
	if err := c.ready(); err != nil {
		return nil, err
	}
	if code == "" {
		return nil, reauth.MissingInput(reauth.Finch, "code")
	}
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.base,
		Path:    "/auth/token",
		Header:  versionOnly(),
		OneTime: true,
		Secrets: []string{code}, // the client secret is in the Client's Scrubber
	}
	if err := req.SetJSON(tokenRequest{
		ClientID:     c.creds.ClientID,
		ClientSecret: c.creds.ClientSecret,
		Code:         code,
		RedirectURI:  redirectURI,
	}); err != nil {
		return nil, reauth.InvalidInput(reauth.Finch, "code", "cannot be encoded")
	}
	var w tokenWire
	if _, err := c.http.DoJSON(ctx, req, &w); err != nil {
		return nil, err
	}
	if w.AccessToken == "" {
		return nil, c.http.InvalidResponse(req.Op(), "answer without access_token")
	}
	return w.public(), nil
}

// tokenWire is Finch's code-exchange answer as it is read: leniently.
type tokenWire struct {
	AccessToken    jsonx.String `json:"access_token"`
	TokenType      jsonx.String `json:"token_type"`
	ConnectionID   jsonx.String `json:"connection_id"`
	ConnectionType jsonx.String `json:"connection_type"`
	ClientType     jsonx.String `json:"client_type"`
	ProviderID     jsonx.String `json:"provider_id"`
	Products       []string     `json:"products"`
	EntityIDs      []string     `json:"entity_ids"`
	CompanyID      jsonx.String `json:"company_id"`
	CustomerID     jsonx.String `json:"customer_id"`
	CustomerName   jsonx.String `json:"customer_name"`
	AccountID      jsonx.String `json:"account_id"`
}

func (w *tokenWire) public() *Token {
	return &Token{
		AccessToken:    string(w.AccessToken),
		TokenType:      string(w.TokenType),
		ConnectionID:   string(w.ConnectionID),
		ConnectionType: ConnectionType(w.ConnectionType),
		ClientType:     ClientType(w.ClientType),
		ProviderID:     string(w.ProviderID),
		Products:       w.Products,
		EntityIDs:      w.EntityIDs,
		CompanyID:      string(w.CompanyID),
		CustomerID:     string(w.CustomerID),
		CustomerName:   string(w.CustomerName),
		AccountID:      string(w.AccountID),
	}
}
