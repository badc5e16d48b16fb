package yapily_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// Yapily's documented error answers (spec examples and error schema).
var checkCases = []struct {
	name   string
	status int
	header http.Header
	body   string
	kind   error
	code   string
}{
	{"consent no longer authorised", 403, nil,
		`{"error":{"code":403,"status":"FORBIDDEN","message":"The consent is no longer authorised","source":"YAPILY","tracingId":"t1"}}`,
		reauth.ErrReauthRequired, "FORBIDDEN"},
	{"401 from the bank on an AUTHORIZED consent", 401, nil,
		`{"error":{"code":401,"status":"UNAUTHORIZED","source":"INSTITUTION","institutionError":{"errorMessage":"Consent not valid","httpStatusCode":401}}}`,
		reauth.ErrReauthRequired, "UNAUTHORIZED"},
	{"application credentials wrong", 401, nil,
		`{"error":{"tracingId":"t2","code":401,"status":"UNAUTHORIZED","supportUrl":"https://support.yapily.com/","source":"YAPILY","issues":[{"type":"CREDENTIALS","code":10700,"message":"Authorization header invalid or credentials not authenticated"}]}}`,
		reauth.ErrUnauthorized, "10700"},
	{"gateway 401 without issues", 401, nil,
		`{"error":{"code":401,"status":"UNAUTHORIZED","message":"Full authentication is required to access this resource"}}`,
		reauth.ErrUnauthorized, "UNAUTHORIZED"},
	{"missing scope", 403, nil,
		`{"error":{"tracingId":"t3","code":403,"status":"FORBIDDEN","source":"YAPILY","issues":[{"type":"INVALID_REQUEST","code":"Yapily.gateway.api.scope.required","message":"You don't have the right scope"}]}}`,
		reauth.ErrUnauthorized, yapily.IssueCodeScopeRequired},
	{"rate limited", 429, http.Header{"Retry-After": {"7"}},
		`{"error":{"code":429,"status":"TOO_MANY_REQUESTS","message":"Too many requests"}}`,
		reauth.ErrRateLimited, "TOO_MANY_REQUESTS"},
	{"provider down", 500, nil,
		`{"error":{"tracingId":"t4","code":500,"status":"INTERNAL SERVER ERROR","source":"YAPILY","issues":[{"type":"INTERNAL_SERVER_ERROR","code":11000,"message":"Unexpected server error"}]}}`,
		reauth.ErrProviderUnavailable, "11000"},
	{"bank down behind Yapily", 424, nil,
		`{"error":{"tracingId":"t5","code":424,"institutionError":{"errorMessage":"Technical Error","httpStatusCode":500},"source":"INSTITUTION","status":"FAILED_DEPENDENCY"}}`,
		nil, "FAILED_DEPENDENCY"},
	{"proxy HTML", 502, nil, `<html>bad gateway</html>`, reauth.ErrProviderUnavailable, ""},
}

