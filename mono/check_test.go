package mono_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
)

func answer(status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.withmono.com/v2/accounts/acc_1/transactions?page=2", nil)
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

// Mono's documented error answers, and a 2xx, through CheckResponse; the
// body stays readable.
func TestCheckResponse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   error // nil: no error
		code   string
	}{
		{"2xx", 200, nil, `{"status":"successful","data":[]}`, nil, ""},
		{"2xx with a finished job", 200, http.Header{"X-Job-Status": {"finished"}}, `{"data":[]}`, nil, ""},
		{"2xx, failed job alone is no re-auth signal", 200, http.Header{"X-Job-Status": {"failed"}}, `{"data":[]}`, nil, ""},
		{"2xx, x-reauth-required: false", 200, http.Header{"X-Reauth-Required": {"false"}}, `{"data":[]}`, nil, ""},
		{"re-auth: body", 400, nil, `{"status":"failed","message":"Reauthorisation required","code":"REAUTHORISATION_REQUIRED"}`, reauth.ErrReauthRequired, "REAUTHORISATION_REQUIRED"},
		{"re-auth: header on an error", 400, http.Header{"X-Reauth-Required": {"true"}}, `not json`, reauth.ErrReauthRequired, "REAUTHORISATION_REQUIRED"},
		{"re-auth: header on a 2xx", 200, http.Header{"X-Reauth-Required": {"true"}}, `{"data":[]}`, reauth.ErrReauthRequired, "REAUTHORISATION_REQUIRED"},
		{"re-auth: code in a 2xx body", 200, nil, `{"status":"failed","code":"REAUTHORISATION_REQUIRED","message":"account needs reauthorisation"}`, reauth.ErrReauthRequired, "REAUTHORISATION_REQUIRED"},
		{"re-auth: sync status in a 2xx body", 200, nil, `{"status":"successful","data":{"meta":{"sync_status":"REAUTHORISATION_REQUIRED"}}}`, reauth.ErrReauthRequired, "REAUTHORISATION_REQUIRED"},
		{"2xx, the words in a narration are no signal", 200, nil, `{"status":"successful","data":[{"narration":"REAUTHORISATION_REQUIRED"}]}`, nil, ""},
		{"rate limited", 429, http.Header{"Retry-After": {"120"}}, `{"status":"failed","message":"Too many requests"}`, reauth.ErrRateLimited, ""},
		{"provider down", 503, nil, `<html>Service Unavailable</html>`, reauth.ErrProviderUnavailable, ""},
		{"provider error", 500, nil, `{"status":"failed","message":"Internal server error"}`, reauth.ErrProviderUnavailable, ""},
		{"app key wrong", 401, nil, `{"status":"failed","message":"Invalid or missing secret key"}`, reauth.ErrUnauthorized, ""},
		{"unknown account", 404, nil, `{"status":"failed","message":"Account not found"}`, reauth.ErrNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := answer(tc.status, tc.header, tc.body)
			err := mono.CheckResponse(resp)
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
				var ae *reauth.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tc.status, ae.StatusCode)
				assert.Equal(t, "GET /v2/accounts/acc_1/transactions", ae.Op, "no host, no query")
				if tc.code != "" {
					assert.Equal(t, tc.code, ae.Code)
				}
			}
			rest, rerr := io.ReadAll(resp.Body)
			require.NoError(t, rerr)
			assert.Equal(t, tc.body, string(rest), "the body is still readable")
		})
	}
	require.Error(t, mono.CheckResponse(nil))
	assert.Equal(t, 120*time.Second, retryAfterOf(t, mono.CheckResponse(answer(429, http.Header{"Retry-After": {"120"}}, `{}`))))
}

func retryAfterOf(t *testing.T, err error) time.Duration {
	t.Helper()
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	return ae.RetryAfter
}

// The data endpoint fails Mono's way once the account needs re-auth, and
// works again after the re-auth: data call fails → Notify → Begin → the
// user answers → data call works.
func TestDataCallRoundTripThroughTransport(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	srv.MarkHealthy(monotest.AccountOTP)

	var mu sync.Mutex
	var broke []string
	hc := &http.Client{Transport: &reauth.Transport{
		Check: mono.CheckResponse,
		Notify: func(req *http.Request, err error) {
			p, id, _ := reauth.ConnectionFrom(req.Context())
			if p == reauth.Mono && reauth.NextAction(err) == reauth.ActionBeginAgain {
				mu.Lock()
				broke = append(broke, id)
				mu.Unlock()
			}
		},
	}}
	defer hc.CloseIdleConnections()
	transactions := func() int {
		req, err := http.NewRequestWithContext(reauth.WithConnection(ctx, reauth.Mono, monotest.AccountOTP),
			http.MethodGet, srv.URL+"/v2/accounts/"+monotest.AccountOTP+"/transactions", nil)
		require.NoError(t, err)
		req.Header.Set(mono.HeaderSecretKey, srv.SecretKey())
		req.Header.Set("x-realtime", "true")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Contains(t, string(body), `"status"`, "the app still reads the whole body")
		return resp.StatusCode
	}

	require.Equal(t, 200, transactions())
	assert.Empty(t, broke)

	srv.RequireReauth(monotest.AccountOTP)
	require.Equal(t, 400, transactions())
	require.Equal(t, []string{monotest.AccountOTP}, broke, "Notify named the broken connection")

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: broke[0]})
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow, approve(t, srv, flow))
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)

	require.Equal(t, 200, transactions())
	assert.Len(t, broke, 1, "no more notices")
}

