package finchtest_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch/finchtest"
)

// reauthSession opens a re-authentication session over HTTP and returns
// its connect_url.
func reauthSession(t *testing.T, srv *finchtest.Server, connID string) string {
	t.Helper()
	a := call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic(finchtest.ClientID, finchtest.ClientSecret),
		`{"connection_id":"`+connID+`","redirect_uri":"https://app.example/cb"}`)
	require.Equal(t, http.StatusCreated, a.status)
	return a.body["connect_url"].(string)
}

// TestConnectPageIsARealForm: the Connect page is HTML a browser can
// submit: one POST form with approve and deny buttons named decision, and
// posting it redirects (303) to the application with the callback query.
func TestConnectPageIsARealForm(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)
	page := reauthSession(t, srv, conn.ID) + "&state=st%3C1"

	resp, err := srv.Client().Get(page)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	html := string(body)
	assert.Contains(t, html, `<form method="post" action="/authorize">`)
	assert.Contains(t, html, `<button type="submit" id="approve" name="decision" value="approve">`)
	assert.Contains(t, html, `<button type="submit" id="deny" name="decision" value="deny">`)
	assert.Contains(t, html, `name="state" value="st&lt;1"`, "state is escaped, not injected")
	assert.Equal(t, 0, strings.Count(html, "<script"), "no JavaScript needed")

	// A browser's POST of the form.
	hc := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer hc.CloseIdleConnections()
	sessID, _ := url.Parse(page)
	form := url.Values{"session": {sessID.Query().Get("session")}, "state": {"st<1"}, "decision": {"approve"}}
	resp, err = hc.PostForm(srv.URL+"/authorize", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	assert.Equal(t, "app.example", loc.Host)
	assert.Equal(t, "st<1", loc.Query().Get("state"))
	assert.NotEmpty(t, loc.Query().Get("code"))
	got, _ := srv.Connection(conn.ID)
	assert.Equal(t, finchtest.StatusConnected, got.Status)

	// A decision that is neither button is refused; the old parameter
	// name does nothing.
	form.Set("decision", "maybe")
	resp, err = hc.PostForm(srv.URL+"/authorize", form)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, err = hc.Get(page + "&sim_decision=deny")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "sim_decision is not a decision: the page is shown")
	resp, err = hc.Get(page + "&decision=deny")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "decision in the query is taken")
}

// TestApproveAndDenySubmitThePage: the Go helpers go through the page and
// its form (the request log shows GET then POST /authorize).
func TestApproveAndDenySubmitThePage(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	page := reauthSession(t, srv, conn.ID) + "&state=s1"
	ctx := context.Background()
	srv.ResetLog()
	cb, err := srv.Approve(ctx, page)
	require.NoError(t, err)
	assert.Equal(t, "s1", cb.Get("state"))
	assert.NotEmpty(t, cb.Get("code"))
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "GET /authorize", reqs[0].Method+" "+reqs[0].Path)
	assert.Equal(t, "POST /authorize", reqs[1].Method+" "+reqs[1].Path)
	assert.Contains(t, string(reqs[1].Body), "decision=approve")

	cb, err = srv.Deny(ctx, page)
	require.NoError(t, err)
	assert.Equal(t, "access_denied", cb.Get("error"))
	assert.Equal(t, "s1", cb.Get("state"))
	assert.Empty(t, cb.Get("code"))
}

func TestDirectoryDisconnectAndNewSessions(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	a := call(t, srv, http.MethodGet, "/employer/directory", bearer(conn.AccessToken), "")
	require.Equal(t, http.StatusOK, a.status)
	assert.Len(t, a.body["individuals"], 2)
	assert.Equal(t, float64(2), a.body["paging"].(map[string]any)["count"])

	// The sandbox knob breaks the directory the documented way.
	require.Equal(t, 200, call(t, srv, http.MethodPut, "/sandbox/connections/accounts", bearer(conn.AccessToken), `{"connection_status":"reauth"}`).status)
	a = call(t, srv, http.MethodGet, "/employer/directory", bearer(conn.AccessToken), "")
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "reauthenticate_user", a.body["finch_code"])
	for status, want := range map[string][3]any{
		finchtest.StatusErrorNoAccountSetup: {401, "authentication_error", "account_setup_required"},
		finchtest.StatusErrorPermissions:    {403, "error_permissions", "insufficient_account_permissions"},
		finchtest.StatusPending:             {202, "accepted", "data_sync_in_progress"},
	} {
		srv.SetStatus(conn.ID, status)
		a = call(t, srv, http.MethodGet, "/employer/directory", bearer(conn.AccessToken), "")
		assert.Equal(t, want[0], a.status, status)
		assert.Equal(t, want[1], a.body["name"], status)
		assert.Equal(t, want[2], a.body["finch_code"], status)
	}

	a = call(t, srv, http.MethodPost, "/disconnect", bearer(conn.AccessToken), "")
	require.Equal(t, 200, a.status)
	assert.Equal(t, "success", a.body["status"])
	a = call(t, srv, http.MethodGet, "/employer/directory", bearer(conn.AccessToken), "")
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "invalid_token_error", a.body["name"])

	creds := basic(finchtest.ClientID, finchtest.ClientSecret)
	assert.Equal(t, 401, call(t, srv, http.MethodPost, "/connect/sessions", basic(finchtest.ClientID, "wrong"), `{}`).status)
	assert.Equal(t, 400, call(t, srv, http.MethodPost, "/connect/sessions", creds, `{"customer_name":"A","products":["company"]}`).status)
	assert.Equal(t, 400, call(t, srv, http.MethodPost, "/connect/sessions", creds, `{"customer_id":"c","customer_name":"A"}`).status)
	a = call(t, srv, http.MethodPost, "/connect/sessions", creds, `{"customer_id":"c","customer_name":"A","products":["company"],"integration":{"provider":"adp_run"}}`)
	require.Equal(t, 201, a.status)
	cb, err := srv.Approve(context.Background(), a.body["connect_url"].(string))
	require.NoError(t, err)
	assert.NotEmpty(t, cb.Get("code"))
}
