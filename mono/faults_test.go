package mono_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// faultCase is one misbehaviour of the network or of Mono, and what the
// adapter must make of it.
type faultCase struct {
	name  string
	fault sim.Fault
	times int           // how many requests misbehave
	want  error         // nil: the call succeeds (after a retry)
	sent  int           // requests the simulator saw on the faulted route
	ctx   time.Duration // call deadline; 0 is 10 s
}

// A Retry-After of 1 s is under the client's 1.5 s max wait (retried); one
// of an hour is over it (ErrRateLimited, no sleep).
func faultOptions() []mono.Option {
	return []mono.Option{mono.WithRetries(2, time.Millisecond, 1500*time.Millisecond)}
}

// Begin's calls are retry-safe: transient faults are retried.
var beginFaults = []faultCase{
	{name: "429 small Retry-After", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "1"}, times: 1, sent: 2},
	{name: "429 huge Retry-After", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "3600"}, times: 1, want: reauth.ErrRateLimited, sent: 1},
	{name: "500", fault: sim.Fault{Kind: sim.FaultStatus, Status: 500}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "502", fault: sim.Fault{Kind: sim.FaultStatus, Status: 502}, times: 1, sent: 2},
	{name: "503", fault: sim.Fault{Kind: sim.FaultStatus, Status: 503}, times: 1, sent: 2},
	{name: "504", fault: sim.Fault{Kind: sim.FaultStatus, Status: 504}, times: 1, sent: 2},
	{name: "503 persistent", fault: sim.Fault{Kind: sim.FaultStatus, Status: 503}, times: 10, want: reauth.ErrProviderUnavailable, sent: 3},
	{name: "dropped before read", fault: sim.Fault{Kind: sim.FaultDropBeforeRead}, times: 1, sent: 2},
	{name: "dropped after read", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, times: 1, sent: 2},
	{name: "truncated JSON", fault: sim.Fault{Kind: sim.FaultTruncate}, times: 1, want: reauth.ErrInvalidResponse, sent: 1},
	{name: "HTML proxy page", fault: sim.Fault{Kind: sim.FaultHTML}, times: 1, sent: 2},
	{name: "HTML proxy page persistent", fault: sim.Fault{Kind: sim.FaultHTML}, times: 10, want: reauth.ErrProviderUnavailable, sent: 3},
	{name: "20 MiB body", fault: sim.Fault{Kind: sim.FaultHugeBody}, times: 1, want: reauth.ErrInvalidResponse, sent: 1},
	{name: "slower than the deadline", fault: sim.Fault{Kind: sim.FaultDelay, Delay: 20 * time.Second}, times: 1, want: context.DeadlineExceeded, sent: 1, ctx: 300 * time.Millisecond},
}

// Continue commits an OTP: one-time, so only a 429 is retried.
var commitFaults = []faultCase{
	{name: "429 small Retry-After", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "1"}, times: 1, sent: 2},
	{name: "429 huge Retry-After", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "3600"}, times: 1, want: reauth.ErrRateLimited, sent: 1},
	{name: "500", fault: sim.Fault{Kind: sim.FaultStatus, Status: 500}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "502", fault: sim.Fault{Kind: sim.FaultStatus, Status: 502}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "503", fault: sim.Fault{Kind: sim.FaultStatus, Status: 503}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "504", fault: sim.Fault{Kind: sim.FaultStatus, Status: 504}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "dropped before read", fault: sim.Fault{Kind: sim.FaultDropBeforeRead}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "dropped after read", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "truncated JSON", fault: sim.Fault{Kind: sim.FaultTruncate}, times: 1, want: reauth.ErrInvalidResponse, sent: 1},
	{name: "HTML proxy page", fault: sim.Fault{Kind: sim.FaultHTML}, times: 1, want: reauth.ErrProviderUnavailable, sent: 1},
	{name: "20 MiB body", fault: sim.Fault{Kind: sim.FaultHugeBody}, times: 1, want: reauth.ErrInvalidResponse, sent: 1},
	{name: "slower than the deadline", fault: sim.Fault{Kind: sim.FaultDelay, Delay: 20 * time.Second}, times: 1, want: context.DeadlineExceeded, sent: 1, ctx: 300 * time.Millisecond},
}

// margin is how far past its deadline a call may return: generous, this
// is about "does not hang", not speed.
const margin = 5 * time.Second

