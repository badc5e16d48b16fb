package finch_test

import (
	"context"
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Recognisable secret values.
const (
	leakClientSecret  = "LEAK-client-secret-7d1f9a"
	leakWrongSecret   = "LEAK-wrong-secret-2b8e4c"
	leakState         = "LEAK-state-5c3a1e"
	leakWebhookSecret = "TEVBSy13ZWJob29rLXNlY3JldC05ZjJh" // base64 of LEAK-webhook-secret-9f2a
)

// TestNoSecretLeaks runs every error path with recognisable secrets and
// scans (reauthtest.LeakScan) error strings, the client's debug logs (text
// and JSON), and fmt and slog output of every error and returned value.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	scan := reauthtest.NewLeakScan()
	added := exerciseErrorPaths(t, scan)
	n := scan.Check(t)
	require.Equal(t, added, n, "values scanned")
	require.GreaterOrEqual(t, n, 63, "values scanned (63 when written)")

	// The client did log, so the scan of its logs was not vacuous.
	require.Contains(t, scan.Logs(), "level=DEBUG", "debug logging was on")
}

// exerciseErrorPaths adds to scan every secret, error and returned value,
// and returns how many errors and values it added.
func exerciseErrorPaths(t *testing.T, scan *reauthtest.LeakScan) (added int) {
	ctx := context.Background()
	srv := newSim(t, finchtest.WithCredentials(finchtest.ClientID, leakClientSecret), finchtest.WithWebhookSecret(leakWebhookSecret))
	conn := srv.AddConnection("gusto")
	creds := finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: leakClientSecret}
	opts := []finch.Option{finch.WithBaseURL(srv.URL), finch.WithHTTPClient(srv.Client()),
		finch.WithRetries(1, time.Millisecond, 5*time.Millisecond), finch.WithLogger(scan.Logger())}
	c, err := finch.New(creds, opts...)
	require.NoError(t, err)
	wrongCreds := finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: leakWrongSecret}
	wrong, err := finch.New(wrongCreds, opts...)
	require.NoError(t, err)
	scan.AddSecrets(leakClientSecret, leakWrongSecret, leakState, leakWebhookSecret,
		"LEAK-webhook-secret-9f2a", conn.AccessToken,
		base64.StdEncoding.EncodeToString([]byte(finchtest.ClientID+":"+leakClientSecret)),
		base64.StdEncoding.EncodeToString([]byte(finchtest.ClientID+":"+leakWrongSecret)))
	values := func(vs ...any) {
		for _, v := range vs {
			if v != nil {
				added++
			}
		}
		scan.Add(vs...)
	}
	paths := 0
	add := func(v any, err error) {
		require.Error(t, err, "error path %d returned no error", paths)
		paths++
		values(v, err)
	}
	values(creds, &creds, wrongCreds, c, wrong)

	// New with bad options next to a secret.
	_, err = finch.New(creds, finch.WithBaseURL("ftp://"+leakClientSecret))
	add(nil, err)

	// Application credentials refused.
	f, err := wrong.Begin(ctx, reauth.Request{ConnectionID: conn.ID, State: leakState})
	add(f, err)
	// Unknown and broken tokens.
	_, err = c.Begin(ctx, reauth.Request{Token: "LEAK-unknown-token-3e7d"})
	scan.AddSecrets("LEAK-unknown-token-3e7d")
	add(nil, err)
	srv.RequireReauth(conn.ID)
	co, err := c.Company(ctx, conn.AccessToken)
	add(co, err)

	// A flow, then every refused Continue.
	flow, err := c.Begin(ctx, reauth.Request{Token: conn.AccessToken, RedirectURI: testRedirect, State: leakState})
	require.NoError(t, err)
	values(flow, *flow, reauth.Request{Token: conn.AccessToken, State: leakState})
	fu, err := url.Parse(flow.URL)
	require.NoError(t, err)
	scan.AddSecrets(fu.Query().Get("session")) // the session id opens Connect
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	code := cb.Get("code")
	scan.AddSecrets(code)
	values(reauth.Reply{Callback: cb})

	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	add(c.Continue(ctx, &expired, reauth.Reply{Callback: cb}))
	bad := url.Values{"code": {code}, "state": {"LEAK-forged-state-8a8a"}}
	add(c.Continue(ctx, flow, reauth.Reply{Callback: bad}))
	add(c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {leakState}, "error": {"access_denied"}, "error_description": {"no"}}}))
	add(c.Continue(ctx, flow, reauth.Reply{}))
	other := *flow
	other.Provider = reauth.Mono
	add(c.Continue(ctx, &other, reauth.Reply{Callback: cb}))

	// Exchange failures: faults, then a wrong secret, then a spent code.
	for _, fault := range []sim.Fault{
		{Kind: sim.FaultStatus, Status: 503},
		{Kind: sim.FaultStatus, Status: 429, RetryAfter: "3600"},
		{Kind: sim.FaultDropAfterRead},
		{Kind: sim.FaultTruncate},
		{Kind: sim.FaultHTML},
		{Kind: sim.FaultHugeBody, Size: 2 << 20},
	} {
		cb2, err := srv.Approve(ctx, flow.URL)
		require.NoError(t, err)
		scan.AddSecrets(cb2.Get("code"))
		srv.Inject(routeToken, 1, fault)
		add(c.Continue(ctx, flow, reauth.Reply{Callback: cb2}))
	}
	cb3, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	scan.AddSecrets(cb3.Get("code"))
	add(wrong.Continue(ctx, flow, reauth.Reply{Callback: cb3}))
	srv.Inject(routeToken, 1, sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	add(c.Continue(short, flow, reauth.Reply{Callback: cb3}))
	cancel()
	srv.ClearFaults() // unused when the deadline passed before the request left
	add(c.ExchangeCode(ctx, "LEAK-garbage-code-1c1c", testRedirect))
	scan.AddSecrets("LEAK-garbage-code-1c1c")

	// A code for another connection.
	cb4, err := srv.ApproveNewConnection(ctx, flow.URL)
	require.NoError(t, err)
	scan.AddSecrets(cb4.Get("code"))
	mmFlow, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb4})
	var mm *finch.ConnectionMismatchError
	require.ErrorAs(t, err, &mm)
	scan.AddSecrets(mm.Token.AccessToken) // kept on the error, never printed
	add(mmFlow, err)
	values(mm.Token, *mm.Token)

	// The new endpoints' error paths.
	add(wrong.NewConnectSession(ctx, finch.ConnectSessionRequest{CustomerID: "c", CustomerName: "n", Products: []string{"company"}}))
	add(nil, c.Disconnect(ctx, "LEAK-disconnect-token-4f4f"))
	add(nil, c.SetSandboxConnectionStatus(ctx, "LEAK-disconnect-token-4f4f", finch.StatusReauth))
	scan.AddSecrets("LEAK-disconnect-token-4f4f")

	// Success, so the new token is a secret to look for everywhere above.
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	scan.AddSecrets(done.Result.Credentials.AccessToken)
	values(done, *done, done.Result, done.Result.Credentials)
	tok, err := c.Introspect(ctx, done.Result.Credentials.AccessToken)
	require.NoError(t, err)
	values(tok)
	h, err := c.Inspect(ctx, reauth.Request{Token: done.Result.Credentials.AccessToken})
	require.NoError(t, err)
	values(h)
	cb5, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	scan.AddSecrets(cb5.Get("code"))
	exchanged, err := c.ExchangeCode(ctx, cb5.Get("code"), testRedirect)
	require.NoError(t, err)
	scan.AddSecrets(exchanged.AccessToken)
	values(exchanged, *exchanged)
	sess, err := c.NewReauthSession(ctx, finch.ReauthSessionRequest{ConnectionID: conn.ID})
	require.NoError(t, err)
	values(sess, *sess)
	scan.AddSecrets(sess.SessionID)

	// A data call on a connection still syncing (202).
	syncing := srv.AddConnection("gusto")
	scan.AddSecrets(syncing.AccessToken)
	srv.SetStatus(syncing.ID, finchtest.StatusPending)
	add(c.Company(ctx, syncing.AccessToken))

	// Webhooks: a forged and an unparseable delivery.
	v, err := finch.NewWebhookVerifier(leakWebhookSecret)
	require.NoError(t, err)
	values(v)
	p, err := finchtest.GenerateTestSignedPayload(leakWebhookSecret, time.Now(), []byte(`not json`))
	require.NoError(t, err)
	r := httptest.NewRequest("POST", "/", nil)
	r.Header = p.Header()
	add(v.Verify(ctx, r, p.Body))
	add(v.Verify(ctx, r, []byte(`{"forged":true}`)))
	_, err = finch.NewWebhookVerifier("LEAK-not-base64-!!!")
	add(nil, err)
	return added
}
