package attotest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto/attotest"
)

// Issue 17: the Connect page is real HTML, a form with approve and deny
// buttons; posting it redirects (303) to the application's callback.
func TestConnectPageIsARealForm(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t)
	id := srv.NewConsent(attotest.StatusExpired)
	l := link(t, srv, hc, id)
	resp, err := hc.Get(l)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	status, page := get(t, hc, l, "")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`<form method="post" action="/connect">`,
		`<button type="submit" id="approve" name="decision" value="approve">`,
		`<button type="submit" id="deny" name="decision" value="deny">`,
		`<input type="hidden" name="consent_id" value="` + id + `">`,
	} {
		assert.Contains(t, string(page), want)
	}

	// What a browser posts after the page's script filled the token.
	tok := strings.TrimPrefix(l[strings.Index(l, "#"):], "#access_token=")
	noFollow := &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(form url.Values) *http.Response {
		resp, err := noFollow.PostForm(srv.ConnectURL(), form)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	resp = post(url.Values{"consent_id": {id}, "access_token": {tok}, "decision": {"approve"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	assert.Equal(t, "success", loc.Query().Get("state"))
	assert.Equal(t, id, loc.Query().Get("consent_id"))
	assert.True(t, strings.HasPrefix(loc.String(), attotest.DefaultCallbackURL+"?"))

	resp = post(url.Values{"consent_id": {id}, "access_token": {"forged"}, "decision": {"approve"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = post(url.Values{"consent_id": {"nope"}, "access_token": {tok}, "decision": {"deny"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	status, _ = get(t, hc, srv.ConnectURL(), "")
	assert.Equal(t, http.StatusBadRequest, status)
}

// Issue 13: re-authenticating an Active consent keeps it Active with its
// statusUpdated; consentEnd moves forward.
func TestRenewingAnActiveConsent(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t)
	id := srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(48 * time.Hour)})
	before, _ := srv.Consent(id)
	_, err := srv.Approve(context.Background(), link(t, srv, hc, id))
	require.NoError(t, err)
	after, _ := srv.Consent(id)
	assert.Equal(t, attotest.StatusActive, after.Status)
	assert.Equal(t, before.StatusUpdated, after.StatusUpdated)
	assert.Equal(t, before.Start, after.Start)
	assert.True(t, after.End.After(before.End.Add(80*24*time.Hour)))
	assert.Equal(t, "Reauthentication", after.JourneyType)
}

// Issue 15: the Bank Data read fails Atto's way once the consent is broken.
func TestDataRead(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t)
	_, out := fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:data")
	tok := out["access_token"].(string)
	_, out = fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:consent")
	wrongScope := out["access_token"].(string)
	accounts := func(id string) string { return srv.APIURL() + "/data/v2/consents/" + id + "/accounts" }

	id := srv.NewConsent(attotest.StatusActive)
	status, b := get(t, hc, accounts(id), tok)
	assert.Equal(t, 200, status)
	assert.Contains(t, string(b), `"accounts":[`)
	status, _ = get(t, hc, accounts(id), wrongScope)
	assert.Equal(t, 401, status)
	status, b = get(t, hc, accounts("missing"), tok)
	assert.Equal(t, 404, status)
	assert.Contains(t, string(b), "consent_not_found")

	for status, code := range map[string]string{
		attotest.StatusExpired: "consent_expired", attotest.StatusRevoked: "consent_revoked",
		attotest.StatusPending: "consent_denied", attotest.StatusFailed: "consent_denied",
	} {
		srv.SetConsentStatus(id, status)
		got, b := get(t, hc, accounts(id), tok)
		assert.Equal(t, 403, got, status)
		assert.Contains(t, string(b), `"Code":"`+code+`"`, status)
	}
	// Active but past consentEnd: expired.
	srv.SetConsentStatus(id, attotest.StatusActive)
	srv.SetConsentEnd(id, time.Now().Add(-time.Minute))
	_, b = get(t, hc, accounts(id), tok)
	assert.Contains(t, string(b), "consent_expired")
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(app.Close)
	body := []byte(`{"consentId":"c1"}`)

	srv, _ := newServer(t)
	r, err := srv.WebhookRequest(t.Context(), app.URL, body)
	require.NoError(t, err)
	assert.Equal(t, attotest.DefaultWebhookSecret, r.Header.Get(attotest.DefaultWebhookHeader))
	status, err := srv.DeliverWebhook(t.Context(), app.URL, body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, status)
	assert.Equal(t, attotest.DefaultWebhookSecret, (<-got).Get(attotest.DefaultWebhookHeader))

	basic, _ := newServer(t, attotest.WithWebhookBasicAuth("hooks", "basic-password-1"))
	r, err = basic.WebhookRequest(t.Context(), app.URL, body)
	require.NoError(t, err)
	u, p, ok := r.BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "hooks:basic-password-1", u+":"+p)
	assert.Empty(t, r.Header.Get(attotest.DefaultWebhookHeader))

	custom, _ := newServer(t, attotest.WithWebhookHeader("X-Mine", "mine-secret-value"))
	r, err = custom.WebhookRequest(t.Context(), app.URL, body)
	require.NoError(t, err)
	assert.Equal(t, "mine-secret-value", r.Header.Get("X-Mine"))
	_, err = custom.DeliverWebhook(t.Context(), "://bad", body)
	assert.Error(t, err)
}
