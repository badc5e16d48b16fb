package mono_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/reauth"
)

// Each v2 endpoint's request: path, headers and a JSON body of strings.
func TestV2EndpointRequests(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	ctx := context.Background()
	sess := http.Header{"X-Session-Id": {"session_abc"}}

	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/reauth/session",
		expect(t, `{"account":"acc_1"}`, nil, 200,
			`{"status":"successful","message":"Request completed successfully","timestamp":"2025-05-13T12:26:36.853Z","data":{"responseCode":99,"code":"code_q90t4ar2uriet5ey4rs22v0x"}}`))
	st, err := c.StartReauthSession(ctx, "acc_1")
	require.NoError(t, err)
	assert.Equal(t, mono.ResponseDone, st.ResponseCode)
	assert.Equal(t, "code_q90t4ar2uriet5ey4rs22v0x", st.Code)
	assert.NotContains(t, st.String(), st.Code)

	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/reauth/login",
		expect(t, `{"username":"ada","password":"pa ss"}`, sess, 200,
			`{"status":"successful","data":{"responseCode":102,"userInput":{"title":"Enter OTP","form":[{"type":"elements.input","name":"otp","hint":"OTP","contentType":"password","maxLength":6}]}}}`))
	st, err = c.ReauthLogin(ctx, "session_abc", mono.Login{Username: "ada", Password: "pa ss"})
	require.NoError(t, err)
	assert.Equal(t, mono.ResponseInputRequired, st.ResponseCode)
	assert.Equal(t, "session_abc", st.SessionID, "no id in the answer: the request's session")
	require.Len(t, st.Form.Form, 1)
	assert.Equal(t, "otp", st.Form.Form[0].Name)

	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/commit",
		expect(t, `{"otp":"001234","accountNumber":"0123456789"}`, sess, 200,
			`{"status":"successful","data":{"responseCode":101,"session_id":"session_next","accounts":[{"name":"Savings","accountNumber":"0123456789"},{"account_number":"222"},"333",{"name":"no number"}]}}`))
	st, err = c.CommitAnswers(ctx, "session_abc", map[string]string{"otp": "001234", "accountNumber": "0123456789"})
	require.NoError(t, err)
	assert.Equal(t, mono.ResponseAccountSelection, st.ResponseCode)
	assert.Equal(t, "session_next", st.SessionID)
	assert.Equal(t, []mono.AccountChoice{{AccountNumber: "0123456789", Name: "Savings"}, {AccountNumber: "222"}, {AccountNumber: "333"}}, st.Accounts)
	assert.Equal(t, 3, mt.GetTotalCallCount())

	// validation before any request
	for _, call := range []func() error{
		func() error { _, err := c.StartReauthSession(ctx, ""); return err },
		func() error { _, err := c.ReauthLogin(ctx, "", mono.Login{Username: "a", Password: "b"}); return err },
		func() error { _, err := c.ReauthLogin(ctx, "s", mono.Login{Username: "a"}); return err },
		func() error { _, err := c.CommitAnswers(ctx, "s\n", map[string]string{"otp": "1"}); return err },
		func() error { _, err := c.CommitAnswers(ctx, "s", nil); return err },
		func() error { _, err := c.CommitAnswers(ctx, "s", map[string]string{"": "1"}); return err },
	} {
		require.Error(t, call())
	}
	assert.Equal(t, 3, mt.GetTotalCallCount())
}

