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
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
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
func beginOn(t testing.TB, account string, opts ...mono.Option) (*mono.Client, *monotest.Server, *reauth.Flow) {
	t.Helper()
	srv := newSim(t)
	c := simClient(t, srv, opts...)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: account})
	require.NoError(t, err)
	return c, srv, flow
}

// beginV1 is beginOn with the legacy v1 flow.
func beginV1(t testing.TB, account string) (*mono.Client, *monotest.Server, *reauth.Flow) {
	t.Helper()
	return beginOn(t, account, mono.WithPartnersAPIV1())
}

// v1Client is simClient on the legacy Partners API v1.
func v1Client(t testing.TB, srv *monotest.Server, opts ...mono.Option) *mono.Client {
	t.Helper()
	return simClient(t, srv, append([]mono.Option{mono.WithPartnersAPIV1()}, opts...)...)
}

// headlessEnv is the conformance Env of a headless client (opts choose the
// generation) on a fresh simulator. Mono has no way to refuse an input
// step: the closest is a wrong answer, refused as an *InputRejectedError
// wrapping Mono's *reauth.APIError. No Mismatch: an input reply names no
// flow, so it cannot belong to another one.
func headlessEnv(t testing.TB, opts ...mono.Option) *reauthtest.Env {
	srv := newSim(t)
	return &reauthtest.Env{
		Reauthenticator: simClient(t, srv, opts...),
		Request:         reauth.Request{ConnectionID: monotest.AccountOTPThenQuestion},
		Approve:         func(t testing.TB, f *reauth.Flow) reauth.Reply { return approve(t, srv, f) },
		Deny: func(_ testing.TB, f *reauth.Flow) reauth.Reply {
			in := make(map[string]string, len(f.Fields))
			for _, fl := range f.Fields {
				in[fl.Name] = "9" // neither the OTP nor the answer
			}
			return reauth.Reply{Inputs: in}
		},
		Requests: func() int { return len(srv.Requests()) },
		Secrets:  []string{srv.SecretKey(), srv.OTP(), monotest.DefaultSecurityAnswer},
	}
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
