package atto_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func answer(status int, body string, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	req, _ := http.NewRequest(http.MethodGet, "https://uk.api.atto.co/data/v2/consents/"+testConsentID+"/accounts", nil)
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

// Issue 15: Atto's documented error answers, classified, the body still
// readable afterwards.
func TestCheckResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		header http.Header
		kind   error
		code   string
	}{
		{"ok", 200, `{"accounts":[]}`, nil, nil, ""},
		{"no content", 204, ``, nil, nil, ""},
		{"consent expired", 403, `{"Code":"consent_expired","Description":"Consent has expired","CorrelationId":"c-1"}`, nil, reauth.ErrReauthRequired, "consent_expired"},
		{"consent revoked", 403, `{"Code":"consent_revoked","Description":"revoked"}`, nil, reauth.ErrReauthRequired, "consent_revoked"},
		{"consent denied", 403, `{"Code":"consent_denied","Description":"The bank denied access"}`, nil, reauth.ErrReauthRequired, "consent_denied"},
		{"sca error", 403, `{"Code":"sca_error","Description":"SCA window elapsed"}`, nil, reauth.ErrReauthRequired, "sca_error"},
		{"stored data revoked", 403, `{"statusCode":403,"message":"The consent or account access has been revoked"}`, nil, reauth.ErrReauthRequired, ""},
		{"refresh not allowed", 403, `{"Code":"account_refresh_not_allowed","Description":"no"}`, nil, nil, "account_refresh_not_allowed"},
		{"rate limited", 429, `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 52 seconds."}`, http.Header{"Retry-After": {"52"}}, reauth.ErrRateLimited, ""},
		{"provider down", 503, `<html>Service Unavailable</html>`, nil, reauth.ErrProviderUnavailable, ""},
		{"bad gateway", 502, `{"Code":"unexpected_error"}`, nil, reauth.ErrProviderUnavailable, "unexpected_error"},
		{"app credentials", 401, `{"Code":"unauthorised_client","Description":"Client authentication failed"}`, nil, reauth.ErrUnauthorized, "unauthorised_client"},
		{"consent not found", 404, `{"Code":"consent_not_found","Description":"Consent not found"}`, nil, reauth.ErrNotFound, "consent_not_found"},
		{"parameters", 400, `{"Code":"parameters_invalid"}`, nil, reauth.ErrInvalidRequest, "parameters_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := answer(tc.status, tc.body, tc.header)
			err := atto.CheckResponse(resp)
			rest, rerr := io.ReadAll(resp.Body)
			require.NoError(t, rerr)
			assert.Equal(t, tc.body, string(rest), "the body stays readable")
			require.NoError(t, resp.Body.Close())
			if tc.status < 300 {
				require.NoError(t, err)
				return
			}
			var apiErr *reauth.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, reauth.Atto, apiErr.Provider)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, "GET /data/v2/consents/"+testConsentID+"/accounts", apiErr.Op)
			if tc.kind == nil {
				assert.NoError(t, apiErr.Kind)
			} else {
				require.ErrorIs(t, err, tc.kind)
			}
			if tc.status == 429 {
				assert.Equal(t, 52*time.Second, apiErr.RetryAfter)
			}
		})
	}
	require.Error(t, atto.CheckResponse(nil))
}

// A bearer token Atto echoes in its error answer does not reach the error.
func TestCheckResponseScrubsTheRequestToken(t *testing.T) {
	t.Parallel()
	resp := answer(403, `{"Code":"consent_expired","Description":"token `+testDataToken+` refused","Details":{"t":"`+testDataToken+`"},"CorrelationId":"`+testDataToken+`"}`, nil)
	resp.Request.Header.Set("Authorization", "Bearer "+testDataToken)
	err := atto.CheckResponse(resp)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	scan := reauthtest.NewLeakScan(testDataToken)
	scan.Add(err)
	assert.Equal(t, 1, scan.Check(t))
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.NotContains(t, fmt.Sprint(apiErr.Details), testDataToken)
}

// The credential of the request's Authorization header is scrubbed in the
// forms a server may echo it: URL-encoded, JSON-escaped and base64.
func TestCheckResponseScrubsEncodedTokens(t *testing.T) {
	t.Parallel()
	const tok = "TOKEN+data/with&odd=chars"
	echo := url.QueryEscape(tok) + " " + base64.StdEncoding.EncodeToString([]byte(tok)) + " " + strings.ReplaceAll(tok, "&", `\u0026`)
	resp := answer(403, `{"Code":"consent_expired","Description":"`+echo+`"}`, nil)
	resp.Request.Header.Set("Authorization", "Bearer "+tok)
	err := atto.CheckResponse(resp)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	scan := reauthtest.NewLeakScan(tok, url.QueryEscape(tok), base64.StdEncoding.EncodeToString([]byte(tok)))
	scan.Add(err)
	assert.Equal(t, 1, scan.Check(t))
	assert.Contains(t, err.Error(), "REDACTED")
}

