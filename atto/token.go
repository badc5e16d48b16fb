package atto

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/internal/tokencache"
	"github.com/reauthkit/reauthkit/reauth"
)

const tokenRoute = "/v1/oauth2/token"

// tokenResponse is Atto's token answer. The prose of Atto's docs shows
// snake_case (access_token, expires_in, token_type) and its OpenAPI sample
// camelCase (accessToken, expiresIn, tokenType); both are accepted.
// expires_in may be a number or a numeric string; anything else (an empty
// or non-numeric string, an object) counts as missing rather than failing
// the fetch. token_type is not read: the token is always sent as Bearer.
// It is a plain struct (one decoding pass); [tokenResponse.lifetime] reads
// the expiry.
type tokenResponse struct {
	AccessTokenSnake string          `json:"access_token"`
	AccessTokenCamel string          `json:"accessToken"`
	ExpiresInSnake   json.RawMessage `json:"expires_in"`
	ExpiresInCamel   json.RawMessage `json:"expiresIn"`
}

// accessToken returns the token in either casing.
func (t *tokenResponse) accessToken() string { return cmp.Or(t.AccessTokenSnake, t.AccessTokenCamel) }

// lifetime returns expires_in, or 0 when missing, unusable or out of range.
func (t *tokenResponse) lifetime() time.Duration {
	for _, raw := range []json.RawMessage{t.ExpiresInSnake, t.ExpiresInCamel} {
		var s jsonx.String
		if len(raw) == 0 || s.UnmarshalJSON(raw) != nil {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
		if err == nil && f > 0 && f < 1<<31 {
			return time.Duration(f * float64(time.Second))
		}
	}
	return 0
}

// fetchToken returns the token cache's fetch for scope: POST
// /v1/oauth2/token with the client credentials grant.
//
// Atto API docs: https://docs.atto.co/content/apis/get-token
func (c *Client) fetchToken(scope string) tokencache.FetchFunc {
	return func(ctx context.Context) (tokencache.Token, error) {
		req := &httpx.Request{
			Method: http.MethodPost,
			Base:   c.base,
			Path:   tokenRoute,
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
		// Counted from before the request, so the cached expiry is never
		// later than Atto's.
		return tokencache.Token{Value: tr.accessToken(), ExpiresAt: start.Add(life)}, nil
	}
}

// authorized sends req with a bearer token of the cache's scope and
// returns the 2xx answer's body. A 401 (Atto unauthorised_client: the
// token was refused) drops the cached token and tries once more with a
// fresh one.
func (c *Client) authorized(ctx context.Context, cache *tokencache.Cache, req *httpx.Request) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		tok, err := cache.Token(ctx)
		if err != nil {
			return nil, err
		}
		r := *req
		r.Header = req.Header.Clone()
		if r.Header == nil {
			r.Header = make(http.Header, 1)
		}
		// The core scrubs the Authorization credential and the client
		// secret (its Config.Scrubber) from every error.
		r.Header.Set("Authorization", "Bearer "+tok.Value)
		resp, err := c.http.Do(ctx, &r)
		var apiErr *reauth.APIError
		if attempt == 0 && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
			cache.Invalidate(tok.Value)
			continue
		}
		if err != nil {
			return nil, err
		}
		return resp.Body, nil
	}
}

// authorizedJSON is [Client.authorized] decoding the body into the wire
// type W: the one decoding path of every Atto answer.
func authorizedJSON[W any](ctx context.Context, c *Client, cache *tokencache.Cache, req *httpx.Request) (*W, error) {
	body, err := c.authorized(ctx, cache, req)
	if err != nil {
		return nil, err
	}
	var w W
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, c.http.InvalidResponse(req.Op(), "empty body")
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, c.http.InvalidResponse(req.Op(), err.Error())
	}
	return &w, nil
}