func runFault(t *testing.T, tc faultCase, call func(ctx context.Context) (*reauth.Flow, error)) {
	t.Helper()
	d := tc.ctx
	if d == 0 {
		d = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	flow, err := call(ctx)
	elapsed := time.Since(start)
	assert.Less(t, elapsed, d+margin, "returned long after its deadline")
	if tc.want == nil {
		require.NoError(t, err)
		require.NotNil(t, flow)
		return
	}
	require.ErrorIs(t, err, tc.want)
	assert.Nil(t, flow)
	if errors.Is(tc.want, reauth.ErrRateLimited) {
		var ae *reauth.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, time.Hour, ae.RetryAfter)
	}
}

// TestFaultsBegin runs the retry-safe faults on each of Begin's two calls
// (reauthorise, then create the session).
func TestFaultsBegin(t *testing.T) {
	t.Parallel()
	for name, route := range map[string]string{
		"v1 reauthorise": monotest.ReauthoriseRoute(monotest.AccountOTP),
		"v1 session":     monotest.RouteSession,
		"v2 session":     monotest.RouteReauthSession,
	} {
		for _, tc := range beginFaults {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := newSim(t)
				opts := faultOptions()
				if strings.HasPrefix(name, "v1") {
					opts = append(opts, mono.WithPartnersAPIV1())
				}
				c := simClient(t, srv, opts...)
				srv.Inject(route, tc.times, tc.fault)
				runFault(t, tc, func(ctx context.Context) (*reauth.Flow, error) {
					return c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
				})
				assert.Equal(t, tc.sent, srv.Count(route), "requests on the faulted route")
			})
		}
	}
}

// TestFaultsCommit runs the one-time faults on each generation's answer
// requests: v1 commit, v2 commit and v2 login.
func TestFaultsCommit(t *testing.T) {
	t.Parallel()
	for _, target := range []struct {
		name, account, route string
		v1                   bool
	}{
		{"v1 commit", monotest.AccountOTP, monotest.RouteCommit, true},
		{"v2 commit", monotest.AccountOTP, monotest.RouteCommitV2, false},
		{"v2 login", monotest.AccountCredentials, monotest.RouteReauthLogin, false},
	} {
		for _, tc := range commitFaults {
			t.Run(target.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := newSim(t)
				opts := faultOptions()
				if target.v1 {
					opts = append(opts, mono.WithPartnersAPIV1())
				}
				c := simClient(t, srv, opts...)
				flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: target.account})
				require.NoError(t, err)
				reply := approve(t, srv, flow)
				srv.Inject(target.route, tc.times, tc.fault)
				runFault(t, tc, func(ctx context.Context) (*reauth.Flow, error) {
					return c.Continue(ctx, flow, reply)
				})
				assert.Equal(t, tc.sent, srv.Count(target.route), "a one-time operation goes out once")
			})
		}
	}
}

// failingDials returns a transport whose first n dials fail as a refused
// connection would (the request never left), and a count of dials.
func failingDials(t *testing.T, n int32) (*http.Transport, *atomic.Int32) {
	var dials atomic.Int32
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= n {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused (simulated)")}
		}
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return tr, &dials
}

func TestCommitDialErrorIsRetried(t *testing.T) {
	// A request that never reached the server may be sent again even when
	// it carries an OTP.
	t.Parallel()
	srv := newSim(t)
	flow, err := simClient(t, srv).Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	reply := approve(t, srv, flow)

	// The first dial fails, the retry reaches Mono: one commit, done.
	tr, dials := failingDials(t, 1)
	c := simClient(t, srv, mono.WithHTTPClient(&http.Client{Transport: tr}))
	done, err := c.Continue(context.Background(), flow, reply)
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	assert.Equal(t, int32(2), dials.Load())
	assert.Equal(t, 1, srv.Commits())

	// Every dial fails: retried up to the limit, then ErrProviderUnavailable.
	flow, err = simClient(t, srv).Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	tr, dials = failingDials(t, 100)
	c = simClient(t, srv, mono.WithHTTPClient(&http.Client{Transport: tr}))
	start := time.Now()
	_, err = c.Continue(context.Background(), flow, reply)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Less(t, time.Since(start), margin)
	assert.Equal(t, int32(3), dials.Load(), "1 attempt + 2 retries")
	assert.Equal(t, 1, srv.Commits(), "nothing more reached Mono")
}
