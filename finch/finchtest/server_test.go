package finchtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/finch/finchtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type answer struct {
	status int
	body   map[string]any
}

func call(t *testing.T, srv *finchtest.Server, method, path string, hdr map[string]string, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Finch-API-Version", finchtest.APIVersion)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	assert.NotEmpty(t, resp.Header.Get("Finch-Request-Id"))
	return answer{resp.StatusCode, m}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func basic(id, secret string) map[string]string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(id, secret)
	return map[string]string{"Authorization": r.Header.Get("Authorization")}
}

func TestVersionHeaderIsRequired(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	a := call(t, srv, http.MethodGet, "/introspect", map[string]string{"Authorization": "Bearer " + conn.AccessToken, "Finch-API-Version": ""}, "")
	assert.Equal(t, 400, a.status)
	assert.Equal(t, "invalid_request", a.body["finch_code"])
	a = call(t, srv, http.MethodGet, "/nowhere", nil, "")
	assert.Equal(t, 404, a.status)
}

func TestDataCallsFollowTheConnectionStatus(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	assert.Equal(t, 200, call(t, srv, http.MethodGet, "/employer/company", bearer(conn.AccessToken), "").status)
	assert.True(t, srv.TokenWorks(conn.AccessToken))
	require.True(t, srv.RequireReauth(conn.ID))
	a := call(t, srv, http.MethodGet, "/employer/company", bearer(conn.AccessToken), "")
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "reauthenticate_user", a.body["finch_code"])
	assert.Equal(t, "authentication_error", a.body["name"])
	assert.False(t, srv.TokenWorks(conn.AccessToken))
	a = call(t, srv, http.MethodGet, "/introspect", bearer(conn.AccessToken), "")
	assert.Equal(t, 200, a.status)
	assert.Equal(t, "reauth", a.body["connection_status"].(map[string]any)["status"])
	assert.Equal(t, 401, call(t, srv, http.MethodGet, "/employer/company", bearer("nope"), "").status)
	assert.Equal(t, 401, call(t, srv, http.MethodGet, "/employer/company", nil, "").status)
	assert.False(t, srv.SetStatus("missing", "reauth"))
}

func TestSessionsAndCodes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := finchtest.NewServer(finchtest.WithClock(clock), finchtest.WithCredentials("id", "secret"))
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)
	ctx := context.Background()

	assert.Equal(t, 401, call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic("id", "wrong"), `{"connection_id":"`+conn.ID+`"}`).status)
	assert.Equal(t, 400, call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic("id", "secret"), `{}`).status)
	assert.Equal(t, 400, call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic("id", "secret"), `{"connection_id":"`+conn.ID+`","minutes_to_expire":0}`).status)
	assert.Equal(t, 404, call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic("id", "secret"), `{"connection_id":"x"}`).status)
	a := call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic("id", "secret"),
		`{"connection_id":"`+conn.ID+`","minutes_to_expire":10,"redirect_uri":"https://app.example/cb"}`)
	require.Equal(t, 201, a.status)
	connectURL := a.body["connect_url"].(string)
	assert.Contains(t, connectURL, "session="+a.body["session_id"].(string))

	cb, err := srv.Approve(ctx, connectURL+"&state=s1")
	require.NoError(t, err)
	assert.Equal(t, "s1", cb.Get("state"))
	code := cb.Get("code")
	require.NotEmpty(t, code)
	got, _ := srv.Connection(conn.ID)
	assert.Equal(t, finchtest.StatusConnected, got.Status)

	tokenBody := func(secret, code, redirect string) string {
		b, _ := json.Marshal(map[string]string{"client_id": "id", "client_secret": secret, "code": code, "redirect_uri": redirect})
		return string(b)
	}
	assert.Equal(t, 401, call(t, srv, http.MethodPost, "/auth/token", nil, tokenBody("wrong", code, "")).status)
	assert.Equal(t, 400, call(t, srv, http.MethodPost, "/auth/token", nil, tokenBody("secret", code, "https://other.example/cb")).status)
	a = call(t, srv, http.MethodPost, "/auth/token", nil, tokenBody("secret", code, "https://app.example/cb"))
	require.Equal(t, 200, a.status)
	assert.Equal(t, conn.ID, a.body["connection_id"])
	newTok := a.body["access_token"].(string)
	assert.True(t, srv.TokenWorks(newTok))
	a = call(t, srv, http.MethodPost, "/auth/token", nil, tokenBody("secret", code, ""))
	assert.Equal(t, 400, a.status, "a code works once")
	assert.Equal(t, "invalid_grant_error", a.body["name"])

	// Codes expire.
	cb, err = srv.Approve(ctx, connectURL)
	require.NoError(t, err)
	now = now.Add(finchtest.CodeTTL)
	assert.Equal(t, 400, call(t, srv, http.MethodPost, "/auth/token", nil, tokenBody("secret", cb.Get("code"), "")).status)
	// Sessions expire.
	_, err = srv.Approve(ctx, connectURL)
	assert.ErrorContains(t, err, "410")

	// Denial and a new connection.
	a = call(t, srv, http.MethodPost, "/connect/sessions/reauthenticate", basic("id", "secret"), `{"connection_id":"`+conn.ID+`"}`)
	connectURL = a.body["connect_url"].(string)
	cb, err = srv.Deny(ctx, connectURL)
	require.NoError(t, err)
	assert.Equal(t, "access_denied", cb.Get("error"))
	assert.Empty(t, cb.Get("code"))
	cb, err = srv.ApproveNewConnection(ctx, connectURL)
	require.NoError(t, err)
	a = call(t, srv, http.MethodPost, "/auth/token", nil, tokenBody("secret", cb.Get("code"), ""))
	require.Equal(t, 200, a.status)
	assert.NotEqual(t, conn.ID, a.body["connection_id"])
	_, err = srv.Approve(ctx, srv.URL+"/authorize?session=unknown")
	assert.Error(t, err)
}

