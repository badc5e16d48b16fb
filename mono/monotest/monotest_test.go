package monotest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// call sends a raw request to the simulator, as any Mono client would.
func call(t *testing.T, srv *monotest.Server, path, key string, h http.Header, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("mono-sec-key", key)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestRawHeadlessFlow(t *testing.T) {
	t.Parallel()
	srv := monotest.NewServer(monotest.WithOTP("0007"))
	defer srv.Close()
	key := srv.SecretKey()

	st, _ := call(t, srv, "/accounts/"+monotest.AccountOTP+"/reauthorise", "wrong", nil, "")
	assert.Equal(t, 401, st)
	st, out := call(t, srv, "/accounts/"+monotest.AccountOTP+"/reauthorise", key, nil, "")
	require.Equal(t, 200, st)
	tok := out["token"].(string)

	st, out = call(t, srv, "/v1/connect/session", key, nil, `{"reauth_token":"`+tok+`"}`)
	require.Equal(t, 200, st)
	sid := out["id"].(string)
	assert.Equal(t, float64(102), out["reauth"].(map[string]any)["response_code"])
	assert.Greater(t, out["expiresAt"].(float64), float64(time.Now().UnixMilli()))
	form := out["ui"].(map[string]any)["form"].([]any)[0].(map[string]any)
	assert.Equal(t, "otp", form["name"])
	assert.Equal(t, "password", form["contentType"])

	h := http.Header{"X-Session-Id": {sid}}
	st, out = call(t, srv, "/v1/connect/commit", key, h, `{"otp":7}`) // a number loses the zeros
	assert.Equal(t, 400, st)
	assert.Equal(t, "INVALID_INPUT", out["code"])
	st, out = call(t, srv, "/v1/connect/commit", key, h, `{"otp":"0007"}`)
	require.Equal(t, 200, st)
	assert.Equal(t, float64(99), out["responseCode"])
	assert.Equal(t, float64(200), out["status"])
	assert.True(t, strings.HasPrefix(out["data"].(map[string]any)["code"].(string), "code_"))
	assert.Equal(t, 2, srv.Commits())
	assert.Equal(t, 1, srv.Reauthorised(monotest.AccountOTP))

	st, _ = call(t, srv, "/v1/connect/commit", key, h, `{"otp":"0007"}`)
	assert.Equal(t, 400, st, "a finished session takes no more commits")
	st, _ = call(t, srv, "/v1/connect/commit", key, http.Header{"X-Session-Id": {"nope"}}, `{"otp":"0007"}`)
	assert.Equal(t, 404, st)
}

func TestTokensAndSessionsExpire(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	srv := monotest.NewServer(monotest.WithClock(func() time.Time { return now }), monotest.WithSessionTTL(time.Minute))
	defer srv.Close()
	key := srv.SecretKey()
	_, out := call(t, srv, "/accounts/"+monotest.AccountOTP+"/reauthorise", key, nil, "")
	tok := out["token"].(string)
	_, out = call(t, srv, "/v1/connect/session", key, nil, `{"reauth_token":"`+tok+`"}`)
	sid := out["id"].(string)
	now = now.Add(2 * time.Minute)
	st, out := call(t, srv, "/v1/connect/commit", key, http.Header{"X-Session-Id": {sid}}, `{"otp":"`+srv.OTP()+`"}`)
	assert.Equal(t, 400, st)
	assert.Equal(t, "SESSION_EXPIRED", out["code"])
	now = now.Add(monotest.TokenTTL)
	st, _ = call(t, srv, "/v1/connect/session", key, nil, `{"reauth_token":"`+tok+`"}`)
	assert.Equal(t, 400, st)
}

func TestHostedLinkAndDeny(t *testing.T) {
	t.Parallel()
	srv := monotest.NewServer()
	defer srv.Close()
	st, out := call(t, srv, "/v2/accounts/initiate", srv.SecretKey(), nil,
		`{"account":"`+monotest.AccountOTP+`","scope":"reauth","redirect_url":"https://app.example/cb?state=s1","meta":{"ref":"r1"}}`)
	require.Equal(t, 200, st)
	monoURL := out["data"].(map[string]any)["mono_url"].(string)
	ctx := context.Background()

	deny, err := srv.Deny(ctx, monoURL)
	require.NoError(t, err)
	assert.Equal(t, "cancelled", deny.Get("status"))
	assert.Equal(t, "s1", deny.Get("state"))
	assert.True(t, srv.NeedsReauth(monotest.AccountOTP))

	ok, err := srv.Approve(ctx, monoURL)
	require.NoError(t, err)
	assert.Equal(t, "reauthorised", ok.Get("status"))
	assert.Equal(t, "s1", ok.Get("state"))
	assert.Equal(t, "r1", ok.Get("ref"))
	assert.NotEmpty(t, ok.Get("code"))
	assert.False(t, srv.NeedsReauth(monotest.AccountOTP))
	require.Len(t, srv.Deliveries(), 1)

	_, err = srv.Deny(ctx, "")
	require.Error(t, err)
}

func TestApproveAnswersEveryField(t *testing.T) {
	t.Parallel()
	srv := monotest.NewServer(monotest.WithSecurityAnswer("rex"))
	defer srv.Close()
	r, err := srv.ApproveInputs(&reauth.Flow{Step: reauth.StepInput,
		Fields: []reauth.Field{{Name: monotest.FieldOTP}, {Name: monotest.FieldAnswer}, {Name: monotest.FieldAccount}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"otp": monotest.DefaultOTP, "answer": "rex", "account": "0"}, r.Inputs)
	srv.SetOTP("99")
	assert.Equal(t, "99", srv.Answer(monotest.FieldOTP))
}