// An endless body is read only up to the cap, and what was read comes
// back first.
func TestCheckResponseReadsABoundedPrefix(t *testing.T) {
	t.Parallel()
	src := &countingReader{}
	resp := answer(403, "", nil)
	resp.Body = io.NopCloser(src)
	require.Error(t, atto.CheckResponse(resp))
	assert.LessOrEqual(t, src.n, int64(2<<20), "read %d bytes of an endless body", src.n)
	head := make([]byte, 4)
	_, err := io.ReadFull(resp.Body, head)
	require.NoError(t, err)
	assert.Equal(t, "{\"a\"", string(head))
}

type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = `{"a"`[(r.n+int64(i))%4]
	}
	r.n += int64(len(p))
	return len(p), nil
}

func FuzzCheckResponse(f *testing.F) {
	f.Add(403, []byte(`{"Code":"consent_expired","Description":"x"}`), "")
	f.Add(429, []byte(`{"statusCode":429,"message":"slow down"}`), "52")
	f.Add(200, []byte(`{}`), "")
	f.Add(500, []byte(`{"Code":{"x":1},"CorrelationId":12}`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		resp := answer(status, "", h)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		err := atto.CheckResponse(resp)
		if status >= 200 && status <= 299 && err != nil {
			t.Fatalf("2xx answered %v", err)
		}
		rest, rerr := io.ReadAll(resp.Body)
		if rerr != nil || !bytes.Equal(rest, body) {
			t.Fatalf("body not restored: %v", rerr)
		}
		var apiErr *reauth.APIError
		if err != nil && (!errors.As(err, &apiErr) || len(apiErr.Error()) > 2048) {
			t.Fatalf("unexpected error %T %d bytes", err, len(err.Error()))
		}
	})
}

// dataToken fetches an api:data token from the simulator the way an
// application does for its own data calls.
func dataToken(t *testing.T, srv *attotest.Server) string {
	t.Helper()
	hc := &http.Client{Transport: newTransport(t)}
	resp, err := hc.PostForm(srv.APIURL()+"/v1/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {srv.ClientID()},
		"client_secret": {srv.ClientSecret()}, "scope": {"api:data"},
	})
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, jsonDecode(resp.Body, &tok))
	return tok.AccessToken
}

// Issue 15: the application's own data call fails the way Atto fails it
// once the consent expired; the Transport tells Notify which connection
// broke; the re-auth runs; the same call works again.
func TestDataCallRoundTripThroughTransport(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	id := srv.NewConsent(attotest.StatusActive)
	tok := dataToken(t, srv)

	type notice struct {
		provider reauth.Provider
		id       string
		err      error
	}
	var mu sync.Mutex
	var notices []notice
	hc := &http.Client{Transport: &reauth.Transport{
		Base:  newTransport(t),
		Check: atto.CheckResponse,
		Notify: func(req *http.Request, err error) {
			p, cid, _ := reauth.ConnectionFrom(req.Context())
			mu.Lock()
			notices = append(notices, notice{p, cid, err})
			mu.Unlock()
		},
	}}
	read := func() (int, string) {
		ctx := reauth.WithConnection(t.Context(), reauth.Atto, id)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			srv.APIURL()+"/data/v2/consents/"+url.PathEscape(id)+"/accounts", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}

	status, _ := read()
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, notices)

	srv.ExpireConsent(id)
	status, body := read()
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, body, "consent_expired", "the Transport leaves the body alone")
	require.Len(t, notices, 1)
	n := notices[0]
	assert.Equal(t, reauth.Atto, n.provider)
	assert.Equal(t, id, n.id)
	require.ErrorIs(t, n.err, reauth.ErrReauthRequired)
	assert.Equal(t, reauth.ActionBeginAgain, reauth.NextAction(n.err))

	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: n.id})
	require.NoError(t, err)
	cb, err := srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	done, err := c.Continue(t.Context(), flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)

	status, _ = read()
	assert.Equal(t, http.StatusOK, status)
	assert.Len(t, notices, 1)
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func BenchmarkCheckResponse(b *testing.B) {
	body := `{"Code":"consent_expired","Description":"Consent has expired","CorrelationId":"c-1"}`
	b.ReportAllocs()
	for b.Loop() {
		resp := answer(403, body, nil)
		if err := atto.CheckResponse(resp); err == nil {
			b.Fatal("no error")
		}
		_, _ = io.Copy(io.Discard, resp.Body)
	}
}
