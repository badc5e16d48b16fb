package mono_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

const (
	testKey  = "test_sk_unit_secret_key_0001"
	testBase = "https://mono.test"
)

// mockClient returns a client whose requests go to mt, which fails the test
// on any unregistered request.
func mockClient(t *testing.T, opts ...mono.Option) (*mono.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]mono.Option{
		mono.WithHTTPClient(&http.Client{Transport: mt}),
		mono.WithBaseURL(testBase),
		mono.WithRetries(2, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := mono.New(mono.Credentials{SecretKey: testKey}, all...)
	require.NoError(t, err)
	return c, mt
}

// expect checks the request's method, headers and body, then answers.
func expect(t *testing.T, wantBody string, extra http.Header, status int, answer string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, testKey, r.Header.Get("mono-sec-key"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "reauthkit-go"))
		for k := range extra {
			assert.Equal(t, extra.Get(k), r.Header.Get(k), k)
		}
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
		}
		if wantBody == "" {
			assert.Empty(t, body)
		} else {
			assert.JSONEq(t, wantBody, string(body))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		}
		resp := httpmock.NewStringResponse(status, answer)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := mono.New(mono.Credentials{},
		mono.WithBaseURL("ftp://x"), mono.WithHTTPClient(nil), mono.WithRetries(-1, 0, 0),
		mono.WithClock(nil), mono.WithUserAgent("a\nb"), nil)
	require.Error(t, err)
	for _, want := range []string{"SecretKey is required", "WithBaseURL", "WithHTTPClient", "WithRetries", "WithClock", "WithUserAgent", "option 5 is nil"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = mono.New(mono.Credentials{SecretKey: "a\r\nX-Evil: 1"})
	require.ErrorContains(t, err, "control characters")
	_, err = mono.New(mono.Credentials{SecretKey: testKey}, mono.WithBaseURL("https://h/x?y=1"))
	require.Error(t, err)
	c, err := mono.New(mono.Credentials{SecretKey: testKey})
	require.NoError(t, err)
	assert.Equal(t, reauth.Mono, c.Provider())
}

func TestCredentialsNeverPrintTheKey(t *testing.T) {
	t.Parallel()
	creds := mono.Credentials{SecretKey: testKey}
	scan := reauthtest.NewLeakScan(testKey)
	scan.Add(creds, &creds)
	require.Equal(t, 2, scan.Check(t))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} { // redacted, not blank
		assert.Contains(t, fmt.Sprintf(verb, creds)+fmt.Sprintf(verb, &creds), reauth.Redacted, verb)
	}
	assert.Equal(t, "[SecretKey=REDACTED]", creds.LogValue().String())
}

func TestReauthorise(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/61ea412ae12e1efab122/reauthorise",
		expect(t, "", nil, 200, `{"token":"VwxcfeLRZvq1UlD5WiuN"}`))
	tok, err := c.Reauthorise(context.Background(), "61ea412ae12e1efab122")
	require.NoError(t, err)
	assert.Equal(t, "VwxcfeLRZvq1UlD5WiuN", tok.Token)
	assert.WithinDuration(t, time.Now().Add(10*time.Minute), tok.ExpiresAt, time.Minute)
	scan := reauthtest.NewLeakScan("VwxcfeLRZvq1UlD5WiuN")
	scan.Add(tok, *tok)
	require.Equal(t, 2, scan.Check(t))

	_, err = c.Reauthorise(context.Background(), "")
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestReauthoriseEscapesIDAndKeepsPrefix(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, mono.WithBaseURL(testBase+"/proxy/"))
	mt.RegisterResponder(http.MethodPost, testBase+"/proxy/accounts/a%2Fb/reauthorise",
		expect(t, "", nil, 200, `{"data":{"token":"tok_in_data_123"}}`))
	tok, err := c.Reauthorise(context.Background(), "a/b")
	require.NoError(t, err)
	assert.Equal(t, "tok_in_data_123", tok.Token)
}

