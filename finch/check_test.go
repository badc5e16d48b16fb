package finch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// directoryRequest is the application's own data call, made without the
// SDK.
func directoryRequest(t testing.TB, ctx context.Context, srv *finchtest.Server, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/employer/directory", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Finch-API-Version", finch.APIVersion)
	return req
}

// TestCheckResponse runs CheckResponse over the answers Finch documents,
// produced by the simulator over real HTTP, and checks that the body is
// still whole afterwards.
func TestCheckResponse(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	hc := srv.Client()
	cases := []struct {
		name   string
		setup  func(conn finchtest.Connection) string // returns the token to use
		status int
		kind   error
		code   string
	}{
		{"connected", func(c finchtest.Connection) string { return c.AccessToken }, 200, nil, ""},
		{"reauthenticate_user", func(c finchtest.Connection) string {
			srv.RequireReauth(c.ID)
			return c.AccessToken
		}, 401, reauth.ErrReauthRequired, finch.CodeReauthenticateUser},
		{"invalid token", func(finchtest.Connection) string { return "not-a-token" }, 401, reauth.ErrReauthRequired, finch.NameInvalidToken},
		{"account setup required", func(c finchtest.Connection) string {
			srv.SetStatus(c.ID, finchtest.StatusErrorNoAccountSetup)
			return c.AccessToken
		}, 401, reauth.ErrNewConnectionRequired, finch.CodeAccountSetupRequired},
		{"permissions", func(c finchtest.Connection) string {
			srv.SetStatus(c.ID, finchtest.StatusErrorPermissions)
			return c.AccessToken
		}, 403, finch.ErrInsufficientPermissions, finch.CodeInsufficientAccountPermissions},
		{"data sync in progress", func(c finchtest.Connection) string {
			srv.SetStatus(c.ID, finchtest.StatusPending)
			return c.AccessToken
		}, 202, reauth.ErrProviderUnavailable, finch.CodeDataSyncInProgress},
		{"rate limited", func(c finchtest.Connection) string {
			srv.Inject("GET /employer/directory", 1, sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "30",
				Body: `{"statusCode":429,"status":429,"code":429,"message":"Too many requests","name":"rate_limit_exceeded_error","finch_code":"finch_application_rl"}`})
			return c.AccessToken
		}, 429, reauth.ErrRateLimited, finch.CodeApplicationRateLimit},
		{"server error", func(c finchtest.Connection) string {
			srv.Inject("GET /employer/directory", 1, sim.Fault{Kind: sim.FaultStatus, Status: 500,
				Body: `{"code":500,"name":"server_error","message":"internal"}`})
			return c.AccessToken
		}, 500, reauth.ErrProviderUnavailable, finch.NameServerError},
		{"proxy page", func(c finchtest.Connection) string {
			srv.Inject("GET /employer/directory", 1, sim.Fault{Kind: sim.FaultHTML, Status: 502})
			return c.AccessToken
		}, 502, reauth.ErrProviderUnavailable, ""},
		{"payment required", func(c finchtest.Connection) string {
			srv.Inject("GET /employer/directory", 1, sim.Fault{Kind: sim.FaultStatus, Status: 402,
				Body: `{"code":402,"name":"payment_required","finch_code":"payment_required","message":"unpaid invoices"}`})
			return c.AccessToken
		}, 402, finch.ErrPaymentRequired, finch.CodePaymentRequired},
		{"insufficient scope", func(c finchtest.Connection) string {
			srv.Inject("GET /employer/directory", 1, sim.Fault{Kind: sim.FaultStatus, Status: 403,
				Body: `{"code":403,"name":"insufficient_scope_error","message":"product not granted"}`})
			return c.AccessToken
		}, 403, reauth.ErrUnauthorized, finch.NameInsufficientScope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := srv.AddConnection("gusto")
			resp, err := hc.Do(directoryRequest(t, context.Background(), srv, tc.setup(conn)))
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tc.status, resp.StatusCode)

			cerr := finch.CheckResponse(resp)
			body, rerr := io.ReadAll(resp.Body)
			require.NoError(t, rerr)
			require.NotEmpty(t, body, "the body is still readable after CheckResponse")
			if tc.kind == nil {
				require.NoError(t, cerr)
				var dir struct {
					Individuals []map[string]any `json:"individuals"`
				}
				require.NoError(t, json.Unmarshal(body, &dir), "the whole body")
				assert.Len(t, dir.Individuals, 2)
				return
			}
			require.ErrorIs(t, cerr, tc.kind)
			var apiErr *reauth.APIError
			require.ErrorAs(t, cerr, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, "GET /employer/directory", apiErr.Op)
			assert.Equal(t, resp.Header.Get("Finch-Request-Id"), apiErr.RequestID)
			assert.Regexp(t, `^finch: `, cerr.Error())
			if tc.status == 429 {
				assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
			}
		})
	}

	// The application's credentials refused (a Basic-authenticated call).
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/connect/sessions", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	req.SetBasicAuth(finchtest.ClientID, "wrong-secret")
	req.Header.Set("Finch-API-Version", finch.APIVersion)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	cerr := finch.CheckResponse(resp)
	assert.ErrorIs(t, cerr, reauth.ErrUnauthorized)
	assert.Equal(t, reauth.ActionFixConfig, reauth.NextAction(cerr))

	assert.ErrorIs(t, finch.CheckResponse(nil), reauth.ErrInvalidResponse)
}

