package atto_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Recognisable secrets: any of them in an error or a log line is a leak.
const (
	testClientID     = "client-id-7f3a"
	testClientSecret = "SECRET-client-9d8e7f6a5b4c"
	testToken        = "TOKEN-consent-1a2b3c4d5e6f"
	testToken2       = "TOKEN-second-6f5e4d3c2b1a"
	testDataToken    = "TOKEN-data-0a9b8c7d6e5f"
	testConsentID    = "e521cf62-5a1b-4c8d-9e0f-1a2b3c4d5e6f"
	apiBase          = "https://uk.api.atto.co"
)

var testCreds = atto.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}

// mockClient returns a client on an httpmock transport whose unknown
// routes fail the test.
func mockClient(t testing.TB, opts ...atto.Option) (*atto.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]atto.Option{
		atto.WithHTTPClient(&http.Client{Transport: mt}),
		atto.WithRetries(2, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := atto.New(testCreds, all...)
	require.NoError(t, err)
	return c, mt
}

// tokenResponder checks the token request exactly and answers body.
func tokenResponder(t testing.TB, scope, body string, calls *atomic.Int32) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		if calls != nil {
			calls.Add(1)
		}
		assert.Equal(t, http.MethodPost, req.Method)
		assert.True(t, strings.HasSuffix(req.URL.Path, "/v1/oauth2/token"), req.URL.Path)
		assert.Equal(t, "application/x-www-form-urlencoded", req.Header.Get("Content-Type"))
		assert.Equal(t, "application/json", req.Header.Get("Accept"))
		assert.Contains(t, req.Header.Get("User-Agent"), "reauthkit-go")
		assert.Empty(t, req.Header.Get("Authorization"))
		b, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		form, err := url.ParseQuery(string(b))
		require.NoError(t, err)
		assert.Equal(t, url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {testClientID},
			"client_secret": {testClientSecret},
			"scope":         {scope},
		}, form)
		return jsonResponse(http.StatusOK, body), nil
	}
}

func jsonResponse(status int, body string) *http.Response {
	r := httpmock.NewStringResponse(status, body)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func jsonResponder(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) { return jsonResponse(status, body), nil }
}

func snakeToken(tok string) string {
	return `{"access_token":"` + tok + `","expires_in":3600,"token_type":"Bearer"}`
}

// registerToken answers the consent-scope token endpoint with tok.
func registerToken(t testing.TB, mt *httpmock.MockTransport, tok string, calls *atomic.Int32) {
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token",
		tokenResponder(t, atto.ScopeConsent, snakeToken(tok), calls))
}

// newSim starts a simulated Atto closed at the end of the test.
func newSim(t testing.TB, opts ...attotest.Option) *attotest.Server {
	t.Helper()
	srv := attotest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// newTransport is a pooled transport closed at the end of the test.
func newTransport(t testing.TB) *http.Transport {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		MaxConnsPerHost:     256,
		IdleConnTimeout:     30 * time.Second,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// simClient returns a client pointed at srv with its credentials.
func simClient(t testing.TB, srv *attotest.Server, opts ...atto.Option) *atto.Client {
	t.Helper()
	all := append([]atto.Option{
		atto.WithBaseURL(srv.APIURL()),
		atto.WithConnectURL(srv.ConnectURL()),
		atto.WithHTTPClient(&http.Client{Transport: newTransport(t), Timeout: 10 * time.Second}),
		atto.WithRetries(2, time.Millisecond, 20*time.Millisecond),
	}, opts...)
	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()}, all...)
	require.NoError(t, err)
	return c
}
