package yapily_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// faultCase is one misbehaviour of the simulated Yapily.
type faultCase struct {
	name   string
	fault  sim.Fault
	n      int           // how many requests misbehave
	ctxTTL time.Duration // 0: no deadline
	ok     bool          // the call must succeed (after retrying)
	kind   error         // else: the error it must wrap
	reqs   int           // requests the simulator must see for the call
	check  func(t *testing.T, err error)
}

func faultTable() []faultCase {
	return []faultCase{
		{name: "429 small Retry-After is retried", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "1",
			Body: `{"error":{"code":429,"status":"TOO_MANY_REQUESTS","message":"slow down"}}`}, n: 1, ok: true, reqs: 2},
		{name: "429 huge Retry-After is ErrRateLimited without sleeping", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "86400",
			Body: `{"error":{"code":429,"status":"TOO_MANY_REQUESTS","message":"slow down"}}`}, n: 1, kind: reauth.ErrRateLimited, reqs: 1,
			check: func(t *testing.T, err error) {
				var e *reauth.APIError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 24*time.Hour, e.RetryAfter)
			}},
		{name: "500 is not retried", fault: sim.Fault{Kind: sim.FaultStatus, Status: 500,
			Body: `{"error":{"code":500,"status":"INTERNAL_SERVER_ERROR","message":"down","tracingId":"t500"}}`}, n: 1,
			kind: reauth.ErrProviderUnavailable, reqs: 1},
		{name: "502 is retried", fault: sim.Fault{Kind: sim.FaultStatus, Status: 502}, n: 1, ok: true, reqs: 2},
		{name: "503 is retried", fault: sim.Fault{Kind: sim.FaultStatus, Status: 503}, n: 1, ok: true, reqs: 2},
		{name: "504 is retried", fault: sim.Fault{Kind: sim.FaultStatus, Status: 504}, n: 1, ok: true, reqs: 2},
		{name: "503 every time gives up", fault: sim.Fault{Kind: sim.FaultStatus, Status: 503}, n: 10, kind: reauth.ErrProviderUnavailable, reqs: 3},
		{name: "connection dropped before the request is read", fault: sim.Fault{Kind: sim.FaultDropBeforeRead}, n: 1, ok: true, reqs: 2},
		{name: "connection dropped after the request is read", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, n: 1, ok: true, reqs: 2},
		{name: "truncated JSON", fault: sim.Fault{Kind: sim.FaultTruncate}, n: 1, kind: reauth.ErrInvalidResponse, reqs: 1},
		{name: "HTML error page from a proxy", fault: sim.Fault{Kind: sim.FaultHTML, Status: 502}, n: 10, kind: reauth.ErrProviderUnavailable, reqs: 3,
			check: func(t *testing.T, err error) {
				assert.NotContains(t, err.Error(), "<html>")
			}},
		{name: "20 MiB body", fault: sim.Fault{Kind: sim.FaultHugeBody}, n: 1, kind: reauth.ErrInvalidResponse, reqs: 1},
		{name: "slower than the deadline", fault: sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute}, n: 10,
			ctxTTL: 300 * time.Millisecond, kind: context.DeadlineExceeded, reqs: 1},
	}
}

// faultMargin is how long past its deadline (or, without one, at all) a call
// may take: generous, for a loaded CI machine; it only catches hangs and
// long sleeps.
const faultMargin = 10 * time.Second

func runFaults(t *testing.T, route func(srv *yapilytest.Server, consent yapilytest.Consent) string,
	call func(ctx context.Context, c *yapily.Client, consent yapilytest.Consent, flow *reauth.Flow) error) {
	for _, tc := range faultTable() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := yapilytest.NewServer()
			t.Cleanup(srv.Close)
			c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
				yapily.WithBaseURL(srv.URL), yapily.WithRetries(2, time.Millisecond, 2*time.Second))
			require.NoError(t, err)
			consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
			flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
			require.NoError(t, err)

			r := route(srv, consent)
			srv.Inject(r, tc.n, tc.fault)
			before := srv.Count(r)
			ctx := context.Background()
			if tc.ctxTTL > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTTL)
				defer cancel()
			}
			start := time.Now()
			var callErr error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				callErr = call(ctx, c, consent, flow)
			}()
			elapsed := time.Since(start)
			srv.ClearFaults()

			assert.Less(t, elapsed, tc.ctxTTL+faultMargin, "call did not return in time")
			assert.Equal(t, tc.reqs, srv.Count(r)-before, "requests seen by the simulator")
			if tc.ok {
				require.NoError(t, callErr)
				return
			}
			require.Error(t, callErr)
			assert.ErrorIs(t, callErr, tc.kind, fmt.Sprint(callErr))
			assert.NotContains(t, callErr.Error(), consent.Token)
			assert.NotContains(t, callErr.Error(), yapilytest.ApplicationSecret)
			if tc.check != nil {
				tc.check(t, callErr)
			}
		})
	}
}

func TestFaultsBegin(t *testing.T) {
	t.Parallel()
	runFaults(t,
		func(*yapilytest.Server, yapilytest.Consent) string { return yapilytest.RouteReauthorise },
		func(ctx context.Context, c *yapily.Client, consent yapilytest.Consent, _ *reauth.Flow) error {
			flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
			if err == nil && (flow == nil || flow.URL == "") {
				return errors.New("no flow")
			}
			return err
		})
}

func TestFaultsContinue(t *testing.T) {
	t.Parallel()
	runFaults(t,
		func(_ *yapilytest.Server, consent yapilytest.Consent) string {
			return yapilytest.RouteConsent("GET", consent.ID)
		},
		func(ctx context.Context, c *yapily.Client, _ yapilytest.Consent, flow *reauth.Flow) error {
			next, err := c.Continue(ctx, flow, reauth.Reply{})
			if err == nil && next == nil {
				return errors.New("no flow")
			}
			return err
		})
}