// TestCheckResponseOn2xxLeavesTheBodyAlone: a 2xx is not read at all.
func TestCheckResponseOn2xxLeavesTheBodyAlone(t *testing.T) {
	t.Parallel()
	body := &countingReader{r: bytes.NewReader([]byte(`{"individuals":[]}`))}
	resp := &http.Response{StatusCode: 200, Body: io.NopCloser(body), Header: http.Header{}}
	require.NoError(t, finch.CheckResponse(resp))
	assert.Zero(t, body.n)
	// A 202 that is not Finch's sync answer is a success too.
	resp = &http.Response{StatusCode: 202, Body: io.NopCloser(bytes.NewReader([]byte(`{"job_id":"j"}`))), Header: http.Header{}}
	require.NoError(t, finch.CheckResponse(resp))
	b, _ := io.ReadAll(resp.Body)
	assert.JSONEq(t, `{"job_id":"j"}`, string(b))
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestTransportRoundTrip is issue 15's story over real HTTP: the
// application's own directory call fails through reauth.Transport, Notify
// learns which connection broke, a re-authentication runs against the
// simulator, and the call works again with the new access token.
func TestTransportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv)

	var mu sync.Mutex
	var broken []string
	var errs []error
	app := &http.Client{Transport: &reauth.Transport{
		Base:  srv.Client().Transport,
		Check: finch.CheckResponse,
		Notify: func(req *http.Request, err error) {
			p, id, ok := reauth.ConnectionFrom(req.Context())
			require.True(t, ok)
			require.Equal(t, reauth.Finch, p)
			mu.Lock()
			broken, errs = append(broken, id), append(errs, err)
			mu.Unlock()
		},
	}}
	call := func(token string) int {
		resp, err := app.Do(directoryRequest(t, reauth.WithConnection(ctx, reauth.Finch, conn.ID), srv, token))
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	require.Equal(t, 200, call(conn.AccessToken))
	require.Empty(t, broken)

	// Break it the way Finch's sandbox does, through the SDK.
	require.NoError(t, c.SetSandboxConnectionStatus(ctx, conn.AccessToken, finch.StatusReauth))
	require.Equal(t, 401, call(conn.AccessToken))
	mu.Lock()
	require.Equal(t, []string{conn.ID}, broken)
	require.ErrorIs(t, errs[0], reauth.ErrReauthRequired)
	require.Equal(t, reauth.ActionBeginAgain, reauth.NextAction(errs[0]))
	mu.Unlock()

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: broken[0], RedirectURI: testRedirect})
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow, approve(t, srv, flow))
	require.NoError(t, err)
	require.True(t, done.Result.CredentialsChanged)
	newToken := done.Result.Credentials.AccessToken
	require.NotEqual(t, conn.AccessToken, newToken)

	require.Equal(t, 200, call(newToken), "the data call works with the new token")
	mu.Lock()
	assert.Len(t, broken, 1, "no new notice")
	mu.Unlock()
}