func TestSandboxEndpoint(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	assert.Equal(t, 400, call(t, srv, http.MethodPut, "/sandbox/connections/accounts", bearer(conn.AccessToken), `{}`).status)
	assert.Equal(t, 200, call(t, srv, http.MethodPut, "/sandbox/connections/accounts", bearer(conn.AccessToken), `{"connection_status":"reauth"}`).status)
	got, ok := srv.Connection(conn.ID)
	require.True(t, ok)
	assert.Equal(t, "reauth", got.Status)
}

func TestSignMatchesFinchsVector(t *testing.T) {
	body := []byte(`{"company_id":"720be419-0293-4d32-a707-32179b0827ab"}`)
	sig, err := finchtest.Sign("5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH", "msg_2Lh9KRb0pzN4LePd3XiA4v12Axj", time.Unix(1676312382, 0), body)
	require.NoError(t, err)
	assert.Equal(t, "v1,m7y0TV2C+hlHxU42wCieApTSTaA8/047OAplBqxIV/s=", sig)
	_, err = finchtest.Sign("%%%", "id", time.Now(), body)
	assert.Error(t, err)

	p, err := finchtest.GenerateTestSignedPayload(finchtest.WebhookSecret, time.Unix(1676312382, 0), body)
	require.NoError(t, err)
	h := p.Header()
	assert.Equal(t, "1676312382", h.Get("Finch-Timestamp"))
	assert.True(t, strings.HasPrefix(h.Get("Finch-Event-Id"), "msg_"))
	assert.True(t, bytes.Equal(body, p.Body))
}

func TestDeliver(t *testing.T) {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	var got http.Header
	var gotBody []byte
	rcv := newReceiver(t, func(r *http.Request, b []byte) { got, gotBody = r.Header.Clone(), b })
	status, err := srv.DeliverWebhook(context.Background(), rcv, srv.AccountUpdated(conn.ID, "reauth"))
	require.NoError(t, err)
	assert.Equal(t, 204, status)
	ts, err := strconv.ParseInt(got.Get("Finch-Timestamp"), 10, 64)
	require.NoError(t, err)
	want, err := finchtest.Sign(finchtest.WebhookSecret, got.Get("Finch-Event-Id"), time.Unix(ts, 0), gotBody)
	require.NoError(t, err)
	assert.Equal(t, want, got.Get("Finch-Signature"))
	var ev map[string]any
	require.NoError(t, json.Unmarshal(gotBody, &ev))
	assert.Equal(t, "account.updated", ev["event_type"])
	assert.Equal(t, conn.ID, ev["connection_id"])
	assert.Equal(t, "reauth", ev["data"].(map[string]any)["status"])
	assert.True(t, strings.HasPrefix(got.Get("Finch-Signature"), "v1,"))
}
