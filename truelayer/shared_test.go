package truelayer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// A /me answer larger than the default 1 MiB cap is refused unread, and
// read whole once WithMaxResponseBytes raises the cap.
func TestWithMaxResponseBytes(t *testing.T) {
	t.Parallel()
	big := `{"results":[{"credentials_id":"c-1","privacy_policy":"` + strings.Repeat("p", 2<<20) + `"}]}`
	for _, tc := range []struct {
		name string
		opts []truelayer.Option
		ok   bool
	}{
		{"default cap", nil, false},
		{"raised cap", []truelayer.Option{truelayer.WithMaxResponseBytes(4 << 20)}, true},
		{"lowered cap", []truelayer.Option{truelayer.WithMaxResponseBytes(1 << 10)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t, tc.opts...)
			mt.RegisterResponder(http.MethodGet, truelayer.ProductionAPIURL+"/data/v1/me", jsonResponder(200, big))
			me, err := c.Me(context.Background(), "at-1234")
			if !tc.ok {
				assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "c-1", me.CredentialsID)
			assert.Len(t, me.PrivacyPolicy, 2<<20)
		})
	}
	for _, n := range []int64{0, -1} {
		_, err := truelayer.New(truelayer.Credentials{ClientID: "a", ClientSecret: "b"}, truelayer.WithMaxResponseBytes(n))
		assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
		assert.ErrorContains(t, err, "truelayer: new client: WithMaxResponseBytes")
	}
}

// TrueLayer echoing the caller's own access token (raw, URL-encoded and in
// X-Tl-Correlation-Id) in a Data API error: the token comes from the
// request's Authorization header, which the application set, and never
// shows in the error, whatever the verb.
func TestCheckResponseScrubsTheCallersToken(t *testing.T) {
	t.Parallel()
	const at = "ECHO-access+token/9f2c"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("X-Tl-Correlation-Id", "corr-"+tok)
		sim.WriteJSON(w, 401, map[string]any{
			"error":             "invalid_token",
			"error_description": "token " + tok + " (" + url.QueryEscape(tok) + ") expired",
			"error_details":     map[string]any{"token": tok, "list": []any{tok}},
		})
	}))
	t.Cleanup(echo.Close)
	var got error
	hc := &http.Client{Transport: &reauth.Transport{Check: truelayer.CheckResponse, Notify: func(_ *http.Request, err error) { got = err }}}
	t.Cleanup(hc.CloseIdleConnections)
	req, err := http.NewRequest(http.MethodGet, echo.URL+"/data/v1/accounts", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, string(body), at, "the caller still reads the body as sent")

	require.ErrorIs(t, got, truelayer.ErrAccessTokenExpired)
	var apiErr *reauth.APIError
	require.True(t, errors.As(got, &apiErr))
	assert.Equal(t, "corr-"+reauth.Redacted, apiErr.RequestID)
	assert.Contains(t, apiErr.Message, reauth.Redacted)
	scan := reauthtest.NewLeakScan(at, url.QueryEscape(at))
	scan.Add(got, apiErr.Message, apiErr.RequestID, fmt.Sprint(apiErr.Details))
	require.Equal(t, 4, scan.Check(t))
}

// A client secret echoed URL-encoded or JSON-escaped in an auth-server
// error is scrubbed by the client's shared Scrubber, though no request
// lists it.
func TestClientSecretScrubbedInEveryForm(t *testing.T) {
	t.Parallel()
	const secret = "LEAK+sec/ret<&>-77"
	srv := truelayertest.NewServer(truelayertest.WithClientCredentials("id", secret))
	t.Cleanup(srv.Close)
	c, err := truelayer.New(truelayer.Credentials{ClientID: "id", ClientSecret: secret},
		truelayer.WithAuthURL(srv.URL), truelayer.WithAPIURL(srv.URL), truelayer.WithRetries(0, 0, 0))
	require.NoError(t, err)
	body := fmt.Sprintf(`{"error":"invalid_client","error_description":"%s %s %s","error_details":{"s":"%s"}}`,
		url.QueryEscape(secret), url.PathEscape(secret), `LEAK+sec/ret\u003c\u0026\u003e-77`, secret)
	srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultStatus, Status: 401, Body: body})
	_, err = c.RefreshToken(context.Background(), "rt-1234")
	require.ErrorIs(t, err, reauth.ErrUnauthorized)
	var apiErr *reauth.APIError
	require.True(t, errors.As(err, &apiErr))
	scan := reauthtest.NewLeakScan(secret, url.QueryEscape(secret), url.PathEscape(secret), `LEAK+sec/ret\u003c`)
	scan.Add(err, fmt.Sprint(apiErr.Details))
	require.Equal(t, 2, scan.Check(t))
}

// Every exported method of every exported type, on nil and zero values,
// returns an error or a safe zero answer instead of panicking.
func TestNilAndZeroValuesAreSafe(t *testing.T) {
	t.Parallel()
	var (
		nilClient   *truelayer.Client
		nilVerifier *truelayer.WebhookVerifier
		nilSource   *truelayer.TokenSource
		nilLocker   *truelayer.LocalLocker
		nilMismatch *truelayer.ConnectionMismatchError
	)
	n := reauthtest.CheckNilSafe(t,
		nilClient, &truelayer.Client{}, truelayer.Client{},
		nilVerifier, &truelayer.WebhookVerifier{}, truelayer.WebhookVerifier{},
		nilSource, &truelayer.TokenSource{}, truelayer.TokenSource{},
		nilLocker, &truelayer.LocalLocker{},
		nilMismatch, &truelayer.ConnectionMismatchError{}, truelayer.ConnectionMismatchError{},
		truelayer.Credentials{}, &truelayer.Credentials{}, truelayer.Token{}, &truelayer.Token{},
		truelayer.ReauthURIRequest{}, truelayer.ExtendRequest{}, truelayer.User{}, truelayer.ExtendResult{}, &truelayer.ExtendResult{},
		truelayer.Me{}, truelayer.ErrAccessTokenExpired,
	)
	require.Greater(t, n, 80)
}
