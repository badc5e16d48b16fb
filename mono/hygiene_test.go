package mono_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/reauth"
)

// printed renders v under every fmt verb and through both slog handlers.
func printed(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%t", "%x", "%X"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v)
	return b.String() + buf.String()
}

// assertHidden fails if out shows secret, raw or in hex.
func assertHidden(t *testing.T, out, secret, what string) {
	t.Helper()
	for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))} {
		assert.NotContains(t, out, form, what)
	}
}

// A Client printed by value or pointer never shows its key, under any verb.
func TestClientNeverPrintsItsKey(t *testing.T) {
	t.Parallel()
	const key = "live_sk_PRINTCHECK_0123456789"
	c, err := mono.New(mono.Credentials{SecretKey: key}, mono.WithBaseURL("https://mono.example/prefix"))
	require.NoError(t, err)
	out := printed(c) + printed(*c) + printed([]mono.Client{*c}) + printed(struct{ C mono.Client }{*c})
	assertHidden(t, out, key, "client")
	assert.Contains(t, printed(*c), "mono.Client{")

	l := mono.Login{Username: "ada_PRINTCHECK", Password: "pw_PRINTCHECK"}
	out = printed(l) + printed(&l)
	assertHidden(t, out, l.Username, "login user")
	assertHidden(t, out, l.Password, "login password")
	st := mono.Step{Code: "code_PRINTCHECK_1", SessionID: "session_1"}
	assertHidden(t, printed(st)+printed(&st), st.Code, "step code")
	const code = "code_PRINTCHECK_2"
	for _, v := range []any{mono.Session{Code: code}, mono.CommitResult{Code: code}, mono.ReauthToken{Token: code},
		mono.Credentials{SecretKey: code}} {
		assertHidden(t, printed(v), code, fmt.Sprintf("%T", v))
	}
}

// Every method of a nil or zero *Client returns an error, never panics.
func TestNilAndZeroClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, c := range map[string]*mono.Client{"nil": nil, "zero": {}} {
		calls := map[string]func() error{
			"Begin": func() error { _, err := c.Begin(ctx, reauth.Request{ConnectionID: "a"}); return err },
			"Continue": func() error {
				_, err := c.Continue(ctx, &reauth.Flow{Provider: reauth.Mono}, reauth.Reply{})
				return err
			},
			"Inspect":            func() error { _, err := c.Inspect(ctx, reauth.Request{ConnectionID: "a"}); return err },
			"StartReauthSession": func() error { _, err := c.StartReauthSession(ctx, "a"); return err },
			"ReauthLogin": func() error {
				_, err := c.ReauthLogin(ctx, "s", mono.Login{Username: "u", Password: "p"})
				return err
			},
			"CommitAnswers":      func() error { _, err := c.CommitAnswers(ctx, "s", map[string]string{"otp": "1"}); return err },
			"Commit":             func() error { _, err := c.Commit(ctx, "s", map[string]string{"otp": "1"}); return err },
			"CreateSession":      func() error { _, err := c.CreateSession(ctx, "t"); return err },
			"Reauthorise":        func() error { _, err := c.Reauthorise(ctx, "a"); return err },
			"Sync":               func() error { _, err := c.Sync(ctx, "a"); return err },
			"AccountDetails":     func() error { _, err := c.AccountDetails(ctx, "a"); return err },
			"InitiateReauthLink": func() error { _, err := c.InitiateReauthLink(ctx, mono.LinkRequest{AccountID: "a"}); return err },
		}
		for m, call := range calls {
			err := call()
			require.Error(t, err, name+" "+m)
			assert.ErrorIs(t, err, reauth.ErrInvalidRequest, name+" "+m)
		}
		assert.Equal(t, reauth.Mono, c.Provider())
		assert.NotPanics(t, func() { _ = printed(c) })
	}
}

// A zero Deduper works with the defaults; a nil one remembers nothing.
func TestZeroAndNilDeduper(t *testing.T) {
	t.Parallel()
	var d mono.Deduper
	ev := reauth.Event{ID: "evt_1"}
	assert.False(t, d.Seen(ev))
	assert.True(t, d.Seen(ev))
	var nd *mono.Deduper
	assert.False(t, nd.Seen(ev))
	assert.False(t, nd.Seen(ev))
}

// A zero or nil verifier refuses every delivery as unauthenticated.
func TestZeroVerifier(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"mono.events.account_reauthorized","data":{}}`)
	r, _ := http.NewRequest(http.MethodPost, "http://x/", bytes.NewReader(body))
	r.Header.Set(mono.HeaderWebhookSecret, "anything")
	for _, v := range []*mono.WebhookVerifier{nil, {}} {
		_, err := v.Verify(context.Background(), r, body)
		require.ErrorIs(t, err, reauth.ErrInvalidSignature)
	}
}
