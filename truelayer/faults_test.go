package truelayer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// faultCase is one misbehaviour of the simulated TrueLayer and what the
// adapter must make of it.
type faultCase struct {
	name  string
	fault sim.Fault
	// ok: the call succeeds (after a retry); else err must wrap kind.
	ok   bool
	kind error
	// requests is how many requests the route must have seen.
	requests int
	// deadline, when set, is the ctx deadline of the call.
	deadline time.Duration
}

const (
	callBudget = 10 * time.Second // ctx deadline of every call
	margin     = 5 * time.Second  // generous: 2 shared CPUs under -race
)

// Begin (POST /v1/reauthuri) is retry-safe: 429 with a short Retry-After,
// 502/503/504, HTML proxy pages and dropped connections are retried.
var beginFaults = []faultCase{
	{"429 small Retry-After", sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "1"}, true, nil, 2, 0},
	{"429 huge Retry-After", sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "3600"}, false, reauth.ErrRateLimited, 1, 0},
	{"500", sim.Fault{Kind: sim.FaultStatus, Status: 500}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"502", sim.Fault{Kind: sim.FaultStatus, Status: 502}, true, nil, 2, 0},
	{"503", sim.Fault{Kind: sim.FaultStatus, Status: 503}, true, nil, 2, 0},
	{"504", sim.Fault{Kind: sim.FaultStatus, Status: 504}, true, nil, 2, 0},
	{"dropped before read", sim.Fault{Kind: sim.FaultDropBeforeRead}, true, nil, 2, 0},
	{"dropped after read", sim.Fault{Kind: sim.FaultDropAfterRead}, true, nil, 2, 0},
	{"truncated JSON", sim.Fault{Kind: sim.FaultTruncate}, false, reauth.ErrInvalidResponse, 1, 0},
	{"HTML proxy page", sim.Fault{Kind: sim.FaultHTML, Status: 502}, true, nil, 2, 0},
	{"20 MiB body", sim.Fault{Kind: sim.FaultHugeBody}, false, reauth.ErrInvalidResponse, 1, 0},
	{"slower than the deadline", sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute}, false, context.DeadlineExceeded, 1, 300 * time.Millisecond},
}

// Continue spends the code at POST /connect/token: exactly one request,
// except a 429, which TrueLayer refused unread.
var continueFaults = []faultCase{
	{"429 small Retry-After", sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "1"}, true, nil, 2, 0},
	{"429 huge Retry-After", sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "3600"}, false, reauth.ErrRateLimited, 1, 0},
	{"500", sim.Fault{Kind: sim.FaultStatus, Status: 500}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"502", sim.Fault{Kind: sim.FaultStatus, Status: 502}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"503", sim.Fault{Kind: sim.FaultStatus, Status: 503}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"504", sim.Fault{Kind: sim.FaultStatus, Status: 504}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"dropped before read", sim.Fault{Kind: sim.FaultDropBeforeRead}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"dropped after read", sim.Fault{Kind: sim.FaultDropAfterRead}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"truncated JSON", sim.Fault{Kind: sim.FaultTruncate}, false, reauth.ErrInvalidResponse, 1, 0},
	{"HTML proxy page", sim.Fault{Kind: sim.FaultHTML, Status: 502}, false, reauth.ErrProviderUnavailable, 1, 0},
	{"20 MiB body", sim.Fault{Kind: sim.FaultHugeBody}, false, reauth.ErrInvalidResponse, 1, 0},
	{"slower than the deadline", sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute}, false, context.DeadlineExceeded, 1, 300 * time.Millisecond},
}

func faultClient(t *testing.T) (*truelayer.Client, *truelayertest.Server) {
	return simClient(t, truelayer.WithRetries(2, time.Millisecond, 2*time.Second))
}

func runFault(t *testing.T, tc faultCase, route string, srv *truelayertest.Server, call func(ctx context.Context) (*reauth.Flow, error)) {
	t.Helper()
	budget := callBudget
	if tc.deadline > 0 {
		budget = tc.deadline
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	before := srv.Count(route)
	srv.Inject(route, 1, tc.fault)
	start := time.Now()
	var (
		flow *reauth.Flow
		err  error
	)
	require.NotPanics(t, func() { flow, err = call(ctx) })
	elapsed := time.Since(start)
	assert.Less(t, elapsed, budget+margin, "the call outlived its deadline")
	if tc.ok {
		require.NoError(t, err)
		require.NotNil(t, flow)
	} else {
		require.Error(t, err)
		assert.Nil(t, flow)
		assert.True(t, errors.Is(err, tc.kind), "got %v; want %v", err, tc.kind)
	}
	assert.Equal(t, tc.requests, srv.Count(route)-before, "requests seen by %s", route)
	if errors.Is(tc.kind, reauth.ErrRateLimited) {
		var apiErr *reauth.APIError
		require.True(t, errors.As(err, &apiErr))
		assert.Equal(t, time.Hour, apiErr.RetryAfter)
		assert.Less(t, elapsed, time.Hour/2, "must not sleep through Retry-After")
	}
}

func TestFaultsBegin(t *testing.T) {
	t.Parallel()
	for _, tc := range beginFaults {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := faultClient(t)
			conn := lapsed(srv)
			runFault(t, tc, truelayertest.RouteReauthURI, srv, func(ctx context.Context) (*reauth.Flow, error) {
				return c.Begin(ctx, reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI})
			})
		})
	}
}

func TestFaultsContinue(t *testing.T) {
	t.Parallel()
	for _, tc := range continueFaults {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := faultClient(t)
			conn := lapsed(srv)
			flow, err := c.Begin(context.Background(), reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI})
			require.NoError(t, err)
			cb, err := srv.Approve(context.Background(), flow.URL)
			require.NoError(t, err)
			runFault(t, tc, truelayertest.RouteToken, srv, func(ctx context.Context) (*reauth.Flow, error) {
				return c.Continue(ctx, flow, reauth.Reply{Callback: cb})
			})
		})
	}
}
