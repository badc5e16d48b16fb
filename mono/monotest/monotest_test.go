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

// call sends a raw POST to the simulator, as any Mono client would.
func call(t *testing.T, srv *monotest.Server, path, key string, h http.Header, body string) (int, map[string]any) {
	t.Helper()
	resp, out := send(t, srv, http.MethodPost, path, key, h, body)
	return resp.StatusCode, out
}

// get sends a raw GET with the server's key.
func get(t *testing.T, srv *monotest.Server, path string, h http.Header) (*http.Response, map[string]any) {
	t.Helper()
	return send(t, srv, http.MethodGet, path, srv.SecretKey(), h, "")
}

func send(t *testing.T, srv *monotest.Server, method, path, key string, h http.Header, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("mono-sec-key", key)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp, out
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
	r, err := srv.ApproveInputs(context.Background(), &reauth.Flow{Step: reauth.StepInput,
		Fields: []reauth.Field{{Name: monotest.FieldOTP}, {Name: monotest.FieldAnswer}, {Name: monotest.FieldAccount}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"otp": monotest.DefaultOTP, "answer": "rex", "account": "0"}, r.Inputs)
	srv.SetOTP("99")
	assert.Equal(t, "99", srv.Answer(monotest.FieldOTP))
}

func data(out map[string]any) map[string]any {
	d, _ := out["data"].(map[string]any)
	return d
}

// The v2 generation on the wire: session, 101 with accounts, commit with
// strings, 102 with userInput, 99 with the code; login; rate limit.
func TestRawV2Flow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	srv := monotest.NewServer(monotest.WithClock(func() time.Time { return now }))
	defer srv.Close()
	key := srv.SecretKey()

	st, out := call(t, srv, "/v2/connect/reauth/session", key, nil, `{"account":"`+monotest.AccountSelectionThenOTP+`"}`)
	require.Equal(t, 200, st)
	assert.Equal(t, "successful", out["status"])
	d := data(out)
	assert.Equal(t, float64(101), d["responseCode"])
	sid := d["id"].(string)
	accounts := d["accounts"].([]any)
	assert.Equal(t, monotest.AccountNumberSavings, accounts[0].(map[string]any)["accountNumber"])

	h := http.Header{"X-Session-Id": {sid}}
	st, _ = call(t, srv, "/v2/connect/commit", key, h, `{"accountNumber":123}`)
	assert.Equal(t, 400, st, "v2 answers are strings")
	st, out = call(t, srv, "/v2/connect/commit", key, h, `{"accountNumber":"`+monotest.AccountNumberSavings+`"}`)
	require.Equal(t, 200, st)
	d = data(out)
	assert.Equal(t, float64(102), d["responseCode"])
	form := d["userInput"].(map[string]any)["form"].([]any)[0].(map[string]any)
	assert.Equal(t, "otp", form["name"])

	st, out = call(t, srv, "/v2/connect/commit", key, h, `{"otp":"00000"}`)
	assert.Equal(t, 400, st)
	assert.Equal(t, monotest.MessageInvalidOTP, out["message"])
	st, out = call(t, srv, "/v2/connect/commit", key, h, `{"otp":"`+srv.OTP()+`"}`)
	require.Equal(t, 200, st)
	assert.Equal(t, float64(99), data(out)["responseCode"])
	assert.True(t, strings.HasPrefix(data(out)["code"].(string), "code_"))
	assert.Equal(t, 3+1, srv.Commits())

	// one session per account every 5 minutes
	st, out = call(t, srv, "/v2/connect/reauth/session", key, nil, `{"account":"`+monotest.AccountSelectionThenOTP+`"}`)
	assert.Equal(t, 429, st)
	assert.Contains(t, out["message"], "Try again in 300 seconds")

	// the credentials step goes to login, not to commit
	st, out = call(t, srv, "/v2/connect/reauth/session", key, nil, `{"account":"`+monotest.AccountCredentials+`"}`)
	require.Equal(t, 200, st)
	h = http.Header{"X-Session-Id": {data(out)["id"].(string)}}
	st, _ = call(t, srv, "/v2/connect/commit", key, h, `{"username":"`+monotest.DefaultUsername+`","password":"`+monotest.DefaultPassword+`"}`)
	assert.Equal(t, 400, st)
	st, out = call(t, srv, "/v2/connect/reauth/login", key, h, `{"username":"`+monotest.DefaultUsername+`","password":"`+monotest.DefaultPassword+`"}`)
	require.Equal(t, 200, st)
	assert.Equal(t, float64(102), data(out)["responseCode"])
	assert.Equal(t, 1, srv.Logins())

	// the institution fails the commit: not a wrong-OTP message
	st, out = call(t, srv, "/v2/connect/reauth/session", key, nil, `{"account":"`+monotest.AccountInstitutionError+`"}`)
	require.Equal(t, 200, st)
	h = http.Header{"X-Session-Id": {data(out)["id"].(string)}}
	st, out = call(t, srv, "/v2/connect/commit", key, h, `{"otp":"`+srv.OTP()+`"}`)
	assert.Equal(t, 400, st)
	assert.Equal(t, monotest.MessageInstitutionError, out["message"])
}

