package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/reauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testBase = "https://api.test/prefix"

func newMock(t *testing.T) *httpmock.MockTransport {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	return mt
}

func newClient(t *testing.T, mt http.RoundTripper, minWait, maxWait time.Duration, mods ...func(*Settings)) *Client {
	t.Helper()
	s := DefaultSettings()
	s.SetHTTPClient(&http.Client{Transport: mt})
	s.SetRetries(3, minWait, maxWait)
	for _, m := range mods {
		m(&s)
	}
	c, err := New(Config{
		Provider:         reauth.Finch,
		Settings:         s,
		RequestIDHeaders: []string{"X-Request-Id"},
		DecodeError: func(e *reauth.APIError, body []byte, _ http.Header) {
			var v struct{ Code, Message string }
			if jsonUnmarshal(body, &v) == nil {
				e.Code, e.Message = v.Code, v.Message
				e.Details = map[string]any{"echo": []any{v.Message}}
				if v.Code == "reauthenticate_user" {
					e.Kind = reauth.ErrReauthRequired
				}
			}
		},
	})
	require.NoError(t, err)
	return c
}

func base(t *testing.T) *url.URL {
	u, err := ParseBaseURL("WithBaseURL", testBase)
	require.NoError(t, err)
	return u
}

func TestRequestGoesBelowThePathPrefix(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/things/a%2Fb",
		func(r *http.Request) (*http.Response, error) {
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "x=1", r.URL.RawQuery)
			assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), UserAgentPrefix))
			b, _ := io.ReadAll(r.Body)
			assert.JSONEq(t, `{"k":"v"}`, string(b))
			return httpmock.NewStringResponse(200, `{"ok":true}`), nil
		})
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	req := &Request{Method: http.MethodPost, Base: base(t), Path: "/v1/things/" + url.PathEscape("a/b"),
		Route: "/v1/things/{id}", Query: url.Values{"x": {"1"}}}
	require.NoError(t, req.SetJSON(map[string]string{"k": "v"}))
	var out struct{ OK bool }
	_, err := c.DoJSON(context.Background(), req, &out)
	require.NoError(t, err)
	assert.True(t, out.OK)
}

func TestRetryAfterOneSecondIsHonoured(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/r",
		httpmock.NewStringResponder(429, `{}`).HeaderSet(http.Header{"Retry-After": {"1"}}).
			Then(httpmock.NewStringResponder(200, `{}`)))
	c := newClient(t, mt, time.Millisecond, 5*time.Second)
	start := time.Now()
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/r"})
	require.NoError(t, err)
	// The wait is about a second: never shorter than Retry-After; the upper
	// bound is generous so a loaded machine stays green.
	assert.GreaterOrEqual(t, time.Since(start), 950*time.Millisecond)
	assert.Equal(t, 2, mt.GetTotalCallCount())
}

func TestBackoffHonoursRetryAfterCappedWithJitter(t *testing.T) {
	t.Parallel()
	for i := 0; i < 200; i++ {
		d := Backoff(time.Millisecond, 5*time.Second, 0, time.Second, true)
		require.GreaterOrEqual(t, d, time.Second)
		require.LessOrEqual(t, d, 1100*time.Millisecond)
		capped := Backoff(time.Millisecond, 500*time.Millisecond, 0, time.Second, true)
		require.Equal(t, 500*time.Millisecond, capped)
		exp := Backoff(100*time.Millisecond, 10*time.Second, 3, 0, false)
		require.GreaterOrEqual(t, exp, 400*time.Millisecond)
		require.LessOrEqual(t, exp, 800*time.Millisecond)
		require.LessOrEqual(t, Backoff(time.Second, 2*time.Second, 30, 0, false), 2*time.Second)
	}
}

