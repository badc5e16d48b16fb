package finch_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

type faultCase struct {
	name  string
	fault sim.Fault
	n     int // how many requests misbehave
	// deadline is the ctx timeout of the call; 0 means 10 s.
	deadline time.Duration
	// wantErr nil means the call succeeds (after retries).
	wantErr      error
	wantStatus   int // for *reauth.APIError answers
	wantRequests int
	wantRetry    time.Duration // RetryAfter of a rate-limit error
}

const (
	routeSession = "POST /connect/sessions/reauthenticate"
	routeToken   = "POST /auth/token"
	// margin is how much later than its deadline a call may return: generous,
	// for a loaded 2-core machine under -race.
	margin = 3 * time.Second
)

func status(code int, retryAfter string) sim.Fault {
	return sim.Fault{Kind: sim.FaultStatus, Status: code, RetryAfter: retryAfter,
		Body: `{"code":` + strconv.Itoa(code) + `,"name":"server_error","message":"simulated"}`}
}

// Begin opens a session: minting is retry-safe.
var beginFaults = []faultCase{
	{name: "429 small Retry-After is retried", fault: status(429, "1"), n: 1, wantRequests: 2},
	{name: "429 huge Retry-After is ErrRateLimited without sleeping", fault: status(429, "3600"), n: 1,
		wantErr: reauth.ErrRateLimited, wantStatus: 429, wantRequests: 1, wantRetry: time.Hour},
	{name: "500 is not retried", fault: status(500, ""), n: 1, wantErr: reauth.ErrProviderUnavailable, wantStatus: 500, wantRequests: 1},
	{name: "502 is retried", fault: status(502, ""), n: 1, wantRequests: 2},
	{name: "503 is retried", fault: status(503, ""), n: 1, wantRequests: 2},
	{name: "504 is retried", fault: status(504, ""), n: 1, wantRequests: 2},
	{name: "503 on every attempt", fault: status(503, ""), n: 3, wantErr: reauth.ErrProviderUnavailable, wantStatus: 503, wantRequests: 3},
	{name: "dropped before read is retried", fault: sim.Fault{Kind: sim.FaultDropBeforeRead}, n: 1, wantRequests: 2},
	{name: "dropped after read is retried", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, n: 1, wantRequests: 2},
	{name: "truncated JSON", fault: sim.Fault{Kind: sim.FaultTruncate}, n: 1, wantErr: reauth.ErrInvalidResponse, wantRequests: 1},
	{name: "HTML proxy page", fault: sim.Fault{Kind: sim.FaultHTML, Status: 502}, n: 3, wantErr: reauth.ErrProviderUnavailable, wantStatus: 502, wantRequests: 3},
	{name: "20 MiB body", fault: sim.Fault{Kind: sim.FaultHugeBody}, n: 1, wantErr: reauth.ErrInvalidResponse, wantRequests: 1},
	{name: "slower than the deadline", fault: sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute}, n: 1,
		deadline: time.Second, wantErr: context.DeadlineExceeded, wantRequests: 1},
}

