package atto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/tokencache"
	"github.com/reauthkit/reauthkit/reauth"
)

const tokenRoute = "/v1/oauth2/token"

// tokenResponse is Atto's token answer. The prose of Atto's docs shows
// snake_case (access_token, expires_in, token_type) and its OpenAPI sample
// camelCase (accessToken, expiresIn, tokenType); both are accepted, and
// expires_in may be a number or a numeric string. It is a plain struct
// (one decoding pass); [tokenResponse.lifetime] reads the expiry.
type tokenResponse struct {
	AccessTokenSnake string      `json:"access_token"`
	AccessTokenCamel string      `json:"accessToken"`
	TokenTypeSnake   string      `json:"token_type"`
	TokenTypeCamel   string      `json:"tokenType"`
	ExpiresInSnake   json.Number `json:"expires_in"`
	ExpiresInCamel   json.Number `json:"expiresIn"`
}

// accessToken returns the token in either casing.
func (t *tokenResponse) accessToken() string { return first(t.AccessTokenSnake, t.AccessTokenCamel) }

// lifetime returns expires_in, or 0 when missing, unusable or out of range.
func (t *tokenResponse) lifetime() time.Duration {
	for _, n := range []json.Number{t.ExpiresInSnake, t.ExpiresInCamel} {
		if n == "" {
			continue
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err == nil && f > 0 && f < 1<<31 {
			return time.Duration(f * float64(time.Second))
		}
	}
	return 0
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// fetchToken returns the token cache's fetch for scope: POST
// /v1/oauth2/token with the client credentials grant.
//
// Atto API docs: https://docs.atto.co/content/apis/get-token
func (c *Client) fetchToken(scope string) tokencache.FetchFunc {
	return func(ctx context.Context) (tokencache.Token, error) {
		req := &httpx.Request{
			Method:  http.MethodPost,
			Base:    c.base,
			Path:    tokenRoute,
			Secrets: []string{c.creds.ClientSecret},
		}
		req.SetForm(url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {c.creds.ClientID},
			"client_secret": {c.creds.ClientSecret},
			"scope":         {scope},
		})
		start := c.now()
		var tr tokenResponse
		if _, err := c.http.DoJSON(ctx, req, &tr); err != nil {
			return tokencache.Token{}, err
		}
		if tr.accessToken() == "" {
			return tokencache.Token{}, c.http.InvalidResponse(req.Op(), "token answer without an access token")
		}
		life := tr.lifetime()
		if life <= 0 {
			life = DefaultTokenLifetime
		}
		if scope == ScopeConsent {
			c.lifetime.Store(int64(life))
		}
		// Counted from before the request, so the cached expiry is never
		// later than Atto's.
		return tokencache.Token{Value: tr.accessToken(), ExpiresAt: start.Add(life)}, nil
	}
}

// bodyDecoder is implemented by answers with their own one-pass decoding.
type bodyDecoder interface{ decodeBody(b []byte) error }

// authorized sends req with a bearer token of the cache's scope. A 401
// (Atto unauthorised_client: the token was refused) drops the cached token
// and tries once more with a fresh one. out may be nil.
func (c *Client) authorized(ctx context.Context, cache *tokencache.Cache, req *httpx.Request, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := cache.Token(ctx)
		if err != nil {
			return err
		}
		r := *req
		r.Header = req.Header.Clone()
		if r.Header == nil {
			r.Header = make(http.Header, 1)
		}
		r.Header.Set("Authorization", "Bearer "+tok.Value)
		r.Secrets = append([]string{tok.Value, c.creds.ClientSecret}, req.Secrets...)
		switch d := out.(type) {
		case nil:
			_, err = c.http.Do(ctx, &r)
		case bodyDecoder:
			var resp *httpx.Response
			if resp, err = c.http.Do(ctx, &r); err == nil {
				if len(bytes.TrimSpace(resp.Body)) == 0 {
					err = c.http.InvalidResponse(r.Op(), "empty body")
				} else if derr := d.decodeBody(resp.Body); derr != nil {
					err = c.http.InvalidResponse(r.Op(), derr.Error())
				}
			}
		default:
			_, err = c.http.DoJSON(ctx, &r, out)
		}
		var apiErr *reauth.APIError
		if attempt == 0 && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
			cache.Invalidate(tok.Value)
			continue
		}
		return err
	}
}
