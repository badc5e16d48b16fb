package yapily_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// TestNoSecretLeaks runs every error path with recognisable secrets and
// searches error strings, slog text and JSON output at Debug level and
// %v/%+v/%#v/%s of every returned value for them.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	const (
		appSecret   = "LEAKCHECK-app-secret-9d8c7b"
		hookSecret  = "LEAKCHECK-webhook-secret-1a2b"
		wrongSecret = "LEAKCHECK-wrong-secret-5e6f"
	)
	srv := yapilytest.NewServer(yapilytest.WithCredentials(yapilytest.ApplicationID, appSecret))
	t.Cleanup(srv.Close)
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	revoked := srv.AddConsent(yapilytest.ConsentSpec{})
	srv.Revoke(revoked.ID)
	basic := func(secret string) string {
		return base64.StdEncoding.EncodeToString([]byte(yapilytest.ApplicationID + ":" + secret))
	}
	scan := reauthtest.NewLeakScan(appSecret, hookSecret, wrongSecret, consent.Token, revoked.Token, basic(appSecret), basic(wrongSecret))
	newClient := func(secret string) *yapily.Client {
		c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: secret},
			yapily.WithBaseURL(srv.URL), yapily.WithLogger(scan.Logger()), yapily.WithRetries(1, time.Millisecond, 5*time.Millisecond))
		require.NoError(t, err)
		return c
	}
	c := newClient(appSecret)
	bad := newClient(wrongSecret)
	ctx := context.Background()

	// construction errors
	_, err := yapily.New(yapily.Credentials{ApplicationID: "a:" + appSecret, ApplicationSecret: appSecret + "\n"})
	scan.Add(err)
	_, err = yapily.NewWebhookVerifier("", yapily.WithPreviousSecret(""))
	scan.Add(err)

	// provider errors
	scan.Add(bad.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))       // 401
	scan.Add(c.Begin(ctx, reauth.Request{ConnectionID: revoked.ID, Token: revoked.Token}))         // 403
	scan.Add(c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: wrongSecret}))           // 400
	scan.Add(c.Begin(ctx, reauth.Request{ConnectionID: revoked.ID, Token: consent.Token}))         // id mismatch
	scan.Add(c.ReauthoriseConsent(ctx, consent.Token+"\n", yapily.PSU{}))                          // invalid input
	scan.Add(c.Inspect(ctx, reauth.Request{ConnectionID: "00000000-0000-4000-8000-000000000000"})) // 404
	scan.Add(c.ExtendConsent(ctx, consent.ID, time.Now().Add(48*time.Hour)))                       // future: refused locally
	scan.Add(c.ExtendConsent(ctx, consent.ID, time.Now().Add(-time.Minute)))                       // 400 issues: EXPIRED consent
	scan.Add(c.DeleteConsent(ctx, "00000000-0000-4000-8000-000000000000"))                         // 404
	srv.Inject(yapilytest.RouteReauthorise, 1, sim.Fault{Kind: sim.FaultStatus, Status: 400,       // echoes secrets
		Body: `{"error":{"code":400,"status":"BAD_REQUEST","message":"token ` + consent.Token + ` secret ` + appSecret + `"}}`})
	scan.Add(c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))
	for _, f := range []sim.Fault{{Kind: sim.FaultHTML}, {Kind: sim.FaultTruncate}, {Kind: sim.FaultHugeBody}, {Kind: sim.FaultDropBeforeRead}} {
		srv.Inject(yapilytest.RouteReauthorise, 2, f)
		scan.Add(c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))
		srv.ClearFaults()
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	srv.Inject(yapilytest.RouteReauthorise, 2, sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute})
	scan.Add(c.Begin(short, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))
	cancel()
	srv.ClearFaults()

	// adapter errors
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	scan.Add(flow, *flow)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	scan.AddSecrets(flow.State)
	scan.Add(c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"consent": {wrongSecret}}}))
	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	scan.Add(c.Continue(ctx, &expired, reauth.Reply{Callback: cb}))
	scan.Add(c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"consent": {consent.Token}, "error": {"access_denied"}, "error-description": {"token " + consent.Token}}}))
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	scan.Add(done, *done, done.Result, reauth.Reply{Callback: cb})
	auth, err := c.ReauthoriseConsent(ctx, consent.Token, yapily.PSU{IPAddress: "203.0.113.5"})
	require.NoError(t, err)
	scan.Add(auth, *auth)
	got, err := c.GetConsent(ctx, consent.ID)
	require.NoError(t, err)
	scan.Add(got, *got)
	scan.Add(yapily.Credentials{ApplicationID: "id", ApplicationSecret: appSecret}, c)

	// webhook errors
	v, err := yapily.NewWebhookVerifier(hookSecret)
	require.NoError(t, err)
	body := []byte(`{"type":"consent.expired","event":{"consentId":"c"}}`)
	req, _ := yapilytest.NewWebhookRequest(ctx, "http://app.example/h", wrongSecret, body)
	scan.Add(v.Verify(ctx, req, body))
	req, _ = yapilytest.NewWebhookRequest(ctx, "http://app.example/h", hookSecret, []byte("{"+hookSecret))
	scan.Add(v.Verify(ctx, req, []byte("{"+hookSecret)))
	scan.Add(v)

	// 22 errors and 33 values, typed nil results included
	require.Equal(t, 55, scan.Check(t), "values scanned")

	// the debug logger saw the requests, so the log scan was not vacuous
	require.Contains(t, scan.Logs(), "reauthkit:", "the debug logger saw the requests")
}
