package truelayer

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/oauth2"
)

// Transport returns an http.RoundTripper for the application's Data API
// calls: like oauth2.Transport, it sends each request through base (nil:
// http.DefaultTransport) with the source's access token (Authorization:
// Bearer), leaving the caller's request untouched. When TrueLayer refuses
// that token (401 invalid_token, [ErrAccessTokenExpired]) it invalidates it
// ([TokenSource.Invalidate], only if the source still holds it) and
// returns the answer unchanged: retry the call, and the next Token reloads
// the store or refreshes. Put a reauth.Transport in base to hear about
// consents that need re-authentication.
func (s *TokenSource) Transport(base http.RoundTripper) http.RoundTripper {
	return &tokenTransport{s: s, base: base}
}

type tokenTransport struct {
	s    *TokenSource
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, errors.New("truelayer: token transport: nil request")
	}
	tok, err := t.s.Token(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, err
	}
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && errors.Is(CheckResponse(resp), ErrAccessTokenExpired) {
		t.s.st.invalidate(tok.AccessToken)
	}
	return resp, nil
}

// OAuth2 returns the source as an oauth2.TokenSource; ctx bounds every
// refresh. The oauth2 token carries the access token only.
//
// Use it as &oauth2.Transport{Source: ts.OAuth2(ctx)}: the source already
// reuses its token, and oauth2.Transport asks it on every request, so an
// [TokenSource.Invalidate] takes effect on the next one. oauth2.Transport
// does not report refused tokens: call Invalidate from reauth.Transport's
// Notify on [ErrAccessTokenExpired], or use [TokenSource.Transport], which
// does. oauth2.NewClient works too, but wraps the source in
// oauth2.ReuseTokenSource, which keeps each token until its expiry and so
// never sees Invalidate.
func (s *TokenSource) OAuth2(ctx context.Context) oauth2.TokenSource {
	return oauth2Source{ctx: ctx, s: s}
}

type oauth2Source struct {
	ctx context.Context
	s   *TokenSource
}

func (o oauth2Source) Token() (*oauth2.Token, error) {
	t, err := o.s.Token(o.ctx)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.ExpiresAt}, nil
}
