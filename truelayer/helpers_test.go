package truelayer_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
)

const (
	testClientID     = "client-id-123"
	testClientSecret = "client-secret-SHOULD-NOT-LEAK"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mockClient returns a client on a fresh mock transport that fails the test
// on any unregistered request.
func mockClient(t *testing.T, opts ...truelayer.Option) (*truelayer.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]truelayer.Option{
		truelayer.WithHTTPClient(&http.Client{Transport: mt}),
		truelayer.WithRetries(2, time.Millisecond, 5*time.Millisecond),
		truelayer.WithClock(func() time.Time { return testNow }),
	}, opts...)
	c, err := truelayer.New(truelayer.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}, all...)
	require.NoError(t, err)
	return c, mt
}

func readBody(t *testing.T, r *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return string(b)
}

func readForm(t *testing.T, r *http.Request) url.Values {
	t.Helper()
	v, err := url.ParseQuery(readBody(t, r))
	require.NoError(t, err)
	return v
}

func jsonResponder(status int, body string, hdr ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		r.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r, nil
	}
}

func faultStatus(status int) sim.Fault { return sim.Fault{Kind: sim.FaultStatus, Status: status} }

func parseQuery(q string) (url.Values, error) { return url.ParseQuery(q) }
