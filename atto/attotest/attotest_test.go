package attotest_test

import (
	"context"
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

	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, opts ...attotest.Option) (*attotest.Server, *http.Client) {
	srv := attotest.NewServer(opts...)
	t.Cleanup(srv.Close)
	hc := srv.Client()
	return srv, hc
}

func fetchToken(t *testing.T, srv *attotest.Server, hc *http.Client, id, secret, scope string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {scope}}
	resp, err := hc.PostForm(srv.APIURL()+"/v1/oauth2/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func get(t *testing.T, hc *http.Client, u, tok string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t, attotest.WithTokenLifetime(30*time.Minute))
	status, out := fetchToken(t, srv, hc, srv.ClientID(), "wrong", "api:consent")
	assert.Equal(t, 401, status)
	assert.Equal(t, "unauthorised_client", out["Code"])
	status, out = fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:nope")
	assert.Equal(t, 400, status)
	assert.Equal(t, "parameters_invalid", out["Code"])
	status, out = fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:consent")
	assert.Equal(t, 200, status)
	assert.NotEmpty(t, out["access_token"])
	assert.EqualValues(t, 1800, out["expires_in"])
	assert.Equal(t, 1, srv.TokenFetches())
	assert.Equal(t, []string{out["access_token"].(string)}, srv.IssuedTokens())

	srv2, hc2 := newServer(t, attotest.WithCamelCaseTokens(), attotest.WithClientCredentials("me", "my-secret-123456"))
	status, out = fetchToken(t, srv2, hc2, "me", "my-secret-123456", "api:consent")
	assert.Equal(t, 200, status)
	assert.NotEmpty(t, out["accessToken"])
	assert.EqualValues(t, 3600, out["expiresIn"])
}

func TestConsentEndpointsNeedAValidToken(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	srv, hc := newServer(t, attotest.WithClock(clock))
	id := srv.NewConsent(attotest.StatusExpired)
	status, _ := get(t, hc, srv.APIURL()+"/consents/v1/"+id, "")
	assert.Equal(t, 401, status)
	_, out := fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:consent")
	tok := out["access_token"].(string)
	status, b := get(t, hc, srv.APIURL()+"/consents/v1/"+id, tok)
	require.Equal(t, 200, status)
	var c map[string]any
	require.NoError(t, json.Unmarshal(b, &c))
	assert.Equal(t, "Expired", c["consentStatus"])
	assert.Nil(t, c["journeyType"])
	status, _ = get(t, hc, srv.APIURL()+"/consents/v1/missing", tok)
	assert.Equal(t, 404, status)
	status, b = get(t, hc, srv.APIURL()+"/consents/v1?consentStatus=Expired&limit=1", tok)
	require.Equal(t, 200, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(b, &list))
	assert.Len(t, list, 1)
	srv.RevokeTokens()
	status, _ = get(t, hc, srv.APIURL()+"/consents/v1/"+id, tok)
	assert.Equal(t, 401, status)
	// Data-scope tokens do not open the Consent API.
	_, out = fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:stored_data")
	status, _ = get(t, hc, srv.APIURL()+"/consents/v1/"+id, out["access_token"].(string))
	assert.Equal(t, 401, status)
}

func link(t *testing.T, srv *attotest.Server, hc *http.Client, id string) string {
	_, out := fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:consent")
	return srv.ConnectURL() + "?consent_id=" + id + "#access_token=" + out["access_token"].(string)
}