func TestReauthoriseWithoutTokenIsInvalidResponse(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/reauthorise", expect(t, "", nil, 200, `{}`))
	_, err := c.Reauthorise(context.Background(), "acc")
	require.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

// seedSession is the documented answer (seed 004).
const seedSession = `{"status":"successful","message":"Session created successfully","id":"session_nkgCbmtxyz",
 "app":"61e270e2bbe2010771c0dec7","institution":"5f2d08bf60b92e2888287704","auth_method":"internet_banking",
 "expiresAt":1657265973940,
 "ui":{"title":"KudaBank is requesting you to enter your OTP to continue with Quickstart",
       "form":[{"type":"elements.input","name":"otp","hint":"Enter OTP","contentType":"password","maxLength":5}]},
 "reauth":{"response_code":102,"message":"KudaBank is requesting you to enter your OTP to continue with Quickstart"}}`

func TestCreateSessionSeed(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/session",
		expect(t, `{"reauth_token":"VwxcfeLRZvq1UlD5WiuN"}`, nil, 200, seedSession))
	s, err := c.CreateSession(context.Background(), "VwxcfeLRZvq1UlD5WiuN")
	require.NoError(t, err)
	assert.Equal(t, "session_nkgCbmtxyz", s.ID)
	assert.Equal(t, "successful", s.Status)
	assert.Equal(t, "61e270e2bbe2010771c0dec7", s.App)
	assert.Equal(t, "5f2d08bf60b92e2888287704", s.Institution)
	assert.Equal(t, "internet_banking", s.AuthMethod)
	assert.Equal(t, time.UnixMilli(1657265973940).UTC(), s.ExpiresAt)
	assert.Equal(t, mono.ResponseInputRequired, s.Reauth.ResponseCode)
	assert.Contains(t, s.Reauth.Message, "KudaBank")
	assert.Contains(t, s.UI.Title, "KudaBank")
	require.Len(t, s.UI.Form, 1)
	el := s.UI.Form[0]
	assert.Equal(t, "elements.input", el.Type)
	assert.Equal(t, "otp", el.Name)
	assert.Equal(t, "Enter OTP", el.Hint)
	assert.Equal(t, mono.ContentTypePassword, el.ContentType)
	assert.Equal(t, 5, el.MaxLength)
	assert.JSONEq(t, `{"type":"elements.input","name":"otp","hint":"Enter OTP","contentType":"password","maxLength":5}`, string(el.Raw))

	_, err = c.CreateSession(context.Background(), "")
	require.ErrorIs(t, err, reauth.ErrMissingInput)
}

func TestCreateSessionMixedCasingAnd99(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/session",
		expect(t, `{"reauth_token":"tok_1"}`, nil, 200,
			`{"status":"successful","session_id":"session_2","authMethod":"mobile_banking","expires_at":"2030-01-02T03:04:05Z",
			  "institution":{"_id":"inst_9"},"reauth":{"responseCode":"99"},"data":{"code":"code_bg"}}`))
	s, err := c.CreateSession(context.Background(), "tok_1")
	require.NoError(t, err)
	assert.Equal(t, "session_2", s.ID)
	assert.Equal(t, "mobile_banking", s.AuthMethod)
	assert.Equal(t, "inst_9", s.Institution)
	assert.Equal(t, time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), s.ExpiresAt)
	assert.Equal(t, mono.ResponseDone, s.Reauth.ResponseCode)
	assert.Equal(t, "code_bg", s.Code)
	scan := reauthtest.NewLeakScan("code_bg")
	scan.Add(s, *s)
	require.Equal(t, 2, scan.Check(t))
}

func TestCommitSendsStringsAndSessionHeader(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit",
		expect(t, `{"otp":"0123"}`, http.Header{"X-Session-Id": {"session_nkgCbmtxyz"}}, 200,
			`{"status":200,"responseCode":99,"data":{"code":"code_WH5x2kIMz2B7HibEK12b"}}`))
	res, err := c.Commit(context.Background(), "session_nkgCbmtxyz", map[string]string{"otp": "0123"})
	require.NoError(t, err)
	assert.Equal(t, "200", res.Status)
	assert.Equal(t, mono.ResponseDone, res.ResponseCode)
	assert.Equal(t, "code_WH5x2kIMz2B7HibEK12b", res.Code)
	scan := reauthtest.NewLeakScan("code_WH5x2kIMz2B7HibEK12b")
	scan.Add(res, *res)
	require.Equal(t, 2, scan.Check(t))
}

