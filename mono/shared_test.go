package mono_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// New reports every problem once, as "mono: new client: ...", wrapping
// reauth.ErrInvalidRequest; a nil option and a bad body cap are problems.
func TestNewErrorFormat(t *testing.T) {
	t.Parallel()
	_, err := mono.New(mono.Credentials{SecretKey: "k\x01ey"}, nil, mono.WithMaxResponseBytes(0))
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "mono: new client: "), msg)
	assert.Equal(t, 1, strings.Count(msg, "mono: new client:"), msg)
	for _, want := range []string{"option 0 is nil", "WithMaxResponseBytes", "SecretKey contains control characters"} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "k\x01ey")
}

// A legitimately large answer is read once the cap is raised, and refused
// (reauth.ErrInvalidResponse) under the default 1 MiB cap.
func TestWithMaxResponseBytes(t *testing.T) {
	t.Parallel()
	narration := strings.Repeat("x", 2<<20)
	answer := `{"status":"successful","data":{"id":"acc","name":"` + narration + `","status":"AVAILABLE"}}`
	for _, tc := range []struct {
		name string
		opts []mono.Option
		ok   bool
	}{
		{"default", nil, false},
		{"raised", []mono.Option{mono.WithMaxResponseBytes(4 << 20)}, true},
		{"lowered", []mono.Option{mono.WithMaxResponseBytes(1 << 10)}, false},
	} {
		c, mt := mockClient(t, tc.opts...)
		mt.RegisterResponder(http.MethodGet, testBase+"/v2/accounts/acc", httpmock.NewStringResponder(200, answer))
		st, err := c.AccountDetails(context.Background(), "acc")
		if tc.ok {
			require.NoError(t, err, tc.name)
			assert.NotNil(t, st, tc.name)
			continue
		}
		require.ErrorIs(t, err, reauth.ErrInvalidResponse, tc.name)
	}
}

// A 3-character OTP is scrubbed from errors and from a 2xx message where it
// stands as a word, and only there: "1234" and "x123" are other words.
func TestShortAnswersScrubbedAsWholeWords(t *testing.T) {
	t.Parallel()
	const otp = "123"
	echo := `otp 123 wrong (123); codes 1234 and x123 are other words`
	want := `otp REDACTED wrong (REDACTED); codes 1234 and x123 are other words`
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/connect/commit",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(400, `{"status":"failed","message":"`+echo+`","code":"`+otp+`"}`),
			httpmock.NewStringResponse(200, `{"status":"successful","message":"`+echo+`","data":{"responseCode":102}}`),
		}))
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit",
		httpmock.NewStringResponder(200, `{"status":200,"responseCode":102,"message":"`+echo+`"}`))
	ctx := context.Background()
	in := map[string]string{"otp": otp}

	_, err := c.CommitAnswers(ctx, "session_1", in)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, want, apiErr.Message)
	assert.Equal(t, reauth.Redacted, apiErr.Code)
	assert.Contains(t, err.Error(), want)

	st, err := c.CommitAnswers(ctx, "session_1", in)
	require.NoError(t, err)
	assert.Equal(t, want, st.Message)

	res, err := c.Commit(ctx, "session_1", in)
	require.NoError(t, err)
	assert.Equal(t, want, res.Message)
}

// CheckResponse scrubs the secret key the data call carried in
// mono-sec-key (the core reads only Authorization), in every encoded form.
func TestCheckResponseScrubsTheKey(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "https://api.withmono.com/v2/accounts/acc/transactions", nil)
	require.NoError(t, err)
	req.Header.Set(mono.HeaderSecretKey, leakKey)
	body := `{"status":"failed","message":"key ` + leakKey + ` refused","code":"` + leakKey + `"}`
	resp := httpmock.NewStringResponse(http.StatusUnauthorized, body)
	resp.Request = req
	resp.Header.Set("x-request-id", "id-"+leakKey)
	err = mono.CheckResponse(resp)
	require.ErrorIs(t, err, reauth.ErrUnauthorized)
	scan := reauthtest.NewLeakScan(leakKey)
	scan.Add(err)
	scan.Check(t)
	assert.Contains(t, err.Error(), reauth.Redacted)
}

// Every exported method of every exported type tolerates nil and zero
// values.
func TestNilSafe(t *testing.T) {
	t.Parallel()
	n := reauthtest.CheckNilSafe(t,
		(*mono.Client)(nil), &mono.Client{}, mono.Client{},
		(*mono.WebhookVerifier)(nil), &mono.WebhookVerifier{},
		(*mono.Deduper)(nil), &mono.Deduper{},
		(*mono.InputRejectedError)(nil), &mono.InputRejectedError{},
		mono.Credentials{}, &mono.Credentials{}, mono.Login{}, &mono.Login{},
		mono.LinkRequest{}, &mono.LinkRequest{},
		mono.ReauthToken{}, mono.Session{}, mono.CommitResult{}, mono.Link{}, mono.Step{},
		(*mono.ReauthToken)(nil), (*mono.Session)(nil), (*mono.CommitResult)(nil), (*mono.Step)(nil),
		mono.SyncResult{}, mono.AccountStatus{}, (*mono.AccountStatus)(nil), mono.ResponseCode(0),
		// monotest.Server: built by monotest.New; its nil and zero values are not yet safe
	)
	assert.Greater(t, n, 40, "methods called")
}

// Every redacting type prints through one renderer: Go field names, the
// same shape under %v and %+v, Go syntax under %#v.
func TestPrintingIsUniform(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		mono.Credentials{SecretKey: "s"}, mono.Login{Username: "u", Password: "p"},
		mono.ReauthToken{Token: "t"}, mono.Session{ID: "s", Code: "c"}, mono.CommitResult{Code: "c"},
		mono.Link{URL: "https://x/?t=1"}, mono.Step{Code: "c"},
	} {
		typ := strings.TrimPrefix(fmt.Sprintf("%T", v), "mono.")
		s := fmt.Sprint(v)
		assert.True(t, strings.HasPrefix(s, typ+"{"), s)
		assert.Equal(t, s, fmt.Sprintf("%+v", v))
		assert.True(t, strings.HasPrefix(fmt.Sprintf("%#v", v), "mono."+typ+"{"), fmt.Sprintf("%#v", v))
		assert.Contains(t, s, reauth.Redacted)
	}
	v, err := mono.NewWebhookVerifier("whsec")
	require.NoError(t, err)
	assert.Equal(t, "WebhookVerifier{Secret: REDACTED}", fmt.Sprint(v))
	assert.Equal(t, "WebhookVerifier{Secret: }", fmt.Sprint(&mono.WebhookVerifier{}))
	assert.False(t, errors.Is(err, reauth.ErrInvalidRequest))
}