// Continue spends a one-time code: sent exactly once unless Finch refused
// it unread (429).
var continueFaults = []faultCase{
	{name: "429 small Retry-After is retried", fault: status(429, "1"), n: 1, wantRequests: 2},
	{name: "429 huge Retry-After is ErrRateLimited without sleeping", fault: status(429, "3600"), n: 1,
		wantErr: reauth.ErrRateLimited, wantStatus: 429, wantRequests: 1, wantRetry: time.Hour},
	{name: "500 is sent once", fault: status(500, ""), n: 1, wantErr: reauth.ErrProviderUnavailable, wantStatus: 500, wantRequests: 1},
	{name: "502 is sent once", fault: status(502, ""), n: 1, wantErr: reauth.ErrProviderUnavailable, wantStatus: 502, wantRequests: 1},
	{name: "503 is sent once", fault: status(503, ""), n: 1, wantErr: reauth.ErrProviderUnavailable, wantStatus: 503, wantRequests: 1},
	{name: "504 is sent once", fault: status(504, ""), n: 1, wantErr: reauth.ErrProviderUnavailable, wantStatus: 504, wantRequests: 1},
	{name: "dropped before read is sent once", fault: sim.Fault{Kind: sim.FaultDropBeforeRead}, n: 1, wantErr: reauth.ErrProviderUnavailable, wantRequests: 1},
	{name: "dropped after read is sent once", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, n: 1, wantErr: reauth.ErrProviderUnavailable, wantRequests: 1},
	{name: "truncated JSON", fault: sim.Fault{Kind: sim.FaultTruncate}, n: 1, wantErr: reauth.ErrInvalidResponse, wantRequests: 1},
	{name: "HTML proxy page", fault: sim.Fault{Kind: sim.FaultHTML, Status: 502}, n: 1, wantErr: reauth.ErrProviderUnavailable, wantStatus: 502, wantRequests: 1},
	{name: "20 MiB body", fault: sim.Fault{Kind: sim.FaultHugeBody}, n: 1, wantErr: reauth.ErrInvalidResponse, wantRequests: 1},
	{name: "slower than the deadline", fault: sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute}, n: 1,
		deadline: time.Second, wantErr: context.DeadlineExceeded, wantRequests: 1},
}

// maxWait is the longest Retry-After the fault client honours: Retry-After:
// 1 is waited for, 3600 is not. Were a long Retry-After slept anyway, the
// sleep would be maxWait, far above the bound runFault allows.
const maxWait = 30 * time.Second

// faultClient retries twice and waits up to maxWait.
func faultClient(t *testing.T, srv *finchtest.Server) *finch.Client {
	return simClient(t, srv, finch.WithRetries(2, time.Millisecond, maxWait))
}

func runFault(t *testing.T, tc faultCase, route string, call func(ctx context.Context) (*reauth.Flow, error), srv *finchtest.Server) {
	t.Helper()
	srv.ResetLog()
	srv.Inject(route, tc.n, tc.fault)
	deadline := tc.deadline
	if deadline == 0 {
		deadline = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	var flow *reauth.Flow
	var err error
	require.NotPanics(t, func() { flow, err = call(ctx) })
	elapsed := time.Since(start)
	assert.Less(t, elapsed, deadline+margin, "returned late")
	assert.Equal(t, tc.wantRequests, srv.Count(route), "requests seen by the simulator")
	if tc.wantErr == nil {
		require.NoError(t, err)
		require.NotNil(t, flow)
		return
	}
	require.Error(t, err)
	assert.Nil(t, flow)
	assert.ErrorIs(t, err, tc.wantErr)
	var apiErr *reauth.APIError
	if tc.wantStatus != 0 {
		require.True(t, errors.As(err, &apiErr), "want *reauth.APIError, got %T %v", err, err)
		assert.Equal(t, tc.wantStatus, apiErr.StatusCode)
		assert.Equal(t, tc.wantRetry, apiErr.RetryAfter)
	}
	if tc.wantRetry > 0 {
		assert.Less(t, elapsed, maxWait/3, "a long Retry-After must not be slept")
	}
}

func TestBeginFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range beginFaults {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			conn := srv.AddConnection("gusto")
			c := faultClient(t, srv)
			runFault(t, tc, routeSession, func(ctx context.Context) (*reauth.Flow, error) {
				return c.Begin(ctx, reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect})
			}, srv)
		})
	}
}

func TestContinueFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range continueFaults {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			conn := srv.AddConnection("gusto")
			srv.RequireReauth(conn.ID)
			c := faultClient(t, srv)
			flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect})
			require.NoError(t, err)
			reply := approve(t, srv, flow)
			runFault(t, tc, routeToken, func(ctx context.Context) (*reauth.Flow, error) {
				return c.Continue(ctx, flow, reply)
			}, srv)
		})
	}
}
