package finch_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClientID     = "client-id-1234"
	testClientSecret = "client-secret-SECRET-5678"
	testToken        = "access-token-TOKEN-9999"
	testCode         = "auth-code-CODE-4242"
	testRedirect     = "https://app.example/finch/callback"
	testBase         = "https://api.finch.test/prefix"
)

// newMock returns a client on a fresh mock transport that fails the test
// on any unregistered request.
func newMock(t *testing.T, opts ...finch.Option) (*finch.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]finch.Option{
		finch.WithHTTPClient(&http.Client{Transport: mt}),
		finch.WithBaseURL(testBase),
		finch.WithRetries(2, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := finch.New(finch.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}, all...)
	require.NoError(t, err)
	return c, mt
}

// newSim starts a simulator closed at the end of the test.
func newSim(t testing.TB, opts ...finchtest.Option) *finchtest.Server {
	t.Helper()
	srv := finchtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// simClient returns a client for srv that shares the simulator's own
// transport (closed with it).
func simClient(t testing.TB, srv *finchtest.Server, opts ...finch.Option) *finch.Client {
	t.Helper()
	all := append([]finch.Option{
		finch.WithBaseURL(srv.URL),
		finch.WithHTTPClient(srv.Client()),
		finch.WithRetries(2, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret}, all...)
	require.NoError(t, err)
	return c
}

// approve plays the employer approving flow on srv.
func approve(t testing.TB, srv *finchtest.Server, flow *reauth.Flow) reauth.Reply {
	t.Helper()
	cb, err := srv.Approve(context.Background(), flow.URL)
	require.NoError(t, err)
	return reauth.Reply{Callback: cb}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
