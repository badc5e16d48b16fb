package atto_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// leakSecrets are recognisable values that must never be shown.
var leakSecrets = []string{testClientSecret, testToken, testToken2, testDataToken, hookSecret, hookPass}

// leakScenario runs every error path of the package with c (whose HTTP
// goes to mt) and returns every value and error it produced.
func leakScenario(t *testing.T, c *atto.Client, mt *httpmock.MockTransport) []any {
	ctx := t.Context()
	var out []any
	keep := func(vs ...any) { out = append(out, vs...) }
	route := func(method, path string, r httpmock.Responder) {
		mt.RegisterResponder(method, apiBase+path, r)
	}
	// echo answers like a server that echoes what it was sent: the client
	// secret and the request's bearer token.
	echo := " (echo " + testClientSecret + ")"
	echoing := func(status int, body string) httpmock.Responder {
		return func(req *http.Request) (*http.Response, error) {
			tok := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
			return jsonResponse(status, strings.ReplaceAll(body, "$TOKEN", tok)), nil
		}
	}

	// Token endpoint failures, each echoing secrets back.
	for _, r := range []httpmock.Responder{
		jsonResponder(401, `{"Code":"unauthorised_client","Description":"bad secret`+echo+`","Details":"`+testClientSecret+`"}`),
		jsonResponder(500, `{"statusCode":500,"message":"boom`+echo+`"}`),
		jsonResponder(200, `{"access_token":"`+testToken+`"`), // truncated JSON holding a token
		jsonResponder(200, `{"token_type":"`+testToken+`"}`),
		httpmock.NewErrorResponder(errors.New("dial tcp: refused" + echo)),
		jsonResponder(429, `{"statusCode":429,"message":"slow down`+echo+`"}`).HeaderSet(http.Header{"Retry-After": {"3600"}}),
	} {
		route(http.MethodPost, "/v1/oauth2/token", r)
		flow, err := c.Begin(ctx, reauth.Request{ConnectionID: testConsentID})
		keep(flow, err)
		link, err := c.ReauthLink(ctx, testConsentID)
		keep(link, err)
	}

	// Successful token; the Consent API fails in every way.
	route(http.MethodPost, "/v1/oauth2/token", func(req *http.Request) (*http.Response, error) {
		_ = req.ParseForm()
		if req.PostForm.Get("scope") == atto.ScopeStoredData {
			return jsonResponse(200, snakeToken(testDataToken)), nil
		}
		return jsonResponse(200, snakeToken(testToken)), nil
	})
	for _, r := range []httpmock.Responder{
		echoing(401, `{"Code":"unauthorised_client","Description":"token $TOKEN refused"}`),
		echoing(403, `{"Code":"consent_expired","Description":"expired $TOKEN`+echo+`","CorrelationId":"x"}`),
		echoing(403, `{"statusCode":403,"message":"The consent has been revoked $TOKEN`+echo+`"}`),
		echoing(404, `{"Code":"consent_not_found","Details":"token $TOKEN"}`),
		echoing(404, `{"Code":"consent_not_found","Details":{"token":"$TOKEN"}}`),
		echoing(200, `{"consentId":$TOKEN}`),
		httpmock.NewStringResponder(502, `<html>`+testToken+`</html>`),
	} {
		route(http.MethodGet, "/consents/v1/"+testConsentID, r)
		route(http.MethodGet, "/consents/v1", r)
		route(http.MethodPost, "/consents/v1/"+testConsentID+"/revoke", r)
		route(http.MethodPost, "/stored-data/v1/consents/"+testConsentID+"/refresh", r)
		consent, err := c.GetConsent(ctx, testConsentID)
		keep(consent, err)
		list, err := c.ListConsents(ctx, atto.ListConsentsParams{CustomerReference: "x"})
		keep(list, err)
		keep(c.RevokeConsent(ctx, testConsentID))
		res, err := c.RefreshStoredData(ctx, testConsentID)
		keep(res, err)
		h, err := c.Inspect(ctx, reauth.Request{ConnectionID: testConsentID})
		keep(h, err)
		for h, err := range c.InspectAll(ctx) {
			keep(h, err)
		}
	}

	// Begin succeeds; Continue's refusals.
	route(http.MethodGet, "/consents/v1/"+testConsentID, jsonResponder(200, consentJSON))
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: testConsentID, State: "STATE-" + testToken2})
	require.NoError(t, err)
	require.Contains(t, flow.URL, testToken)
	keep(flow, *flow)
	link, err := c.ReauthLink(ctx, testConsentID)
	require.NoError(t, err)
	keep(link, *link)
	for _, cb := range []url.Values{
		{"state": {"success"}, "consent_id": {testToken}},
		{"state": {"error"}, "error": {"access_denied"}, "error_description": {"no"}},
		{"state": {"error"}, "error": {testToken}},
		{"state": {testToken}, "consent_id": {testConsentID}},
		{"state": {"success"}},
	} {
		next, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		keep(next, err)
	}
	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Hour)
	next, err := c.Continue(ctx, &expired, reauth.Reply{})
	keep(next, err)
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {"success"}, "consent_id": {testConsentID}}})
	keep(done, err)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.GetConsent(cctx, testConsentID)
	keep(err)

	// Webhooks.
	v, err := atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, hookSecret), atto.WithBasicAuth(hookUser, hookPass))
	require.NoError(t, err)
	keep(v)
	raw := body(testConsentID, "Active")
	for _, r := range []*http.Request{
		delivery(t, raw),
		func() *http.Request { r := delivery(t, raw); r.Header.Set(hookHeader, hookSecret[:12]); return r }(),
		func() *http.Request {
			r := delivery(t, raw)
			r.Header.Del(hookHeader)
			r.SetBasicAuth(hookUser, testToken)
			return r
		}(),
	} {
		ev, err := v.Verify(ctx, r, raw)
		keep(ev, err)
	}
	_, err = atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, "short"))
	keep(err)
	_, err = atto.New(atto.Credentials{ClientID: "a\n" + testClientSecret, ClientSecret: testClientSecret}, atto.WithBaseURL("https://x/?t="+testToken))
	keep(err)
	keep(c, testCreds)
	return out
}

func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	scan := reauthtest.NewLeakScan(leakSecrets...)
	c, mt := mockClient(t, atto.WithLogger(scan.Logger()), atto.WithRetries(1, time.Millisecond, 2*time.Millisecond))
	values := leakScenario(t, c, mt)
	nonNil, errCount := 0, 0
	for _, v := range values {
		if v != nil {
			nonNil++
		}
		if _, ok := v.(error); ok {
			errCount++
		}
	}
	assert.Greater(t, errCount, 40, "the scenario reached its error paths")
	scan.Add(values...)
	n := scan.Check(t)
	assert.Equal(t, nonNil, n, "every value the scenario produced was scanned")
	assert.Greater(t, n, 100, "the scan covered the scenario's values")

	// The log scan is not vacuous: the client did log.
	assert.Contains(t, scan.Logs(), "provider=atto", "the logger was used")
}