func TestCommitDecodesNextForms(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	answers := []string{
		`{"status":"successful","response_code":102,"ui":{"title":"Security question","form":[{"type":"elements.input","name":"answer","hint":"Pet?","maxLength":"20"}]}}`,
		`{"status":200,"reauth":{"response_code":101,"message":"Pick one"},"ui":{"form":[{"type":"elements.select","name":"account","accounts":[{"_id":"a1","name":"Savings"},{"id":"a2","accountNumber":"****99"}]}]}}`,
		`{"status":200,"responseCode":101,"ui":{"form":[{"name":"account","options":["0",1]},"junk",{"name":"x","choices":[{"index":2,"title":"T"}]}]}}`,
	}
	i := 0
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit", func(r *http.Request) (*http.Response, error) {
		defer func() { i++ }()
		return httpmock.NewStringResponse(200, answers[i]), nil
	})
	ctx := context.Background()
	res, err := c.Commit(ctx, "s", map[string]string{"otp": "1"})
	require.NoError(t, err)
	assert.Equal(t, mono.ResponseInputRequired, res.ResponseCode)
	assert.Equal(t, "Security question", res.UI.Title)
	assert.Equal(t, 20, res.UI.Form[0].MaxLength)

	res, err = c.Commit(ctx, "s", map[string]string{"answer": "x"})
	require.NoError(t, err)
	assert.Equal(t, mono.ResponseAccountSelection, res.ResponseCode)
	assert.Equal(t, "Pick one", res.Message)
	assert.Equal(t, []mono.FormOption{{Value: "a1", Label: "Savings"}, {Value: "a2", Label: "****99"}}, res.UI.Form[0].Options)

	res, err = c.Commit(ctx, "s", map[string]string{"account": "a1"})
	require.NoError(t, err)
	require.Len(t, res.UI.Form, 2)
	assert.Equal(t, []mono.FormOption{{Value: "0", Label: "0"}, {Value: "1", Label: "1"}}, res.UI.Form[0].Options)
	assert.Equal(t, []mono.FormOption{{Value: "2", Label: "T"}}, res.UI.Form[1].Options)
}

func TestCommitValidatesBeforeIO(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	ctx := context.Background()
	_, err := c.Commit(ctx, "", map[string]string{"otp": "1"})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Commit(ctx, "s", nil)
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Commit(ctx, "s\r\nx: y", map[string]string{"otp": "1"})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.Commit(ctx, "s", map[string]string{"": "1"})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Equal(t, 0, mt.GetTotalCallCount())
}

func TestCommitIsNeverRetriedOn5xxButOn429(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(503, `{"status":"failed","message":"down"}`),
		}))
	_, err := c.Commit(context.Background(), "s", map[string]string{"otp": "0123"})
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, mt.GetTotalCallCount())

	c2, mt2 := mockClient(t)
	limited := httpmock.NewStringResponse(429, `{"status":"failed","message":"slow down"}`)
	limited.Header.Set("Retry-After", "0")
	mt2.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit",
		httpmock.ResponderFromMultipleResponses([]*http.Response{limited,
			httpmock.NewStringResponse(200, `{"status":200,"responseCode":99,"data":{"code":"c"}}`)}))
	res, err := c2.Commit(context.Background(), "s", map[string]string{"otp": "0123"})
	require.NoError(t, err)
	assert.Equal(t, mono.ResponseDone, res.ResponseCode)
	assert.Equal(t, 2, mt2.GetTotalCallCount())
}

func TestReauthoriseIsRetriedOn503(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/reauthorise",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(503, `{"status":"failed","message":"down"}`),
			httpmock.NewStringResponse(200, `{"token":"tok_ok_1"}`),
		}))
	tok, err := c.Reauthorise(context.Background(), "acc")
	require.NoError(t, err)
	assert.Equal(t, "tok_ok_1", tok.Token)
	assert.Equal(t, 2, mt.GetTotalCallCount())
}