func TestRetryAfterBeyondMaxWaitIsReturnedNotSlept(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/r",
		httpmock.NewStringResponder(429, `{"code":"rate_limited","message":"slow down"}`).
			HeaderSet(http.Header{"Retry-After": {"3600"}, "X-Request-Id": {"req-9"}}))
	c := newClient(t, mt, time.Millisecond, 5*time.Second)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/r"})
	require.ErrorIs(t, err, reauth.ErrRateLimited)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, time.Hour, apiErr.RetryAfter)
	assert.Equal(t, "req-9", apiErr.RequestID)
	assert.Equal(t, "GET /r", apiErr.Op)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	h := http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}
	d, ok := RetryAfter(h, now)
	require.True(t, ok)
	assert.Equal(t, 90*time.Second, d)
	d, ok = RetryAfter(http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, now)
	assert.True(t, ok)
	assert.Zero(t, d)
	_, ok = RetryAfter(http.Header{"Retry-After": {"soon"}}, now)
	assert.False(t, ok)
	_, ok = RetryAfter(http.Header{"Retry-After": {"-5"}}, now)
	assert.False(t, ok)
}

func TestOneTimePostAnswered503IsSentOnce(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/auth/token", httpmock.NewStringResponder(503, `{}`))
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	req := &Request{Method: http.MethodPost, Base: base(t), Path: "/auth/token", OneTime: true}
	req.SetForm(url.Values{"code": {"one-time-code"}})
	_, err := c.Do(context.Background(), req)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestOneTimePostRetriedOn429AndDialError(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/commit",
		httpmock.NewStringResponder(429, `{}`).HeaderSet(http.Header{"Retry-After": {"0"}}).
			Then(httpmock.NewStringResponder(200, `{}`)))
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, Base: base(t), Path: "/commit", OneTime: true})
	require.NoError(t, err)
	assert.Equal(t, 2, mt.GetTotalCallCount())

	// A dial error proves the request never left: even a one-time call is retried.
	dial := 0
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		dial++
		if dial == 1 {
			return nil, &netOpError
		}
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	c2 := newClient(t, rt, time.Millisecond, 5*time.Millisecond)
	_, err = c2.Do(context.Background(), &Request{Method: http.MethodPost, Base: base(t), Path: "/commit", OneTime: true})
	require.NoError(t, err)
	assert.Equal(t, 2, dial)

	// Any other network error is not retried for a one-time call.
	other := 0
	rt3 := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		other++
		return nil, io.ErrUnexpectedEOF
	})
	c3 := newClient(t, rt3, time.Millisecond, 5*time.Millisecond)
	_, err = c3.Do(context.Background(), &Request{Method: http.MethodPost, Base: base(t), Path: "/commit", OneTime: true})
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, other)
}

func TestSafeGetRetriedUntilSuccess(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/consents/c1",
		httpmock.NewStringResponder(503, `{}`).
			Then(httpmock.NewStringResponder(503, `{}`)).
			Then(httpmock.NewStringResponder(200, `{"id":"c1"}`)))
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	var out struct{ ID string }
	_, err := c.DoJSON(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/consents/c1"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "c1", out.ID)
	assert.Equal(t, 3, mt.GetTotalCallCount())
}

func TestSafeGetNot500Retried(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/x", httpmock.NewStringResponder(500, `<html>oops</html>`))
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/x"})
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, "internal server error", apiErr.Message, "an HTML body is not decoded")
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestHugeBodyRejectedWithSmallMemory(t *testing.T) {
	for _, length := range []int64{-1, 5 << 20} { // unknown length, then announced
		hugeBody(t, length)
	}
}

func hugeBody(t *testing.T, contentLength int64) {
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/big", func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			ContentLength: contentLength, Body: io.NopCloser(io.LimitReader(zeros{}, 5<<20))}, nil
	})
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/big"})
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, reauth.ErrInvalidResponse)
	assert.Contains(t, err.Error(), "size cap")
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(4<<20), "reading a 5 MiB body (length %d) allocated %d bytes", contentLength, allocated)
}

