package truelayer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// TestNoSecretLeaks runs every error path with recognisable secrets and
// searches error strings, Debug logs (text and JSON) and every printed
// return value for them.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	const clientSecret = "LEAKCHECK-client-secret-7f3a9"
	srv := truelayertest.NewServer(truelayertest.WithClientCredentials("leak-client", clientSecret))
	t.Cleanup(srv.Close)
	scan := reauthtest.NewLeakScan(clientSecret, "LEAKCHECK-wrong-secret-11aa")
	logger := scan.Logger()
	newClient := func(secret string, opts ...truelayer.Option) *truelayer.Client {
		c, err := truelayer.New(truelayer.Credentials{ClientID: "leak-client", ClientSecret: secret}, append([]truelayer.Option{
			truelayer.WithAuthURL(srv.URL), truelayer.WithAPIURL(srv.URL), truelayer.WithLogger(logger),
			truelayer.WithRetries(1, time.Millisecond, 2*time.Millisecond),
		}, opts...)...)
		require.NoError(t, err)
		return c
	}
	c := newClient(clientSecret)
	wrongSecret := newClient("LEAKCHECK-wrong-secret-11aa")
	ctx := context.Background()
	conn := lapsed(srv)
	scan.AddSecrets(conn.RefreshToken, conn.AccessToken)

	errs := 0
	record := func(v any, err error) {
		if err != nil {
			errs++
		}
		scan.Add(v, err)
	}

	// Begin / Continue paths.
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI, State: "LEAKCHECK-state-0001"})
	require.NoError(t, err)
	scan.AddSecrets(flow.State, flow.URL)
	scan.Add(flow, *flow)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	scan.AddSecrets(cb.Get("code"))
	scan.Add(reauth.Reply{Callback: cb})
	denied, err := srv.Deny(ctx, flow.URL)
	require.NoError(t, err)
	record(c.Continue(ctx, flow, reauth.Reply{Callback: denied}))
	bad := reauth.Reply{Callback: map[string][]string{"code": {cb.Get("code")}, "state": {"LEAKCHECK-state-0002"}}}
	record(c.Continue(ctx, flow, bad))
	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	record(c.Continue(ctx, &expired, reauth.Reply{Callback: cb}))
	record(c.Begin(ctx, reauth.Request{Token: "LEAKCHECK-unknown-rt-0003", RedirectURI: redirectURI, State: "LEAKCHECK-state-0004"}))
	scan.AddSecrets("LEAKCHECK-unknown-rt-0003", "LEAKCHECK-state-0004", "LEAKCHECK-state-0002")
	record(wrongSecret.Continue(ctx, flow, reauth.Reply{Callback: cb})) // invalid_client, code not spent? it is checked first
	srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultDropAfterRead})
	record(c.Continue(ctx, flow, reauth.Reply{Callback: cb})) // spent, answer lost
	record(c.Continue(ctx, flow, reauth.Reply{Callback: cb})) // replay: invalid_authorization_code

	// A provider that echoes secrets in its error message.
	echo := fmt.Sprintf(`{"error":"invalid_grant","error_description":"token %s for secret %s is bad","error_details":{"token":"%s","list":["%s"]}}`,
		conn.RefreshToken, clientSecret, conn.RefreshToken, clientSecret)
	srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultStatus, Status: 400, Body: echo})
	record(c.RefreshToken(ctx, conn.RefreshToken))
	srv.Inject(truelayertest.RouteReauthURI, 1, sim.Fault{Kind: sim.FaultStatus, Status: 400, Body: echo})
	record(c.ReauthURI(ctx, truelayer.ReauthURIRequest{RefreshToken: conn.RefreshToken, RedirectURI: redirectURI}))

	// Transport and decoding failures.
	for _, f := range []sim.Fault{{Kind: sim.FaultTruncate}, {Kind: sim.FaultHugeBody, Size: 2 << 20}, {Kind: sim.FaultDropBeforeRead}, {Kind: sim.FaultHTML, Status: 500}} {
		srv.Inject(truelayertest.RouteToken, 1, f)
		record(c.RefreshToken(ctx, conn.RefreshToken))
	}

	// Extend paths (the truncated answer above did rotate the pair).
	now, ok := srv.Lookup(conn.CredentialsID)
	require.True(t, ok)
	scan.AddSecrets(now.RefreshToken, now.AccessToken)
	ext := truelayer.ExtendRequest{RefreshToken: now.RefreshToken, RedirectURI: redirectURI, UserHasReconfirmedConsent: true,
		User: truelayer.User{ID: "wrong-user", Name: "Jane", Email: "j@example.com"}, State: "LEAKCHECK-state-0005"}
	scan.AddSecrets("LEAKCHECK-state-0005")
	record(c.ExtendConnection(ctx, ext))
	record(wrongSecret.ExtendConnection(ctx, ext))
	ext.User.ID = conn.UserID
	res, err := c.ExtendConnection(ctx, ext)
	require.NoError(t, err)
	scan.Add(res, *res)
	scan.AddSecrets(res.UserInputLink)

	// Me / Inspect paths.
	record(c.Me(ctx, "LEAKCHECK-bad-access-token-6"))
	record(c.Inspect(ctx, reauth.Request{Token: "LEAKCHECK-bad-access-token-6"}))
	record(c.Inspect(ctx, reauth.Request{Token: conn.AccessToken}))
	scan.AddSecrets("LEAKCHECK-bad-access-token-6")

	// A successful flow and refresh: the returned tokens are secrets too.
	fresh := srv.Connect(redirectURI)
	tok, err := c.RefreshToken(ctx, fresh.RefreshToken)
	require.NoError(t, err)
	scan.Add(tok, *tok, tok.Credentials())
	scan.AddSecrets(fresh.RefreshToken, fresh.AccessToken, tok.AccessToken, tok.RefreshToken)
	flow2, err := c.Begin(ctx, reauth.Request{Token: tok.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	cb2, err := srv.Approve(ctx, flow2.URL)
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow2, reauth.Reply{Callback: cb2})
	require.NoError(t, err)
	scan.Add(done, *done, done.Result, done.Result.Credentials)
	scan.AddSecrets(flow2.State, cb2.Get("code"), done.Result.Credentials.AccessToken)
	scan.Add(truelayer.Credentials{ClientID: "x", ClientSecret: clientSecret})
	scan.Add(c, *c, wrongSecret) // New's own return value

	// Token sources: a lost refresh answer, and a source printed.
	lost := srv.Connect(redirectURI)
	scan.AddSecrets(lost.RefreshToken, lost.AccessToken)
	ts := c.TokenSource(reauth.Credentials{AccessToken: lost.AccessToken, RefreshToken: lost.RefreshToken})
	srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultDropAfterRead})
	record(ts.Token(ctx))
	scan.Add(ts, *ts)

	// A re-auth that lands on another connection: the error carries the
	// stray pair.
	pinned := lapsed(srv)
	scan.AddSecrets(pinned.RefreshToken, pinned.AccessToken)
	flow3, err := c.Begin(ctx, reauth.Request{ConnectionID: pinned.CredentialsID, Token: pinned.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	srv.LogIntoOtherAccount(pinned.CredentialsID)
	cb3, err := srv.Approve(ctx, flow3.URL)
	require.NoError(t, err)
	scan.AddSecrets(flow3.State, cb3.Get("code"))
	_, err = c.Continue(ctx, flow3, reauth.Reply{Callback: cb3})
	var mm *truelayer.ConnectionMismatchError
	require.ErrorAs(t, err, &mm)
	scan.AddSecrets(mm.Token.AccessToken, mm.Token.RefreshToken)
	record(nil, err)
	scan.Add(mm, *mm)

	require.GreaterOrEqual(t, errs, 15)
	// 16 values added directly, and at least 15 failing calls recorded with
	// their error and returned value (52 today).
	require.GreaterOrEqual(t, scan.Check(t), 16+2*15, "the scan must cover every error path and value")
	require.Contains(t, scan.Logs(), "reauthkit:", "the debug log must have recorded requests")
}
