package yapilytest_test

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
	assert.Equal(t, now, snap.AuthorizedAt)
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
	_, body := do(t, srv, http.MethodPatch, "/account-auth-requests", map[string]string{"consent": c.Token}, "", true)
	u := body["data"].(map[string]any)["authorisationUrl"].(string)
	cb, err := srv.Deny(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "access_denied", cb.Get("error"))
	assert.Empty(t, cb.Get("consent"))
	snap, _ := srv.Consent(c.ID)
	assert.Equal(t, yapilytest.StatusRejected, snap.Status)
	_, err = srv.Approve(context.Background(), srv.URL+"/bank/authorise?session=nope")
	assert.Error(t, err)
	// a consent revoked while the user is at the bank cannot be approved
	_, body = do(t, srv, http.MethodPatch, "/account-auth-requests", map[string]string{"consent": c.Token}, "", true)
	u = body["data"].(map[string]any)["authorisationUrl"].(string)
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
