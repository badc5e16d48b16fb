package truelayer

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Token is a TrueLayer token pair. Its String, GoString and LogValue print
// REDACTED for both tokens; the fields keep the real values.
type Token struct {
	AccessToken  string
	RefreshToken string
	// ExpiresAt is when AccessToken stops working (about an hour after
	// issue); zero when TrueLayer sent no usable expires_in.
	ExpiresAt time.Time
	TokenType string
	Scope     string
}

// Credentials returns the pair as reauth.Credentials.
func (t Token) Credentials() reauth.Credentials {
	return reauth.Credentials{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, ExpiresAt: t.ExpiresAt}
}

// tokenJSON is the /connect/token answer. expires_in is decoded leniently
// (number or numeric string).
type tokenJSON struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	ExpiresIn    jsonx.Int    `json:"expires_in"`
	TokenType    jsonx.String `json:"token_type"`
	Scope        jsonx.String `json:"scope"`
}

// maxExpiresIn bounds a believable expires_in (10 years, in seconds); a
// larger value would overflow time.Duration and is treated as absent.
const maxExpiresIn = 10 * 365 * 24 * 60 * 60

func (j tokenJSON) token(now time.Time) Token {
	t := Token{AccessToken: j.AccessToken, RefreshToken: j.RefreshToken, TokenType: string(j.TokenType), Scope: string(j.Scope)}
	if j.ExpiresIn > 0 && j.ExpiresIn <= maxExpiresIn {
		t.ExpiresAt = now.Add(time.Duration(j.ExpiresIn) * time.Second)
	}
	return t
}

const tokenPath = "/connect/token"

// ExchangeCode redeems an authorisation code (or the exchange_code of a
// connections/extend redirect) for a token pair. redirectURI must be the
// one the flow started with; codeVerifier is the PKCE verifier, empty when
// PKCE was not used. The code can be spent once: the request is retried only
// on a dial error or a 429, never after TrueLayer may have seen it.
//
// TrueLayer API docs: https://docs.truelayer.com/reference/generateaccesstoken
func (c *Client) ExchangeCode(ctx context.Context, code, redirectURI, codeVerifier string) (*Token, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	switch {
	case code == "":
		return nil, reauth.MissingInput(provider, "code")
	case redirectURI == "":
		return nil, reauth.MissingInput(provider, "redirectURI")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {c.creds.ClientID},
		"client_secret": {c.creds.ClientSecret},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}
	if codeVerifier != "" {
		form.Set("code_verifier", codeVerifier)
	}
	return c.postToken(ctx, form, true, code, codeVerifier)
}

// RefreshToken trades a refresh token for a new pair. TrueLayer rotates the
// pair: store both new tokens atomically and serialise refreshes per
// connection — [Client.TokenSource] does both. invalid_grant (the 90-day
// consent has lapsed) wraps reauth.ErrReauthRequired. Network errors and
// 502/503/504 are retried with the same token, as TrueLayer advises; if an
// answer was lost after TrueLayer rotated the pair, that retry meets
// invalid_grant, so keep the stored pair until a refresh succeeds.
//
// TrueLayer API docs: https://docs.truelayer.com/reference/generateaccesstoken
func (c *Client) RefreshToken(ctx context.Context, refreshToken string) (*Token, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, reauth.MissingInput(provider, "refreshToken")
	}
	return c.postToken(ctx, c.refreshForm(refreshToken), false, refreshToken)
}

// refresh is RefreshToken sent once (retried only on a dial error or a
// 429), so a TokenSource sees a lost answer as such instead of as the
// invalid_grant of a blind resend.
func (c *Client) refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, reauth.MissingInput(provider, "refreshToken")
	}
	return c.postToken(ctx, c.refreshForm(refreshToken), true, refreshToken)
}

func (c *Client) refreshForm(refreshToken string) url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {c.creds.ClientID},
		"client_secret": {c.creds.ClientSecret},
		"refresh_token": {refreshToken},
	}
}

func (c *Client) postToken(ctx context.Context, form url.Values, oneTime bool, secrets ...string) (*Token, error) {
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.authBase,
		Path:    tokenPath,
		OneTime: oneTime,
		Secrets: secrets,
	}
	req.SetForm(form)
	var out tokenJSON
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, c.http.InvalidResponse(req.Op(), "no access_token in the answer")
	}
	t := out.token(c.now())
	return &t, nil
}
