package mono_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newSim starts a simulator closed with the test. Mono's one-session-per-5-
// minutes limit is off unless opts turn it on: most tests begin twice.
func newSim(t testing.TB, opts ...monotest.Option) *monotest.Server {
	t.Helper()
	srv := monotest.NewServer(append([]monotest.Option{monotest.WithSessionInterval(0)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// beginOn starts a headless re-auth of account on a fresh simulator.
func beginOn(t testing.TB, account string) (*mono.Client, *monotest.Server, *reauth.Flow) {
	t.Helper()
	srv := newSim(t)
	c := simClient(t, srv)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: account})
	require.NoError(t, err)
	return c, srv, flow
}

// beginV1 is beginOn with the legacy v1 flow.
func beginV1(t testing.TB, account string) (*mono.Client, *monotest.Server, *reauth.Flow) {
	t.Helper()
	srv := newSim(t)
	c := v1Client(t, srv)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: account})
	require.NoError(t, err)
	return c, srv, flow
}

// v1Client is simClient on the legacy Partners API v1.
func v1Client(t testing.TB, srv *monotest.Server, opts ...mono.Option) *mono.Client {
	t.Helper()
	return simClient(t, srv, append([]mono.Option{mono.WithPartnersAPIV1()}, opts...)...)
}

// simClient returns a client on srv with fast retries.
func simClient(t testing.TB, srv *monotest.Server, opts ...mono.Option) *mono.Client {
	t.Helper()
	all := append([]mono.Option{
		mono.WithBaseURL(srv.URL),
		mono.WithRetries(2, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, all...)
	require.NoError(t, err)
	return c
}

func approve(t testing.TB, srv *monotest.Server, flow *reauth.Flow) reauth.Reply {
	t.Helper()
	if flow.Step == reauth.StepRedirect {
		cb, err := srv.Approve(context.Background(), flow.URL)
		require.NoError(t, err)
		return reauth.Reply{Callback: cb}
	}
	r, err := srv.ApproveInputs(context.Background(), flow)
	require.NoError(t, err)
	return r
}
