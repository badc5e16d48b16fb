package truelayertest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const cbURL = "https://app.example/cb"

func post(t *testing.T, srv *truelayertest.Server, path, ctype, body string) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL+path, ctype, strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	assert.NotEmpty(t, resp.Header.Get("X-Tl-Correlation-Id"))
	return resp.StatusCode, out
}

func TestReauthAndCodeRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := truelayertest.NewServer(truelayertest.WithClock(clock), truelayertest.WithClientCredentials("cid", "csecret"))
	t.Cleanup(srv.Close)
	conn := srv.Connect(cbURL)

	st, out := post(t, srv, "/v1/reauthuri", "application/json", `{"response_type":"code","refresh_token":"`+conn.RefreshToken+`","redirect_uri":"https://other/cb"}`)
	assert.Equal(t, 400, st)
	assert.Equal(t, "invalid_request", out["error"])

	st, out = post(t, srv, "/v1/reauthuri", "application/json", `{"response_type":"code","refresh_token":"`+conn.RefreshToken+`","redirect_uri":"`+cbURL+`","state":"s1"}`)
	require.Equal(t, 200, st)
	assert.Equal(t, true, out["success"])
	link := out["result"].(string)

	denied, err := srv.Deny(context.Background(), link)
	require.NoError(t, err)
	assert.Equal(t, "access_denied", denied.Get("error"))
	assert.Equal(t, "s1", denied.Get("state"))

	cb, err := srv.Approve(context.Background(), link)
	require.NoError(t, err)
	code := cb.Get("code")
	require.NotEmpty(t, code)

	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}, "client_secret": {"wrong"}, "redirect_uri": {cbURL}, "code": {code}}
	st, out = post(t, srv, "/connect/token", "application/x-www-form-urlencoded", form.Encode())
	assert.Equal(t, 400, st)
	assert.Equal(t, "invalid_client", out["error"])

	form.Set("client_secret", "csecret")
	st, out = post(t, srv, "/connect/token", "application/x-www-form-urlencoded", form.Encode())
	require.Equal(t, 200, st)
	assert.Equal(t, conn.RefreshToken, out["refresh_token"])
	assert.Equal(t, float64(3600), out["expires_in"])

	st, out = post(t, srv, "/connect/token", "application/x-www-form-urlencoded", form.Encode())
	assert.Equal(t, 400, st, "codes work once")
	assert.Equal(t, "invalid_authorization_code", out["error"], "TrueLayer's code for a reused code")

	// A code older than 5 minutes is refused.
	cb, err = srv.Approve(context.Background(), link)
	require.NoError(t, err)
	now = now.Add(truelayertest.CodeTTL + time.Second)
	form.Set("code", cb.Get("code"))
	st, out = post(t, srv, "/connect/token", "application/x-www-form-urlencoded", form.Encode())
	assert.Equal(t, 400, st)
	assert.Equal(t, "invalid_authorization_code", out["error"], "TrueLayer's code for a stale code")

	// Refresh rotates the pair; the old refresh token dies.
	rform := url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"csecret"}, "refresh_token": {conn.RefreshToken}}
	st, out = post(t, srv, "/connect/token", "application/x-www-form-urlencoded", rform.Encode())
	require.Equal(t, 200, st)
	assert.NotEqual(t, conn.RefreshToken, out["refresh_token"])
	st, _ = post(t, srv, "/connect/token", "application/x-www-form-urlencoded", rform.Encode())
	assert.Equal(t, 400, st)

	// 90 days after the consent lapsed, reauthuri answers 401.
	cur, ok := srv.Lookup(conn.CredentialsID)
	require.True(t, ok)
	srv.ExpireConsent(conn.CredentialsID, truelayertest.ConsentPeriod+time.Hour)
	st, _ = post(t, srv, "/v1/reauthuri", "application/json", `{"response_type":"code","refresh_token":"`+cur.RefreshToken+`","redirect_uri":"`+cbURL+`"}`)
	assert.Equal(t, 401, st)

	srv.Revoke(conn.CredentialsID)
	st, _ = post(t, srv, "/v1/reauthuri", "application/json", `{"response_type":"code","refresh_token":"`+cur.RefreshToken+`","redirect_uri":"`+cbURL+`"}`)
	assert.Equal(t, 400, st)
}

func TestMeAndJWKS(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	conn := srv.Connect(cbURL)
	get := func(path, token string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	st, out := get("/data/v1/me", conn.AccessToken)
	require.Equal(t, 200, st)
	res := out["results"].([]any)[0].(map[string]any)
	assert.Equal(t, conn.CredentialsID, res["credentials_id"])
	st, _ = get("/data/v1/me", "nope")
	assert.Equal(t, 401, st)
	srv.ExpireConsent(conn.CredentialsID, 0)
	st, out = get("/data/v1/me", conn.AccessToken)
	assert.Equal(t, 403, st)
	assert.Equal(t, "access_denied", out["error"])

	srv.RotateKey()
	st, out = get(truelayertest.JWKSPath, "")
	require.Equal(t, 200, st)
	keys := out["keys"].([]any)
	require.Len(t, keys, 2)
	for _, k := range keys {
		m := k.(map[string]any)
		assert.Equal(t, "EC", m["kty"])
		assert.Equal(t, "ES512", m["alg"])
		assert.Equal(t, "P-521", m["crv"])
		x, err := base64.RawURLEncoding.DecodeString(m["x"].(string))
		require.NoError(t, err)
		assert.LessOrEqual(t, len(x), 66)
		assert.NotEqual(t, byte(0), x[0], "leading zero bytes are dropped, as TrueLayer does")
	}
}

func TestSignWebhookShape(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	h, err := srv.SignWebhook("/hook", []byte(`{}`), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, "2026-01-02T03:04:05Z", h.Get("X-Tl-Webhook-Timestamp"))
	parts := strings.Split(h.Get("Tl-Signature"), ".")
	require.Len(t, parts, 3)
	assert.Empty(t, parts[1], "detached")
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	var hdr map[string]string
	require.NoError(t, json.Unmarshal(raw, &hdr))
	assert.Equal(t, "ES512", hdr["alg"])
	assert.Equal(t, "2", hdr["tl_version"])
	assert.Equal(t, "X-Tl-Webhook-Timestamp,Content-Type", hdr["tl_headers"])
	assert.Equal(t, srv.JWKSURL(), hdr["jku"])
	assert.NotEmpty(t, hdr["kid"])
}

// The bank is a real HTML page: a browser sees a form with Approve and Deny
// buttons; posting it redirects (303) back to the application.
func TestBankPageIsAForm(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	conn := srv.Connect(cbURL)
	st, out := post(t, srv, "/v1/reauthuri", "application/json", `{"response_type":"code","refresh_token":"`+conn.RefreshToken+`","redirect_uri":"`+cbURL+`","state":"s1"}`)
	require.Equal(t, 200, st)
	link := out["result"].(string)

	resp, err := srv.Client().Get(link)
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	for _, want := range []string{`<form method="post"`, `id="approve" name="decision" value="approve"`, `id="deny" name="decision" value="deny"`} {
		assert.Contains(t, string(page), want)
	}

	noFollow := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(noFollow.CloseIdleConnections)
	resp, err = noFollow.PostForm(link, url.Values{"decision": {"approve"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(loc.String(), cbURL))
	assert.NotEmpty(t, loc.Query().Get("code"))
	assert.Equal(t, "s1", loc.Query().Get("state"))
}
