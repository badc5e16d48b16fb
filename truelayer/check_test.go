package truelayer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

func answer(status int, ctype, body string, hdr ...string) *http.Response {
	h := http.Header{"Content-Type": {ctype}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.truelayer.com/data/v1/accounts?x=1", nil)
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

// TrueLayer's documented Data API answers (v1 and v3 problem details).
func TestCheckResponse(t *testing.T) {
	t.Parallel()
	const problem = "application/problem+json"
	for _, tc := range []struct {
		name   string
		resp   *http.Response
		kind   error
		code   string
		action reauth.Action
	}{
		{"2xx", answer(200, "application/json", `{"results":[]}`), nil, "", reauth.ActionNone},
		{"v1 consent expired", answer(403, "application/json", `{"error":"access_denied","error_description":"Consent expired or revoked"}`), reauth.ErrReauthRequired, "access_denied", reauth.ActionBeginAgain},
		{"v1 access token expired", answer(401, "application/json", `{"error":"invalid_token","error_description":"token expired"}`), truelayer.ErrAccessTokenExpired, "invalid_token", reauth.ActionRetryLater},
		{"v1 sca window", answer(403, "application/json", `{"error":"sca_exceeded"}`), nil, "sca_exceeded", reauth.ActionBeginAgain},
		{"v1 rate limited", answer(429, "application/json", `{"error":"provider_too_many_requests"}`, "Retry-After", "60"), reauth.ErrRateLimited, "provider_too_many_requests", reauth.ActionRetryLater},
		{"v1 provider down", answer(503, "application/json", `{"error":"provider_error","error_description":"bank unavailable"}`), reauth.ErrProviderUnavailable, "provider_error", reauth.ActionRetryLater},
		{"v1 app credentials wrong", answer(401, "application/json", `{"error":"invalid_client"}`), reauth.ErrUnauthorized, "invalid_client", reauth.ActionFixConfig},
		{"v3 forbidden", answer(403, problem, `{"type":"https://docs.truelayer.com/docs/data-v3-errors","title":"Forbidden","status":403,"trace_id":"tr-1"}`), reauth.ErrReauthRequired, "Forbidden", reauth.ActionBeginAgain},
		{"v3 invalid state", answer(400, problem, `{"type":"x","title":"Invalid State","status":400,"trace_id":"tr-2"}`), reauth.ErrReauthRequired, "Invalid State", reauth.ActionBeginAgain},
		{"v3 unauthenticated", answer(401, problem, `{"type":"x","title":"Unauthenticated","status":401,"trace_id":"tr-3"}`), truelayer.ErrAccessTokenExpired, "Unauthenticated", reauth.ActionRetryLater},
		{"v3 rate limited", answer(429, problem, `{"type":"x","title":"Rate Limit Exceeded","status":429,"trace_id":"tr-4"}`), reauth.ErrRateLimited, "Rate Limit Exceeded", reauth.ActionRetryLater},
		{"v3 provider error", answer(502, problem, `{"type":"x","title":"Provider Error","status":502,"trace_id":"tr-5"}`), reauth.ErrProviderUnavailable, "Provider Error", reauth.ActionRetryLater},
		{"proxy html", answer(502, "text/html", `<html>bad gateway</html>`), reauth.ErrProviderUnavailable, "", reauth.ActionRetryLater},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, _ := io.ReadAll(tc.resp.Body)
			tc.resp.Body = io.NopCloser(bytes.NewReader(body))
			err := truelayer.CheckResponse(tc.resp)
			assert.Equal(t, tc.action, reauth.NextAction(err))
			rest, rerr := io.ReadAll(tc.resp.Body)
			require.NoError(t, rerr)
			assert.Equal(t, string(body), string(rest), "the body is still readable")
			if tc.resp.StatusCode == 200 {
				require.NoError(t, err)
				return
			}
			var apiErr *reauth.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, "GET /data/v1/accounts", apiErr.Op)
			if tc.kind == nil {
				assert.Nil(t, apiErr.Kind)
			} else {
				assert.ErrorIs(t, err, tc.kind)
			}
			if tc.kind != reauth.ErrUnauthorized {
				assert.NotErrorIs(t, err, reauth.ErrUnauthorized, "only the app's credentials are ErrUnauthorized")
			}
		})
	}
	assert.Error(t, truelayer.CheckResponse(nil))
}

func FuzzCheckResponse(f *testing.F) {
	f.Add(403, `{"error":"access_denied"}`)
	f.Add(400, `{"title":"Invalid State","status":400}`)
	f.Add(401, `{"error":{"code":"invalid_token"}}`)
	f.Add(200, `{}`)
	f.Add(500, strings.Repeat("{", 1<<12))
	f.Fuzz(func(t *testing.T, status int, body string) {
		status = 100 + (status%500+500)%500
		resp := answer(status, "application/json", body)
		err := truelayer.CheckResponse(resp)
		if status >= 200 && status <= 299 && err != nil {
			t.Fatalf("2xx refused: %v", err)
		}
		rest, _ := io.ReadAll(resp.Body)
		if string(rest) != body {
			t.Fatal("body not restored")
		}
	})
}

// The application's own data call, through reauth.Transport: it fails once
// the consent lapsed, Notify names the connection, the re-auth runs at the
// simulated bank, and the call works again.
func TestDataCallRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	var mu sync.Mutex
	var broken []string
	hc := &http.Client{Transport: &reauth.Transport{
		Check: truelayer.CheckResponse,
		Notify: func(req *http.Request, err error) {
			if p, id, ok := reauth.ConnectionFrom(req.Context()); ok && p == reauth.TrueLayer && errors.Is(err, reauth.ErrReauthRequired) {
				mu.Lock()
				broken = append(broken, id)
				mu.Unlock()
			}
		},
	}}
	t.Cleanup(hc.CloseIdleConnections)
	accounts := func(at string) int {
		req, err := http.NewRequestWithContext(reauth.WithConnection(ctx, reauth.TrueLayer, conn.CredentialsID), http.MethodGet, srv.URL+"/data/v1/accounts", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+at)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if resp.StatusCode == 200 {
			assert.Contains(t, string(b), `"account_id"`)
		}
		return resp.StatusCode
	}
	require.Equal(t, 200, accounts(conn.AccessToken))
	srv.ExpireConsent(conn.CredentialsID, 0)
	require.Equal(t, 403, accounts(conn.AccessToken))
	require.Equal(t, []string{conn.CredentialsID}, broken)

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: broken[0], Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, 200, accounts(done.Result.Credentials.AccessToken))
	assert.Len(t, broken, 1)
	assert.Equal(t, 3, srv.Count(truelayertest.RouteAccounts))
}
