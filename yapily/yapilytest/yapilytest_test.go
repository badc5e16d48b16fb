package yapilytest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func do(t *testing.T, srv *yapilytest.Server, method, path string, header map[string]string, body string, auth bool) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if auth {
		req.SetBasicAuth(yapilytest.ApplicationID, yapilytest.ApplicationSecret)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestBasicAuthIsChecked(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.AddConsent(yapilytest.ConsentSpec{})
	status, body := do(t, srv, http.MethodGet, "/consents/"+c.ID, nil, "", false)
	assert.Equal(t, 401, status)
	assert.Equal(t, "UNAUTHORIZED", body["error"].(map[string]any)["status"])
	status, _ = do(t, srv, http.MethodGet, "/consents/"+c.ID, nil, "", true)
	assert.Equal(t, 200, status)
}

func TestReauthoriseLifecycle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := yapilytest.NewServer(yapilytest.WithClock(func() time.Time { return now }), yapilytest.WithCallback("https://cb.example/x"))
	t.Cleanup(srv.Close)
	c := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})

	status, _ := do(t, srv, http.MethodPatch, "/account-auth-requests", nil, "", true)
	assert.Equal(t, 400, status, "consent header required")
	status, body := do(t, srv, http.MethodPatch, "/account-auth-requests", map[string]string{"consent": c.Token}, "", true)
	require.Equal(t, 201, status)
	data := body["data"].(map[string]any)
	assert.Equal(t, yapilytest.StatusAwaitingReAuthorization, data["status"])
	assert.NotEmpty(t, body["meta"].(map[string]any)["tracingId"])

	cb, err := srv.Approve(context.Background(), data["authorisationUrl"].(string))
	require.NoError(t, err)
	assert.Equal(t, c.Token, cb.Get("consent"))
	snap, _ := srv.Consent(c.ID)
	assert.Equal(t, yapilytest.StatusAuthorized, snap.Status)
	// Yapily documents status, lastConfirmedAt, expiresAt and reconfirmBy
	// moving; authorizedAt keeps its value.
	assert.Equal(t, c.AuthorizedAt, snap.AuthorizedAt)
	assert.Equal(t, now, snap.LastConfirmedAt)
	assert.Equal(t, now.Add(90*24*time.Hour), snap.ExpiresAt)
	assert.Equal(t, now.Add(90*24*time.Hour), snap.ReconfirmBy)
	assert.Equal(t, 1, snap.Reauthorisations)

	status, body = do(t, srv, http.MethodPost, "/consents/"+c.ID+"/extend", nil, `{"lastConfirmedAt":"2027-01-01T00:00:00Z"}`, true)
	assert.Equal(t, 400, status)
	assert.NotEmpty(t, body["error"].(map[string]any)["issues"])
	status, _ = do(t, srv, http.MethodPost, "/consents/"+c.ID+"/extend", nil, `{"lastConfirmedAt":"2025-12-31T00:00:00Z"}`, true)
	assert.Equal(t, 200, status)
	snap, _ = srv.Consent(c.ID)
	assert.Equal(t, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), snap.ReconfirmBy)

	srv.Revoke(c.ID)
	status, _ = do(t, srv, http.MethodPatch, "/account-auth-requests", map[string]string{"consent": c.Token}, "", true)
	assert.Equal(t, 403, status)

	status, body = do(t, srv, http.MethodDelete, "/consents/"+c.ID, nil, "", true)
	assert.Equal(t, 200, status)
	assert.Equal(t, "SUCCESS", body["data"].(map[string]any)["deleteStatus"])
	status, _ = do(t, srv, http.MethodGet, "/consents/"+c.ID, nil, "", true)
	assert.Equal(t, 404, status)
	assert.Equal(t, 3, srv.Count(yapilytest.RouteReauthorise))
}

