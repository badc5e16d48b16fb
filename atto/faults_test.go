package atto_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// faultCase is one misbehaviour of the simulated Atto (issue 8). Atto has
// no one-time operation (its token fetch, link minting and consent reads
// are all safe to repeat), so every retryable fault is retried.
type faultCase struct {
	name     string
	fault    sim.Fault
	times    int           // how many requests misbehave
	deadline time.Duration // the call's context deadline
	wantErr  []error       // nil: success
	requests int           // requests the route must see
	// replays is how many more requests Go's transport may add: it replays
	// an idempotent request (GET) once by itself when a reused connection
	// dies under it.
	replays int
	check   func(t *testing.T, err error)
}

func faultCases() []faultCase {
	status := func(code int) sim.Fault { return sim.Fault{Kind: sim.FaultStatus, Status: code} }
	return []faultCase{
		{name: "429 small Retry-After is retried", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "1",
			Body: `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."}`}, times: 1, requests: 2},
		{name: "429 huge Retry-After is ErrRateLimited at once", fault: sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "3600",
			Body: `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 3600 seconds."}`}, times: 1, requests: 1,
			wantErr: []error{reauth.ErrRateLimited}, check: func(t *testing.T, err error) {
				var apiErr *reauth.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, time.Hour, apiErr.RetryAfter)
			}},
		{name: "500 is not retried", fault: status(500), times: 1, requests: 1, wantErr: []error{reauth.ErrProviderUnavailable}},
		{name: "502 is retried", fault: status(502), times: 1, requests: 2},
		{name: "503 is retried", fault: status(503), times: 1, requests: 2},
		{name: "504 is retried", fault: status(504), times: 1, requests: 2},
		{name: "503 past the retries", fault: status(503), times: 10, requests: 3, wantErr: []error{reauth.ErrProviderUnavailable}},
		{name: "connection dropped before the request is read", fault: sim.Fault{Kind: sim.FaultDropBeforeRead}, times: 1, requests: 2},
		{name: "connection dropped after the request is read", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, times: 1, requests: 2},
		{name: "dropped every time", fault: sim.Fault{Kind: sim.FaultDropAfterRead}, times: 10, requests: 3, replays: 1, wantErr: []error{reauth.ErrProviderUnavailable}},
		{name: "truncated JSON", fault: sim.Fault{Kind: sim.FaultTruncate}, times: 1, requests: 1, wantErr: []error{reauth.ErrInvalidResponse}},
		{name: "HTML proxy page", fault: sim.Fault{Kind: sim.FaultHTML}, times: 1, requests: 2},
		{name: "HTML proxy page every time", fault: sim.Fault{Kind: sim.FaultHTML}, times: 10, requests: 3,
			wantErr: []error{reauth.ErrProviderUnavailable}, check: func(t *testing.T, err error) {
				var apiErr *reauth.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 502, apiErr.StatusCode)
				assert.NotContains(t, err.Error(), "<html>")
			}},
		{name: "20 MiB body", fault: sim.Fault{Kind: sim.FaultHugeBody}, times: 1, requests: 1, wantErr: []error{reauth.ErrInvalidResponse}},
		{name: "slower than the deadline", fault: sim.Fault{Kind: sim.FaultDelay, Delay: 10 * time.Second}, times: 1,
			deadline: 300 * time.Millisecond, requests: 1, wantErr: []error{context.DeadlineExceeded}},
	}
}

// faultMargin is the generous allowance beyond a call's deadline (or, for
// calls expected to fail fast, beyond the retry waits).
const faultMargin = 5 * time.Second

// runFault runs one case; setup prepares the simulator and returns the
// route the fault is injected on and the call under test.
func runFault(t *testing.T, tc faultCase, setup func(srv *attotest.Server, c *atto.Client) (string, func(ctx context.Context) error)) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv, atto.WithRetries(2, time.Millisecond, 2*time.Second))
	route, call := setup(srv, c)
	srv.Inject(route, tc.times, tc.fault)
	before := srv.Count(route)
	deadline := tc.deadline
	if deadline == 0 {
		deadline = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	start := time.Now()
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("panic: %v", p)
			}
		}()
		err = call(ctx)
	}()
	elapsed := time.Since(start)
	if tc.wantErr == nil {
		require.NoError(t, err)
	} else {
		require.Error(t, err)
		for _, want := range tc.wantErr {
			assert.ErrorIs(t, err, want)
		}
		assert.Regexp(t, "^atto: ", err.Error())
	}
	if tc.check != nil {
		tc.check(t, err)
	}
	got := srv.Count(route) - before
	assert.GreaterOrEqual(t, got, tc.requests, "requests on %s", route)
	assert.LessOrEqual(t, got, tc.requests+tc.replays, "requests on %s", route)
	assert.Less(t, elapsed, deadline+faultMargin)
	if tc.deadline == 0 && tc.fault.RetryAfter != "1" {
		assert.Less(t, elapsed, faultMargin, "no long sleep")
	}
}

func TestFaultsBegin(t *testing.T) {
	t.Parallel()
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			runFault(t, tc, func(srv *attotest.Server, c *atto.Client) (string, func(context.Context) error) {
				id := srv.NewConsent(attotest.StatusExpired)
				return "POST /v1/oauth2/token", func(ctx context.Context) error {
					flow, err := c.Begin(ctx, reauth.Request{ConnectionID: id})
					if err == nil && flow.URL == "" {
						return errors.New("no URL")
					}
					return err
				}
			})
		})
	}
}

func TestFaultsContinue(t *testing.T) {
	t.Parallel()
	for _, tc := range faultCases() {
		t.Run(tc.name, func(t *testing.T) {
			runFault(t, tc, func(srv *attotest.Server, c *atto.Client) (string, func(context.Context) error) {
				id := srv.NewConsent(attotest.StatusExpired)
				flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: id})
				require.NoError(t, err)
				cb, err := srv.Approve(context.Background(), flow.URL)
				require.NoError(t, err)
				reply := reauth.Reply{Callback: cb}
				return "GET /consents/v1/" + id, func(ctx context.Context) error {
					done, err := c.Continue(ctx, flow, reply)
					if err == nil && done.Step != reauth.StepDone {
						return errors.New("not done")
					}
					return err
				}
			})
		})
	}
}