func TestCheckResponseTable(t *testing.T) {
	t.Parallel()
	for _, tc := range checkCases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "https://api.yapily.com/accounts?x=secret", nil)
			resp := &http.Response{StatusCode: tc.status, Header: tc.header, Body: io.NopCloser(strings.NewReader(tc.body)), Request: req}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err := yapily.CheckResponse(resp)
			var ae *reauth.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.status, ae.StatusCode)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, "GET /accounts", ae.Op)
			if tc.kind == nil {
				assert.Nil(t, ae.Kind)
			} else {
				assert.ErrorIs(t, err, tc.kind)
			}
			if tc.status == 429 {
				assert.Equal(t, 7*time.Second, ae.RetryAfter)
			}
			rest, rerr := io.ReadAll(resp.Body)
			require.NoError(t, rerr)
			assert.Equal(t, tc.body, string(rest), "the body is still readable")
		})
	}
	ok := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"data":[]}`))}
	require.NoError(t, yapily.CheckResponse(ok))
	rest, _ := io.ReadAll(ok.Body)
	assert.Equal(t, `{"data":[]}`, string(rest))
	assert.ErrorIs(t, yapily.CheckResponse(nil), reauth.ErrInvalidResponse)
}

// A data answer that echoes the request's consent token or credentials
// shows neither in the error.
func TestCheckResponseScrubsRequestSecrets(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodGet, "https://api.yapily.com/accounts", nil)
	req.SetBasicAuth("app", "SCRUB-app-secret-1")
	req.Header.Set("consent", "SCRUB-consent-token-2")
	body := `{"error":{"code":401,"status":"UNAUTHORIZED","source":"INSTITUTION","message":"token SCRUB-consent-token-2",
"institutionError":{"errorMessage":"auth ` + req.Header.Get("Authorization") + `","httpStatusCode":401}}}`
	resp := &http.Response{StatusCode: 401, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
	err := yapily.CheckResponse(resp)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	ae := asAPIError(err)
	for _, out := range []string{err.Error(), fmt.Sprintf("%+v", ae.Details), yapily.InstitutionErrorOf(ae).ErrorMessage} {
		assert.NotContains(t, out, "SCRUB-consent-token-2")
		assert.NotContains(t, out, req.Header.Get("Authorization")[len("Basic "):])
	}
	assert.Equal(t, "token REDACTED", ae.Message)
}

// accounts calls the simulator's GET /accounts as an application would.
func accounts(t *testing.T, hc *http.Client, srv *yapilytest.Server, token, secret string, ctx context.Context) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/accounts", nil)
	require.NoError(t, err)
	req.SetBasicAuth(yapilytest.ApplicationID, secret)
	req.Header.Set("consent", token)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// The simulator's data call fails Yapily's way, and CheckResponse tells a
// broken consent from wrong application credentials over real HTTP.
func TestCheckResponseOnSimulatedDataCall(t *testing.T) {
	t.Parallel()
	srv, _ := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	ctx := context.Background()
	check := func(token, secret string) error {
		resp, body := accounts(t, hc, srv, token, secret, ctx)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return yapily.CheckResponse(resp)
	}
	require.NoError(t, check(consent.Token, yapilytest.ApplicationSecret))
	assert.ErrorIs(t, check(consent.Token, "wrong-secret"), reauth.ErrUnauthorized)
	srv.RequireReauth(consent.ID) // the bank refuses; Yapily still says AUTHORIZED
	err := check(consent.Token, yapilytest.ApplicationSecret)
	assert.ErrorIs(t, err, reauth.ErrReauthRequired)
	assert.Equal(t, reauth.ActionBeginAgain, reauth.NextAction(err))
	assert.ErrorIs(t, check(consent.Token, "wrong-secret"), reauth.ErrUnauthorized, "credentials first")
	srv.Expire(consent.ID)
	assert.ErrorIs(t, check(consent.Token, yapilytest.ApplicationSecret), reauth.ErrReauthRequired)
}

// data call fails → Notify → Begin → the user approves → data call works.
func TestTransportRoundTrip(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	srv.Expire(consent.ID)
	var mu sync.Mutex
	var broken []string
	hc := &http.Client{Transport: &reauth.Transport{
		Check: yapily.CheckResponse,
		Notify: func(req *http.Request, err error) {
			if _, id, ok := reauth.ConnectionFrom(req.Context()); ok && reauth.NextAction(err) == reauth.ActionBeginAgain {
				mu.Lock()
				broken = append(broken, id)
				mu.Unlock()
			}
		},
	}}
	t.Cleanup(hc.CloseIdleConnections)
	ctx := reauth.WithConnection(context.Background(), reauth.Yapily, consent.ID)

	resp, body := accounts(t, hc, srv, consent.Token, yapilytest.ApplicationSecret, ctx)
	assert.Equal(t, 403, resp.StatusCode)
	assert.Contains(t, string(body), "no longer authorised", "the Transport leaves the body alone")
	require.Equal(t, []string{consent.ID}, broken)

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: broken[0], Token: consent.Token})
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow, approve(t, srv, flow))
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)

	resp, body = accounts(t, hc, srv, consent.Token, yapilytest.ApplicationSecret, ctx)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), `"accountType":"CURRENT"`)
	assert.Len(t, broken, 1, "no new notice")
}

func FuzzCheckResponse(f *testing.F) {
	for _, tc := range checkCases {
		f.Add(tc.status, tc.body)
	}
	f.Add(200, `{}`)
	f.Add(401, `{"error":{"issues":[{"institutionError":{}}]}}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		src := &countingReader{r: strings.NewReader(body + strings.Repeat("x", 1<<20))}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(src)}
		err := yapily.CheckResponse(resp)
		if status >= 200 && status <= 299 {
			if err != nil {
				t.Fatalf("2xx refused: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatal("non-2xx accepted")
		}
		if src.n > 1<<20 {
			t.Fatalf("read %d bytes: unbounded", src.n)
		}
		_ = yapily.InstitutionErrorOf(asAPIError(err))
		_ = yapily.IssuesOf(asAPIError(err))
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func asAPIError(err error) *reauth.APIError {
	ae, _ := err.(*reauth.APIError)
	return ae
}