func TestInitiateReauthLink(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/accounts/initiate",
		expect(t, `{"account":"acc_1","scope":"reauth","redirect_url":"https://app.example/cb","meta":{"ref":"ref-1"}}`, nil, 200,
			`{"status":"successful","message":"Request completed successfully","timestamp":"2025-05-13T12:26:36.853Z",
			  "data":{"id":"lnk_1","mono_url":"https://link.mono.co/RA123","meta":{"ref":"ref-1"},"created_at":"2025-05-13T12:26:36.853Z"}}`))
	l, err := c.InitiateReauthLink(context.Background(), mono.LinkRequest{AccountID: "acc_1", RedirectURL: "https://app.example/cb", Ref: "ref-1"})
	require.NoError(t, err)
	assert.Equal(t, "https://link.mono.co/RA123", l.URL)
	assert.Equal(t, "lnk_1", l.ID)
	assert.Equal(t, "ref-1", l.Ref)
	assert.False(t, l.CreatedAt.IsZero())

	_, err = c.InitiateReauthLink(context.Background(), mono.LinkRequest{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.InitiateReauthLink(context.Background(), mono.LinkRequest{AccountID: "a", RedirectURL: "/relative"})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
}

func TestInitiateReauthLinkMinimalAndMissingURL(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/accounts/initiate",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(200, `{"mono_url":"https://link.mono.co/top"}`),
			httpmock.NewStringResponse(200, `{"status":"successful","data":{}}`),
		}))
	l, err := c.InitiateReauthLink(context.Background(), mono.LinkRequest{AccountID: "a"})
	require.NoError(t, err)
	assert.Equal(t, "https://link.mono.co/top", l.URL)
	_, err = c.InitiateReauthLink(context.Background(), mono.LinkRequest{AccountID: "a"})
	require.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status  int
		body    string
		kind    error
		code    string
		message string
	}{
		{400, `{"status":"failed","message":"Reauthorisation required","code":"REAUTHORISATION_REQUIRED"}`, reauth.ErrReauthRequired, "REAUTHORISATION_REQUIRED", "Reauthorisation required"},
		{402, `{"status":"failed","message":"This account requires reauthorization required"}`, reauth.ErrReauthRequired, "", ""},
		{401, `{"message":"Invalid secret key"}`, reauth.ErrUnauthorized, "", "Invalid secret key"},
		{404, `{"error":"not_found"}`, reauth.ErrNotFound, "not_found", "not found"},
		{400, `{"error":"Session has expired"}`, reauth.ErrFlowExpired, "", "Session has expired"},
		{400, `{"status":"failed","type":"SESSION_EXPIRED","response_code":102}`, reauth.ErrFlowExpired, "SESSION_EXPIRED", "bad request"},
		{500, `<html>oops</html>`, reauth.ErrProviderUnavailable, "", "internal server error"},
		{400, `{"error":{"nested":true},"message":7}`, reauth.ErrInvalidRequest, "", "7"},
	}
	for i, tc := range cases {
		c, mt := mockClient(t, mono.WithRetries(0, 0, 0))
		mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/reauthorise",
			httpmock.NewStringResponder(tc.status, tc.body).HeaderSet(http.Header{"X-Request-Id": {"req-9"}}))
		_, err := c.Reauthorise(context.Background(), "acc")
		require.ErrorIs(t, err, tc.kind, i)
		var ae *reauth.APIError
		require.ErrorAs(t, err, &ae, i)
		assert.Equal(t, tc.status, ae.StatusCode, i)
		assert.Equal(t, "POST /accounts/{id}/reauthorise", ae.Op, i)
		assert.Equal(t, "req-9", ae.RequestID, i)
		if tc.code != "" {
			assert.Equal(t, tc.code, ae.Code, i)
		}
		if tc.message != "" {
			assert.Equal(t, tc.message, ae.Message, i)
		}
		assert.True(t, strings.HasPrefix(err.Error(), "mono: "), i)
		assert.NotContains(t, err.Error(), testKey, i)
	}
}