func TestInspect(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	inspect := func(id string) *reauth.Health {
		t.Helper()
		h, err := c.Inspect(ctx, reauth.Request{ConnectionID: id})
		require.NoError(t, err)
		assert.Equal(t, reauth.Mono, h.Provider)
		assert.Equal(t, id, h.ConnectionID)
		assert.False(t, h.CheckedAt.IsZero())
		return h
	}
	h := inspect(monotest.AccountOTP)
	assert.Equal(t, reauth.NeedsReauth, h.State)
	assert.Equal(t, "available/REAUTHORISATION_REQUIRED", h.ProviderStatus)
	assert.True(t, h.NeedsAction())

	srv.MarkHealthy(monotest.AccountOTP)
	assert.Equal(t, reauth.Healthy, inspect(monotest.AccountOTP).State)
	srv.SetProcessing(monotest.AccountOTP, true)
	assert.Equal(t, reauth.Pending, inspect(monotest.AccountOTP).State)
	srv.Unlink(monotest.AccountOTP)
	assert.Equal(t, reauth.Revoked, inspect(monotest.AccountOTP).State)
	assert.Equal(t, 4, srv.Count(monotest.AccountRoute(monotest.AccountOTP)))

	_, err := c.Inspect(ctx, reauth.Request{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	bad, err := mono.New(mono.Credentials{SecretKey: "wrong"}, mono.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = bad.Inspect(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.ErrorIs(t, err, reauth.ErrUnauthorized, "the app's key is an error, not a health")
	var _ reauth.Inspector = c
}

// meta.data_status changed case in 2025: compared case-insensitively.
func TestInspectStatesOnTheWire(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]reauth.HealthState{
		`{"data":{"meta":{"data_status":"AVAILABLE"}}}`:                                          reauth.Healthy,
		`{"data":{"meta":{"data_status":"partial","sync_status":"successful"}}}`:                 reauth.Healthy,
		`{"data":{"meta":{"data_status":"PROCESSING"}}}`:                                         reauth.Pending,
		`{"data":{"meta":{"data_status":"available","sync_status":"reauthorisation_required"}}}`: reauth.NeedsReauth,
		`{"data":{"meta":{"data_status":"failed"}}}`:                                             reauth.Unknown,
		`{"data":{"meta":{"data_status":"unavailable"}}}`:                                        reauth.Unknown,
		`{"data":{"account":{"id":"acc"},"sync_status":"REAUTHORISATION_REQUIRED"}}`:             reauth.NeedsReauth,
	} {
		c, mt := mockClient(t)
		mt.RegisterResponder(http.MethodGet, testBase+"/v2/accounts/acc", expect(t, "", nil, 200, body))
		h, err := c.Inspect(context.Background(), reauth.Request{ConnectionID: "acc"})
		require.NoError(t, err, body)
		assert.Equal(t, want, h.State, body)
	}
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/accounts/acc",
		expect(t, "", nil, 400, `{"status":"failed","code":"REAUTHORISATION_REQUIRED","message":"Reauthorisation required"}`))
	h, err := c.Inspect(context.Background(), reauth.Request{ConnectionID: "acc"})
	require.NoError(t, err)
	assert.Equal(t, reauth.NeedsReauth, h.State)
}

// A redirect back from the hosted page is a hint: Continue re-reads the
// account and reports done only when it no longer needs re-auth.
func TestLinkRedirectIsAHint(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv, mono.WithLinkMode())
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP, RedirectURI: "https://app.example/cb"})
	require.NoError(t, err)
	forged := reauth.Reply{Callback: map[string][]string{"state": {flow.State}, "status": {"reauthorised"}, "code": {"code_x"}}}
	_, err = c.Continue(ctx, flow, forged)
	require.ErrorIs(t, err, reauth.ErrReauthRequired, "the account still needs re-auth: not done")
	assert.Equal(t, 1, srv.Count(monotest.AccountRoute(monotest.AccountOTP)))

	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	assert.Equal(t, 2, srv.Count(monotest.AccountRoute(monotest.AccountOTP)))
}