func TestDenyAndUnknownSession(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.AddConsent(yapilytest.ConsentSpec{})
	u := reauthURL(t, srv, c.Token)
	cb, err := srv.Deny(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "access_denied", cb.Get("error"))
	assert.Empty(t, cb.Get("consent"))
	snap, _ := srv.Consent(c.ID)
	assert.Equal(t, yapilytest.StatusRejected, snap.Status)
	_, err = srv.Approve(context.Background(), srv.URL+"/bank/authorise?session=nope")
	assert.Error(t, err)
	// a consent revoked while the user is at the bank cannot be approved
	u = reauthURL(t, srv, c.Token)
	srv.Revoke(c.ID)
	_, err = srv.Approve(context.Background(), u)
	assert.Error(t, err)
	snap, _ = srv.Consent(c.ID)
	assert.Equal(t, yapilytest.StatusRevoked, snap.Status)
	assert.False(t, srv.SetStatus("missing", "X"))
	assert.True(t, srv.Expire(c.ID))
}

func TestSignWebhook(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
	assert.Equal(t, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		yapilytest.SignWebhook("key", []byte("The quick brown fox jumps over the lazy dog")))
	r, err := yapilytest.NewWebhookRequest(context.Background(), "http://x/h", "key", []byte("{}"))
	require.NoError(t, err)
	assert.Equal(t, yapilytest.SignWebhook("key", []byte("{}")), r.Header.Get(yapilytest.SignatureHeader))
	assert.Equal(t, "GET /consents/a%2Fb", yapilytest.RouteConsent("GET", "a/b"))
	assert.Equal(t, "POST /consents/a/extend", yapilytest.RouteConsent("POST", "a"))
}

func TestBankPageIsAnHTMLForm(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.AddConsent(yapilytest.ConsentSpec{})
	u := reauthURL(t, srv, c.Token)
	resp, err := srv.Client().Get(u)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	for _, want := range []string{`<form method="post"`, `id="approve" name="decision" value="approve"`, `id="deny" name="decision" value="deny"`} {
		assert.Contains(t, string(page), want)
	}
	snap, _ := srv.Consent(c.ID)
	assert.Equal(t, yapilytest.StatusAwaitingReAuthorization, snap.Status, "showing the page decides nothing")

	// A browser's form post: 303 to the callback.
	session := regexp.MustCompile(`name="session" value="([^"]+)"`).FindStringSubmatch(string(page))[1]
	hc := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = hc.PostForm(srv.URL+"/bank/authorise", url.Values{"session": {session}, "decision": {"approve"}})
	require.NoError(t, err)
	resp.Body.Close()
	hc.CloseIdleConnections()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	assert.Equal(t, c.Token, loc.Query().Get("consent"))
	assert.True(t, strings.HasPrefix(loc.String(), yapilytest.DefaultCallback+"?"))
}

func TestOwnLicenceAuthCode(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired, Redirect: "https://tpp.example/redirect"})
	cb, err := srv.Approve(context.Background(), reauthURL(t, srv, c.Token))
	require.NoError(t, err)
	require.NotEmpty(t, cb.Get("code"))
	assert.Empty(t, cb.Get("consent"))
	snap, _ := srv.Consent(c.ID)
	assert.Equal(t, yapilytest.StatusAwaitingReAuthorization, snap.Status, "not authorised before the exchange")
	status, _ := do(t, srv, http.MethodPost, "/consent-auth-code", nil, `{"authCode":"`+cb.Get("code")+`","authState":"wrong"}`, true)
	assert.Equal(t, 400, status, "wrong state spends the code")
	cb, err = srv.Approve(context.Background(), reauthURL(t, srv, c.Token))
	require.NoError(t, err)
	exchange := `{"authCode":"` + cb.Get("code") + `","authState":"` + cb.Get("state") + `"}`
	status, body := do(t, srv, http.MethodPost, "/consent-auth-code", nil, exchange, true)
	require.Equal(t, 200, status)
	assert.Equal(t, yapilytest.StatusAuthorized, body["status"], "a bare Consent")
	assert.Equal(t, c.Token, body["consentToken"])
	status, _ = do(t, srv, http.MethodPost, "/consent-auth-code", nil, exchange, true)
	assert.Equal(t, 400, status, "a code is spent once")
}