func TestRateLimitedWithLongRetryAfterDoesNotSleep(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/reauthorise",
		httpmock.NewStringResponder(429, `{"status":"failed","message":"Too many requests"}`).HeaderSet(http.Header{"Retry-After": {"120"}}))
	_, err := c.Reauthorise(context.Background(), "acc")
	require.ErrorIs(t, err, reauth.ErrRateLimited)
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 120*time.Second, ae.RetryAfter)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestSyncShapes(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	answers := []string{
		`{"status":"successful","hasNewData":true,"code":"SYNC_SUCCESSFUL","message":null}`,
		`{"status":"failed","hasNewData":false,"code":"REAUTHORISATION_REQUIRED","message":"Reauthorisation required"}`,
		`{"status":"failed","code":"SYNC_FAILED"}`,
	}
	i := 0
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/sync", func(r *http.Request) (*http.Response, error) {
		defer func() { i++ }()
		return expect(t, "", nil, 200, answers[i])(r) // no body, mono-sec-key
	})
	ctx := context.Background()
	res, err := c.Sync(ctx, "acc")
	require.NoError(t, err)
	assert.Equal(t, mono.SyncResult{Status: "successful", HasNewData: true, Code: "SYNC_SUCCESSFUL"}, *res)
	_, err = c.Sync(ctx, "acc")
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	_, err = c.Sync(ctx, "acc")
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	_, err = c.Sync(ctx, "")
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	assert.Equal(t, 3, mt.GetTotalCallCount())
}

func TestCheckJobStatus(t *testing.T) {
	t.Parallel()
	require.NoError(t, mono.CheckJobStatus(http.Header{}))
	require.NoError(t, mono.CheckJobStatus(http.Header{"X-Job-Status": {"finished"}}))
	require.NoError(t, mono.CheckJobStatus(http.Header{"X-Job-Status": {"processing"}}))
	err := mono.CheckJobStatus(http.Header{"X-Job-Status": {" FAILED "}, "X-Job-Id": {"job_1"}, "X-Reauth-Required": {"true"}})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	wrapped := fmt.Errorf("fetching transactions: %w", err)
	require.True(t, errors.Is(wrapped, reauth.ErrReauthRequired))
	var ae *reauth.APIError
	require.ErrorAs(t, wrapped, &ae)
	assert.Equal(t, mono.CodeJobFailed, ae.Code)
	assert.Equal(t, "job_1", ae.RequestID)
}

// Adapter paths that need exact wire shapes: 99 from Begin with a code,
// a 2xx "failed" commit, an unknown response code.
func TestAdapterOnMockedWireV1(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, mono.WithPartnersAPIV1())
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/reauthorise", httpmock.NewStringResponder(200, `{"token":"tok_abc_1"}`))
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/session",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(200, `{"status":"successful","reauth":{"response_code":99},"data":{"code":"code_at_once"}}`),
			httpmock.NewStringResponse(200, seedSessionFuture()),
			httpmock.NewStringResponse(200, `{"status":"successful","id":"s1","reauth":{"response_code":102}}`),
		}))
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: "acc"})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, flow.Step)
	assert.Equal(t, "code_at_once", flow.Result.Credentials.Code)

	flow, err = c.Begin(ctx, reauth.Request{ConnectionID: "acc"})
	require.NoError(t, err)
	require.Equal(t, reauth.StepInput, flow.Step)

	_, err = c.Begin(ctx, reauth.Request{ConnectionID: "acc"})
	require.ErrorIs(t, err, reauth.ErrInvalidResponse, "102 without a form")

	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(200, `{"status":"failed","message":"Wrong OTP"}`),
			httpmock.NewStringResponse(200, `{"status":200,"responseCode":55}`),
			httpmock.NewStringResponse(200, `{"status":200,"responseCode":102,"message":"Enter the new OTP"}`),
			httpmock.NewStringResponse(400, `{"status":"failed","code":"REAUTHORISATION_REQUIRED","message":"Password changed"}`),
		}))
	in := reauth.Reply{Inputs: map[string]string{"otp": "01234"}}
	_, err = c.Continue(ctx, flow, in)
	require.ErrorIs(t, err, mono.ErrInputRejected)
	assert.Contains(t, err.Error(), "Wrong OTP")
	_, err = c.Continue(ctx, flow, in)
	require.ErrorIs(t, err, reauth.ErrInvalidResponse)
	again, err := c.Continue(ctx, flow, in)
	require.NoError(t, err)
	assert.Equal(t, flow.Fields, again.Fields)
	assert.Equal(t, "Enter the new OTP", again.Prompt)
	_, err = c.Continue(ctx, flow, in)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	require.NotErrorIs(t, err, mono.ErrInputRejected)
}

// seedSessionFuture is the seed answer with an expiry an hour ahead.
func seedSessionFuture() string {
	return strings.Replace(seedSession, "1657265973940", fmt.Sprint(time.Now().Add(time.Hour).UnixMilli()), 1)
}