// The account read and the data endpoint follow the account's state.
func TestAccountReadAndTransactions(t *testing.T) {
	t.Parallel()
	srv := monotest.NewServer()
	defer srv.Close()
	acc := monotest.AccountOTP
	resp, out := get(t, srv, "/v2/accounts/"+acc, nil)
	require.Equal(t, 200, resp.StatusCode)
	meta := data(out)["meta"].(map[string]any)
	assert.Equal(t, "REAUTHORISATION_REQUIRED", meta["sync_status"])
	assert.Equal(t, "available", meta["data_status"])

	resp, out = get(t, srv, "/v2/accounts/"+acc+"/transactions", http.Header{"X-Realtime": {"true"}})
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, "REAUTHORISATION_REQUIRED", out["code"])
	assert.Equal(t, "true", resp.Header.Get("x-reauth-required"))
	assert.Equal(t, "failed", resp.Header.Get("x-job-status"))
	require.NotEmpty(t, srv.Deliveries())
	assert.Equal(t, monotest.EventJobsUpdate, srv.Deliveries()[len(srv.Deliveries())-1].Event)

	srv.MarkHealthy(acc)
	resp, out = get(t, srv, "/v2/accounts/"+acc+"/transactions", nil)
	require.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("x-reauth-required"))
	assert.Len(t, out["data"], 2)

	srv.Unlink(acc)
	resp, _ = get(t, srv, "/v2/accounts/"+acc, nil)
	assert.Equal(t, 404, resp.StatusCode)
}

// The hosted page is real HTML with an approve/deny form a browser can
// submit; the POST redirects 303 to the app.
func TestHostedPageIsAForm(t *testing.T) {
	t.Parallel()
	srv := monotest.NewServer()
	defer srv.Close()
	_, out := call(t, srv, "/v2/accounts/initiate", srv.SecretKey(), nil,
		`{"account":"`+monotest.AccountOTP+`","scope":"reauth","redirect_url":"https://app.example/cb?state=s1"}`)
	monoURL := data(out)["mono_url"].(string)

	client := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	resp, err := client.Get(monoURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	for _, want := range []string{`<form method="post"`, `id="approve" name="decision" value="approve"`, `id="deny" name="decision" value="deny"`} {
		assert.Contains(t, string(page), want)
	}
	assert.True(t, srv.NeedsReauth(monotest.AccountOTP), "showing the page decides nothing")

	resp, err = client.PostForm(monoURL, map[string][]string{"decision": {"approve"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	assert.Equal(t, "app.example", loc.Host)
	assert.Equal(t, "s1", loc.Query().Get("state"))
	assert.Equal(t, "reauthorised", loc.Query().Get("status"))
	assert.False(t, srv.NeedsReauth(monotest.AccountOTP))
}

// A demo app shows its own OTP form: the simulated bank's OTP is known, and
// a wrong one then the right one works on the same session.
func TestDemoOTPIsDiscoverable(t *testing.T) {
	t.Parallel()
	srv := monotest.NewServer()
	defer srv.Close()
	assert.Equal(t, monotest.DefaultOTP, srv.OTP())
	assert.Equal(t, monotest.DefaultOTP, srv.Answer(monotest.FieldOTP))
	_, out := call(t, srv, "/v2/connect/reauth/session", srv.SecretKey(), nil, `{"account":"`+monotest.AccountOTP+`"}`)
	h := http.Header{"X-Session-Id": {data(out)["id"].(string)}}
	st, _ := call(t, srv, "/v2/connect/commit", srv.SecretKey(), h, `{"otp":"11111"}`)
	assert.Equal(t, 400, st)
	st, _ = call(t, srv, "/v2/connect/commit", srv.SecretKey(), h, `{"otp":"`+monotest.DefaultOTP+`"}`)
	assert.Equal(t, 200, st)
}