func TestOneTimeToken(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired, OneTimeToken: true})
	cb, err := srv.Approve(context.Background(), reauthURL(t, srv, c.Token))
	require.NoError(t, err)
	ott := cb.Get(yapilytest.CallbackOneTimeToken)
	require.NotEmpty(t, ott)
	assert.Empty(t, cb.Get("consent"))
	status, body := do(t, srv, http.MethodPost, "/consent-one-time-token", nil, `{"oneTimeToken":"`+ott+`"}`, true)
	require.Equal(t, 201, status)
	assert.Equal(t, c.Token, body["consentToken"])
	status, _ = do(t, srv, http.MethodPost, "/consent-one-time-token", nil, `{"oneTimeToken":"`+ott+`"}`, true)
	assert.Equal(t, 400, status)
}

func TestListConsentsAndAccounts(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	var expired []string
	for i := 0; i < 5; i++ {
		c := srv.AddConsent(yapilytest.ConsentSpec{})
		if i%2 == 0 {
			srv.Expire(c.ID)
			expired = append(expired, c.ID)
		}
	}
	status, _ := do(t, srv, http.MethodGet, "/consents", nil, "", true)
	assert.Equal(t, 400, status, "a filter or limit is required")
	status, body := do(t, srv, http.MethodGet, "/consents?filter[status]=EXPIRED&limit=2&offset=0", nil, "", true)
	require.Equal(t, 200, status)
	assert.Len(t, body["data"], 2)
	assert.EqualValues(t, 3, body["meta"].(map[string]any)["pagination"].(map[string]any)["totalCount"])
	_, body = do(t, srv, http.MethodGet, "/consents?filter[status]=EXPIRED&limit=2&offset=2", nil, "", true)
	require.Len(t, body["data"], 1)
	assert.Equal(t, expired[2], body["data"].([]any)[0].(map[string]any)["id"])

	good := srv.AddConsent(yapilytest.ConsentSpec{})
	status, _ = do(t, srv, http.MethodGet, "/accounts", map[string]string{"consent": good.Token}, "", true)
	assert.Equal(t, 200, status)
	srv.RequireReauth(good.ID)
	status, body = do(t, srv, http.MethodGet, "/accounts", map[string]string{"consent": good.Token}, "", true)
	assert.Equal(t, 401, status)
	assert.Equal(t, "INSTITUTION", body["error"].(map[string]any)["source"])
	srv.Expire(good.ID)
	status, _ = do(t, srv, http.MethodGet, "/accounts", map[string]string{"consent": good.Token}, "", true)
	assert.Equal(t, 403, status)
}

func TestDeliverWebhook(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer(yapilytest.WithWebhookSecret("whsec-test-1234"))
	t.Cleanup(srv.Close)
	got := make(chan string, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get(yapilytest.SignatureHeader) == yapilytest.SignWebhook("whsec-test-1234", b) {
			got <- string(b)
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(recv.Close)
	status, err := srv.DeliverWebhook(context.Background(), recv.URL, []byte(`{"type":"x"}`))
	require.NoError(t, err)
	assert.Equal(t, 204, status)
	assert.Equal(t, `{"type":"x"}`, <-got)
}

// reauthURL re-authorises the consent of token and returns the bank URL.
func reauthURL(t *testing.T, srv *yapilytest.Server, token string) string {
	t.Helper()
	status, body := do(t, srv, http.MethodPatch, "/account-auth-requests", map[string]string{"consent": token}, "", true)
	require.Equal(t, 201, status)
	return body["data"].(map[string]any)["authorisationUrl"].(string)
}