func TestSimulatedUser(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t, attotest.WithCallbackURL("https://app.example/cb?app=1"))
	id := srv.AddConsent(attotest.Consent{Status: attotest.StatusExpired, CustomerReference: "cust-9"})
	ctx := context.Background()

	cb, err := srv.Deny(ctx, link(t, srv, hc, id))
	require.NoError(t, err)
	assert.Equal(t, "1", cb.Get("app"))
	assert.Equal(t, "error", cb.Get("state"))
	assert.Equal(t, "access_denied", cb.Get("error"))
	assert.Equal(t, "cust-9", cb.Get("customer_ref"))
	c, _ := srv.Consent(id)
	assert.Equal(t, attotest.StatusExpired, c.Status)

	cb, err = srv.Approve(ctx, link(t, srv, hc, id))
	require.NoError(t, err)
	assert.Equal(t, "success", cb.Get("state"))
	assert.Equal(t, id, cb.Get("consent_id"))
	c, _ = srv.Consent(id)
	assert.Equal(t, attotest.StatusActive, c.Status)
	assert.Equal(t, "Reauthentication", c.JourneyType)
	assert.True(t, c.End.After(time.Now().Add(80*24*time.Hour)))

	notes := srv.Notifications()
	require.Len(t, notes, 2)
	assert.Equal(t, "Consent", notes[1].EventType)
	assert.Equal(t, "Reauthentication", notes[1].ConsentJourney)
	assert.Equal(t, id, notes[1].ConsentID)

	// A link with a bad token, or pointing elsewhere, does not work.
	_, err = srv.Approve(ctx, srv.ConnectURL()+"?consent_id="+id+"#access_token=forged")
	assert.ErrorContains(t, err, "401")
	_, err = srv.Approve(ctx, "https://connect.atto.co?consent_id="+id)
	assert.Error(t, err)

	// The Connect page is served (a browser would run its script).
	status, b := get(t, hc, srv.ConnectURL()+"?consent_id="+url.QueryEscape(`<x>`), "")
	assert.Equal(t, 200, status)
	assert.Contains(t, string(b), "&lt;x&gt;")
}

func TestRefreshAnswers(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t)
	_, out := fetchToken(t, srv, hc, srv.ClientID(), srv.ClientSecret(), "api:stored_data")
	tok := out["access_token"].(string)
	post := func(id string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.APIURL()+"/stored-data/v1/consents/"+id+"/refresh", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	id := srv.NewConsent(attotest.StatusActive)
	status, _ := post(id)
	assert.Equal(t, 200, status)
	srv.ExpireConsent(id)
	status, b := post(id)
	assert.Equal(t, 403, status)
	assert.Contains(t, b, "consent_expired")
	srv.SetConsentStatus(id, attotest.StatusRevoked)
	status, b = post(id)
	assert.Equal(t, 403, status)
	assert.Contains(t, b, `"statusCode":403`)
}

func TestWebhookRequestHelpers(t *testing.T) {
	t.Parallel()
	body := attotest.NotificationBody(attotest.Notification{ID: "e1", EventType: "Consent", ConsentID: "c1", OccurredAt: time.Unix(0, 0)})
	assert.Contains(t, string(body), `"consentId":"c1"`)
	r, err := attotest.NewWebhookRequest(context.Background(), "https://app.example/hook", body, "X-Secret", "s3cret-value")
	require.NoError(t, err)
	assert.Equal(t, "s3cret-value", r.Header.Get("X-Secret"))
	got, _ := io.ReadAll(r.Body)
	assert.Equal(t, body, got)
	r, err = attotest.NewBasicWebhookRequest(context.Background(), "https://app.example/hook", body, "u", "p")
	require.NoError(t, err)
	u, p, ok := r.BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "u:p", u+":"+p)
	_, err = attotest.NewWebhookRequest(context.Background(), "://bad", body, "X", "y")
	assert.True(t, err != nil && strings.HasPrefix(err.Error(), "attotest:"))
}

func TestFaultKnobsAreUsableFromOutside(t *testing.T) {
	t.Parallel()
	srv, hc := newServer(t)
	srv.Inject("POST /v1/oauth2/token", 1, sim.Fault{Kind: sim.FaultStatus, Status: 503, RetryAfter: "2"})
	resp, err := hc.PostForm(srv.APIURL()+"/v1/oauth2/token", url.Values{})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	log := srv.Requests()
	require.Len(t, log, 1)
	assert.Equal(t, sim.FaultStatus, log[0].Fault)
	assert.Equal(t, 1, srv.Count("POST /v1/oauth2/token"))
	assert.GreaterOrEqual(t, srv.Connections(), 1)
}