// Where v2 puts the session id is undocumented: every place is read.
func TestV2SessionIDIsReadLeniently(t *testing.T) {
	t.Parallel()
	form := `"userInput":{"title":"T","form":[{"name":"otp"}]}`
	for name, tc := range map[string]struct {
		body   string
		header string
	}{
		"data.id":         {`{"data":{"id":"session_1","responseCode":102,` + form + `}}`, ""},
		"data.session_id": {`{"data":{"session_id":"session_1","responseCode":102,` + form + `}}`, ""},
		"data.sessionId":  {`{"data":{"sessionId":"session_1","responseCode":"102",` + form + `}}`, ""},
		"top level":       {`{"id":"session_1","data":{"responseCode":102,` + form + `}}`, ""},
		"header":          {`{"data":{"responseCode":102,` + form + `}}`, "session_1"},
		"v1 ui in data":   {`{"data":{"id":"session_1","response_code":102,"ui":{"title":"T","form":[{"name":"otp"}]}}}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t)
			mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/reauth/session", func(*http.Request) (*http.Response, error) {
				resp := httpmock.NewStringResponse(200, tc.body)
				resp.Header.Set("Content-Type", "application/json")
				if tc.header != "" {
					resp.Header.Set("x-session-id", tc.header)
				}
				return resp, nil
			})
			flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: "acc"})
			require.NoError(t, err)
			assert.Equal(t, reauth.StepInput, flow.Step)
			assert.Equal(t, "session_1", flow.Resume["session_id"])
			assert.Equal(t, "otp", flow.Fields[0].Name)
		})
	}
}

// Odd v2 answers: an unknown code, a 102 without a form or session, a
// refusal inside a 2xx, an institution error, a rate limit in words.
func TestV2OddAnswers(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	ctx := context.Background()
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/reauth/session",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(200, `{"data":{"responseCode":55}}`),
			httpmock.NewStringResponse(200, `{"data":{"id":"s","responseCode":102}}`),
			httpmock.NewStringResponse(200, `{"data":{"responseCode":102,"userInput":{"form":[{"name":"otp"}]}}}`),
			httpmock.NewStringResponse(400, `{"status":"failed","message":"You can only start one session per account. Try again in 3 minutes."}`),
			httpmock.NewStringResponse(200, `{"data":{"id":"s1","responseCode":102,"userInput":{"form":[{"name":"otp"}]}}}`),
		}))
	for _, want := range []error{reauth.ErrInvalidResponse, reauth.ErrInvalidResponse, reauth.ErrInvalidResponse, reauth.ErrRateLimited} {
		_, err := c.Begin(ctx, reauth.Request{ConnectionID: "acc"})
		require.ErrorIs(t, err, want)
		if want == reauth.ErrRateLimited {
			var ae *reauth.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 180.0, ae.RetryAfter.Seconds())
		}
	}
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: "acc"})
	require.NoError(t, err)

	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/commit",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(200, `{"status":"failed","message":"Invalid OTP Sent"}`),
			httpmock.NewStringResponse(400, `{"status":"failed","message":"invalid otp provided"}`),
			httpmock.NewStringResponse(400, `{"status":"failed","message":"Institution is currently unavailable"}`),
			httpmock.NewStringResponse(200, `{"status":"failed","message":"Bank timed out"}`),
			httpmock.NewStringResponse(400, `{"status":"failed","code":"REAUTHORISATION_REQUIRED","message":"Password changed"}`),
		}))
	in := reauth.Reply{Inputs: map[string]string{"otp": "0"}}
	for i, want := range []struct {
		kind     error
		rejected bool
	}{
		{reauth.ErrInputRejected, true},
		{reauth.ErrInputRejected, true},
		{reauth.ErrProviderUnavailable, false},
		{reauth.ErrProviderUnavailable, false},
		{reauth.ErrReauthRequired, false},
	} {
		_, err := c.Continue(ctx, flow, in)
		require.ErrorIs(t, err, want.kind, i)
		assert.Equal(t, want.rejected, errors.Is(err, reauth.ErrInputRejected), i)
	}
}

func TestWrongAnswerWords(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/reauth/session",
		httpmock.NewStringResponder(200, `{"data":{"id":"s1","responseCode":102,"userInput":{"form":[{"name":"otp"}]}}}`))
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: "acc"})
	require.NoError(t, err)
	for msg, rejected := range map[string]bool{
		"Invalid OTP Sent":                       true,
		"Incorrect credentials provided":         true,
		"Wrong PIN":                              true,
		"Invalid account number selected":        true,
		"invalid opinion from the spinning bank": false,
		"Invalid request to the institution":     false,
		"The connected institution returned 500": false,
		"Institution error: OTP service is down": false,
	} {
		mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/commit",
			httpmock.NewStringResponder(400, `{"status":"failed","message":"`+msg+`"}`))
		_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": "1"}})
		assert.Equal(t, rejected, errors.Is(err, reauth.ErrInputRejected), msg)
	}
	_, err = mono.NewWebhookVerifier("s", nil)
	require.Error(t, err, "a nil option is an error")
}
