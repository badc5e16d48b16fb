package yapily_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// lockedBuffer is a sink shared by concurrent writers: the leak test's
// loggers, Prism's output in the contract test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

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
	secrets := []string{appSecret, hookSecret, wrongSecret, consent.Token, revoked.Token, basic(appSecret), basic(wrongSecret)}

	var text, js lockedBuffer
	logger := slog.New(fanout{slog.NewTextHandler(&text, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&js, &slog.HandlerOptions{Level: slog.LevelDebug})})
	newClient := func(secret string) *yapily.Client {
		c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: secret},
			yapily.WithBaseURL(srv.URL), yapily.WithLogger(logger), yapily.WithRetries(1, time.Millisecond, 5*time.Millisecond))
		require.NoError(t, err)
		return c
	}
	c := newClient(appSecret)
	bad := newClient(wrongSecret)
	ctx := context.Background()
	var errs []error
	var values []any
	keep := func(v any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
		if v != nil {
			values = append(values, v)
		}
	}

	// construction errors
	_, err := yapily.New(yapily.Credentials{ApplicationID: "a:" + appSecret, ApplicationSecret: appSecret + "\n"})
	keep(nil, err)
	_, err = yapily.NewWebhookVerifier("", yapily.WithPreviousSecret(""))
	keep(nil, err)

	// provider errors
	keep(bad.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))       // 401
	keep(c.Begin(ctx, reauth.Request{ConnectionID: revoked.ID, Token: revoked.Token}))         // 403
	keep(c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: wrongSecret}))           // 400
	keep(c.Begin(ctx, reauth.Request{ConnectionID: revoked.ID, Token: consent.Token}))         // id mismatch
	keep(c.ReauthoriseConsent(ctx, consent.Token+"\n", yapily.PSU{}))                          // invalid input
	keep(c.Inspect(ctx, reauth.Request{ConnectionID: "00000000-0000-4000-8000-000000000000"})) // 404
	keep(c.ExtendConsent(ctx, consent.ID, time.Now().Add(48*time.Hour)))                       // future: refused locally
	keep(c.ExtendConsent(ctx, consent.ID, time.Now().Add(-time.Minute)))                       // 400 issues: EXPIRED consent
	keep(c.DeleteConsent(ctx, "00000000-0000-4000-8000-000000000000"))                         // 404
	srv.Inject(yapilytest.RouteReauthorise, 1, sim.Fault{Kind: sim.FaultStatus, Status: 400,   // echoes secrets
		Body: `{"error":{"code":400,"status":"BAD_REQUEST","message":"token ` + consent.Token + ` secret ` + appSecret + `"}}`})
	keep(c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))
	for _, f := range []sim.Fault{{Kind: sim.FaultHTML}, {Kind: sim.FaultTruncate}, {Kind: sim.FaultHugeBody}, {Kind: sim.FaultDropBeforeRead}} {
		srv.Inject(yapilytest.RouteReauthorise, 2, f)
		keep(c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))
		srv.ClearFaults()
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	srv.Inject(yapilytest.RouteReauthorise, 2, sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute})
	keep(c.Begin(short, reauth.Request{ConnectionID: consent.ID, Token: consent.Token}))
	cancel()
	srv.ClearFaults()

	// adapter errors
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	values = append(values, flow, *flow)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	secrets = append(secrets, flow.State)
	keep(c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"consent": {wrongSecret}}}))
	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	keep(c.Continue(ctx, &expired, reauth.Reply{Callback: cb}))
	keep(c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"consent": {consent.Token}, "error": {"access_denied"}, "error-description": {"token " + consent.Token}}}))
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	values = append(values, done, *done, done.Result, reauth.Reply{Callback: cb})
	auth, err := c.ReauthoriseConsent(ctx, consent.Token, yapily.PSU{IPAddress: "203.0.113.5"})
	require.NoError(t, err)
	values = append(values, auth, *auth)
	got, err := c.GetConsent(ctx, consent.ID)
	require.NoError(t, err)
	values = append(values, got, *got)
	values = append(values, yapily.Credentials{ApplicationID: "id", ApplicationSecret: appSecret}, c)

	// webhook errors
	v, err := yapily.NewWebhookVerifier(hookSecret)
	require.NoError(t, err)
	body := []byte(`{"type":"consent.expired","event":{"consentId":"c"}}`)
	req, _ := yapilytest.NewWebhookRequest(ctx, "http://app.example/h", wrongSecret, body)
	keep(v.Verify(ctx, req, body))
	req, _ = yapilytest.NewWebhookRequest(ctx, "http://app.example/h", hookSecret, []byte("{"+hookSecret))
	keep(v.Verify(ctx, req, []byte("{"+hookSecret)))
	values = append(values, v)

	require.NotEmpty(t, errs)
	for _, err := range errs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assertNoSecret(t, fmt.Sprintf(verb, err), secrets, "error "+verb)
		}
		values = append(values, err)
	}
	for _, val := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assertNoSecret(t, fmt.Sprintf(verb, val), secrets, fmt.Sprintf("%s of %T", verb, val))
		}
		logger.Info("value", "v", val)
	}
	require.Contains(t, text.String(), "reauthkit:", "the debug logger saw the requests")
	assertNoSecret(t, text.String(), secrets, "slog text")
	assertNoSecret(t, js.String(), secrets, "slog JSON")
}

func assertNoSecret(t *testing.T, s string, secrets []string, what string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s shows a secret (%s…)", what, sec[:6])
		}
	}
}

// fanout sends every record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool { return f[0].Enabled(ctx, l) }
func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}
func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}
func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