func TestContextCancelledDuringBackoffReturnsAtOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/slow", func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(503, `{}`)
		resp.Header.Set("Retry-After", "8")
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		return resp, nil
	})
	c := newClient(t, mt, time.Millisecond, 10*time.Second)
	start := time.Now()
	_, err := c.Do(ctx, &Request{Method: http.MethodGet, Base: base(t), Path: "/slow"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second, "the 8 s backoff was not cut short")
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestNoTokenInErrors(t *testing.T) {
	t.Parallel()
	const token = "tok_live_SECRET_abcdef123456"
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/me",
		httpmock.NewStringResponder(401, `{"code":"reauthenticate_user","message":"token `+token+` is dead"}`))
	mt.RegisterResponder(http.MethodGet, testBase+"/down", httpmock.NewErrorResponder(errors.New("dial failed")))
	var logs bytes.Buffer
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond, func(s *Settings) {
		s.SetLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	})
	hdr := http.Header{"Authorization": {"Bearer " + token}}
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/me", Header: hdr, Secrets: []string{token}})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	wrapped := fmt.Errorf("sync failed: %w", err)
	require.ErrorIs(t, wrapped, reauth.ErrReauthRequired)
	var apiErr *reauth.APIError
	require.ErrorAs(t, wrapped, &apiErr)
	assert.Equal(t, "reauthenticate_user", apiErr.Code)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), reauth.Redacted)
	assert.NotContains(t, fmt.Sprint(apiErr.Details), token, "details are scrubbed too")

	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/down",
		Query: url.Values{"access_token": {token}}, Header: hdr, Secrets: []string{token}})
	require.Error(t, err)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.NotContains(t, err.Error(), token)
	assert.NotContains(t, err.Error(), "api.test", "no URL in errors")
	assert.NotContains(t, logs.String(), token)
}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "ftp://x", "http://", "https://h/p?q=1", "https://u:p@h", "https://h/#f", "::"} {
		_, err := ParseBaseURL("WithBaseURL", bad)
		assert.Error(t, err, bad)
	}
	u, err := ParseBaseURL("WithBaseURL", "http://127.0.0.1:8080/prefix/")
	require.NoError(t, err)
	j, err := JoinURL(u, "/v1/x", nil)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/prefix/v1/x", j.String())
}

func TestSettingsReportEveryProblem(t *testing.T) {
	t.Parallel()
	s := DefaultSettings()
	s.SetHTTPClient(nil)
	s.SetRetries(-1, 0, 0)
	s.SetUserAgent("a\r\nb")
	s.SetClock(nil)
	_, err := New(Config{Provider: reauth.Atto, Settings: s})
	require.Error(t, err)
	for _, want := range []string{"WithHTTPClient", "WithRetries", "WithUserAgent", "WithClock"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestDefaultClientIsSilentAndPooled(t *testing.T) {
	t.Parallel()
	hc := NewDefaultHTTPClient()
	assert.Equal(t, DefaultTimeout, hc.Timeout)
	tr, ok := hc.Transport.(*http.Transport)
	require.True(t, ok)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64)
	c, err := New(Config{Provider: reauth.Atto, Settings: DefaultSettings()})
	require.NoError(t, err)
	assert.Nil(t, c.logger)
}

func TestErrorStatusesTurnA2xxIntoAnError(t *testing.T) {
	t.Parallel()
	mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/employer/company",
		httpmock.NewStringResponder(202, `{"code":"data_sync_in_progress","message":"syncing"}`))
	c := newClient(t, mt, time.Millisecond, 5*time.Millisecond)
	req := &Request{Method: http.MethodGet, Base: base(t), Path: "/employer/company",
		ErrorStatuses: map[int]error{http.StatusAccepted: reauth.ErrProviderUnavailable}}
	_, err := c.Do(context.Background(), req)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 202, apiErr.StatusCode)
	assert.Equal(t, "data_sync_in_progress", apiErr.Code)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "a 202 is an answer, not retried")
}
