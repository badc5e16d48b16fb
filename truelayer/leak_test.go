package truelayer_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestNoSecretLeaks runs every error path with recognisable secrets and
// searches error strings, Debug logs (text and JSON) and every printed
// return value for them.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	const clientSecret = "LEAKCHECK-client-secret-7f3a9"
	srv := truelayertest.NewServer(truelayertest.WithClientCredentials("leak-client", clientSecret))
	t.Cleanup(srv.Close)
	var textLog, jsonLog syncBuffer
	logger := slog.New(multiHandler{
		slog.NewTextHandler(&textLog, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&jsonLog, &slog.HandlerOptions{Level: slog.LevelDebug}),
	})
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
	secrets := []string{clientSecret, "LEAKCHECK-wrong-secret-11aa", conn.RefreshToken, conn.AccessToken}

	var errs []error
	var values []any
	record := func(v any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
		if v != nil {
			values = append(values, v)
		}
	}

	// Begin / Continue paths.
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI, State: "LEAKCHECK-state-0001"})
	require.NoError(t, err)
	secrets = append(secrets, flow.State, flow.URL)
	values = append(values, flow, *flow)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	secrets = append(secrets, cb.Get("code"))
	values = append(values, reauth.Reply{Callback: cb})
	denied, err := srv.Deny(ctx, flow.URL)
	require.NoError(t, err)
	record(c.Continue(ctx, flow, reauth.Reply{Callback: denied}))
	bad := reauth.Reply{Callback: map[string][]string{"code": {cb.Get("code")}, "state": {"LEAKCHECK-state-0002"}}}
	record(c.Continue(ctx, flow, bad))
	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	record(c.Continue(ctx, &expired, reauth.Reply{Callback: cb}))
	record(c.Begin(ctx, reauth.Request{Token: "LEAKCHECK-unknown-rt-0003", RedirectURI: redirectURI, State: "LEAKCHECK-state-0004"}))
	secrets = append(secrets, "LEAKCHECK-unknown-rt-0003", "LEAKCHECK-state-0004", "LEAKCHECK-state-0002")
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
	secrets = append(secrets, now.RefreshToken, now.AccessToken)
	ext := truelayer.ExtendRequest{RefreshToken: now.RefreshToken, RedirectURI: redirectURI, UserHasReconfirmedConsent: true,
		User: truelayer.User{ID: "wrong-user", Name: "Jane", Email: "j@example.com"}, State: "LEAKCHECK-state-0005"}
	secrets = append(secrets, "LEAKCHECK-state-0005")
	record(c.ExtendConnection(ctx, ext))
	record(wrongSecret.ExtendConnection(ctx, ext))
	ext.User.ID = conn.UserID
	res, err := c.ExtendConnection(ctx, ext)
	require.NoError(t, err)
	values = append(values, res, *res)
	secrets = append(secrets, res.UserInputLink)

	// Me / Inspect paths.
	record(c.Me(ctx, "LEAKCHECK-bad-access-token-6"))
	record(c.Inspect(ctx, reauth.Request{Token: "LEAKCHECK-bad-access-token-6"}))
	record(c.Inspect(ctx, reauth.Request{Token: conn.AccessToken}))
	secrets = append(secrets, "LEAKCHECK-bad-access-token-6")

	// A successful flow and refresh: the returned tokens are secrets too.
	fresh := srv.Connect(redirectURI)
	tok, err := c.RefreshToken(ctx, fresh.RefreshToken)
	require.NoError(t, err)
	values = append(values, tok, *tok, tok.Credentials())
	secrets = append(secrets, fresh.RefreshToken, fresh.AccessToken, tok.AccessToken, tok.RefreshToken)
	flow2, err := c.Begin(ctx, reauth.Request{Token: tok.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	cb2, err := srv.Approve(ctx, flow2.URL)
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow2, reauth.Reply{Callback: cb2})
	require.NoError(t, err)
	values = append(values, done, *done, done.Result, done.Result.Credentials)
	secrets = append(secrets, flow2.State, cb2.Get("code"), done.Result.Credentials.AccessToken)
	values = append(values, truelayer.Credentials{ClientID: "x", ClientSecret: clientSecret})
	values = append(values, c, *c, wrongSecret) // New's own return value

	require.GreaterOrEqual(t, len(errs), 15)
	check := func(where, s string) {
		t.Helper()
		for _, sec := range secrets {
			if len(sec) >= 8 && strings.Contains(s, sec) {
				t.Errorf("%s shows a secret (%.6s…): %.300s", where, sec, s)
			}
		}
	}
	for _, e := range errs {
		check("error", e.Error())
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			check("fmt "+verb+" of error", fmt.Sprintf(verb, e))
		}
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			check(fmt.Sprintf("fmt %s of %T", verb, v), fmt.Sprintf(verb, v))
		}
		logger.Info("value", "v", v)
	}
	check("text log", textLog.String())
	check("json log", jsonLog.String())
	require.Contains(t, textLog.String(), "reauthkit:", "the debug log must have recorded requests")
}

// multiHandler sends every record to each handler.
type multiHandler []slog.Handler

func (m multiHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range m {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (m multiHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range m {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}

func (m multiHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (m multiHandler) WithGroup(name string) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithGroup(name)
	}
	return out
}
