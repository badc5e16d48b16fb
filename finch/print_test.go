package finch_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/reauth"
)

// printVerbs are the fmt verbs no secret may appear under.
var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%t", "%x", "%X"}

// requireNoSecret prints v under every verb and through slog's text and
// JSON handlers and fails when a secret shows.
func requireNoSecret(t *testing.T, name string, v any, secrets ...string) {
	t.Helper()
	var outs []string
	for _, verb := range printVerbs {
		outs = append(outs, verb+" "+fmt.Sprintf(verb, v))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v)
	outs = append(outs, "slog "+buf.String())
	for _, out := range outs {
		for _, s := range secrets {
			for _, form := range []string{s, fmt.Sprintf("%x", s), fmt.Sprintf("%X", s)} {
				if strings.Contains(out, form) {
					t.Errorf("%s: %s shows a secret", name, strings.SplitN(out, " ", 2)[0])
				}
			}
		}
	}
}

func TestNothingPrintsASecret(t *testing.T) {
	t.Parallel()
	const secret, state, token = "PRINT-secret-61c2", "PRINT-state-9d0e", "PRINT-token-77ab"
	c, err := finch.New(finch.Credentials{ClientID: "id", ClientSecret: secret})
	require.NoError(t, err)
	params := finch.AuthorizeParams{Products: []string{"company"}, RedirectURI: "https://app.example/cb?k=" + secret, State: state}
	creds := finch.Credentials{ClientID: "id", ClientSecret: secret}
	tok := finch.Token{AccessToken: token, ConnectionID: "conn"}
	sess := finch.ConnectSession{SessionID: "sess-" + secret, ConnectURL: "https://connect.example/authorize?session=" + secret}
	mismatch := &finch.ConnectionMismatchError{Want: "a", Got: "b", Token: &tok}
	v, err := finch.NewWebhookVerifier("UFJJTlQtc2VjcmV0LTYxYzI=") // base64 of the secret
	require.NoError(t, err)
	var wrapped error = fmt.Errorf("wrapped: %w", mismatch)
	for name, val := range map[string]any{
		"Client": *c, "*Client": c, "AuthorizeParams": params, "*AuthorizeParams": &params,
		"Credentials": creds, "*Credentials": &creds, "Token": tok, "*Token": &tok,
		"ConnectSession": sess, "*ConnectSession": &sess, "*ConnectionMismatchError": mismatch,
		"wrapped mismatch": wrapped, "WebhookVerifier": *v, "*WebhookVerifier": v,
	} {
		requireNoSecret(t, name, val, secret, state, token)
	}
	assert.Contains(t, fmt.Sprintf("%v", *c), "ClientID: id", "the printed form is still useful")
	assert.Contains(t, fmt.Sprintf("%+v", params), "State: REDACTED")
}

// TestNilAndZeroClientsReturnErrors: every I/O method of a nil or zero
// Client returns an error, never panics.
func TestNilAndZeroClientsReturnErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, c := range map[string]*finch.Client{"nil": nil, "zero": {}} {
		calls := map[string]func() error{
			"Begin":      func() error { _, err := c.Begin(ctx, reauth.Request{ConnectionID: "x"}); return err },
			"Continue":   func() error { _, err := c.Continue(ctx, &reauth.Flow{}, reauth.Reply{}); return err },
			"Inspect":    func() error { _, err := c.Inspect(ctx, reauth.Request{Token: "t"}); return err },
			"Introspect": func() error { _, err := c.Introspect(ctx, "t"); return err },
			"Company":    func() error { _, err := c.Company(ctx, "t"); return err },
			"NewReauthSession": func() error {
				_, err := c.NewReauthSession(ctx, finch.ReauthSessionRequest{ConnectionID: "x"})
				return err
			},
			"NewConnectSession": func() error {
				_, err := c.NewConnectSession(ctx, finch.ConnectSessionRequest{CustomerID: "x", CustomerName: "y", Products: []string{"company"}})
				return err
			},
			"ExchangeCode": func() error { _, err := c.ExchangeCode(ctx, "code", ""); return err },
			"AuthorizeURL": func() error {
				_, err := c.AuthorizeURL(finch.AuthorizeParams{Products: []string{"company"}, RedirectURI: "https://a.example/cb"})
				return err
			},
			"Disconnect":                 func() error { return c.Disconnect(ctx, "t") },
			"SetSandboxConnectionStatus": func() error { return c.SetSandboxConnectionStatus(ctx, "t", finch.StatusReauth) },
		}
		for call, f := range calls {
			var err error
			require.NotPanics(t, func() { err = f() }, name+" "+call)
			assert.ErrorIs(t, err, reauth.ErrInvalidRequest, name+" "+call)
		}
		assert.Equal(t, reauth.Finch, c.Provider())
		require.NotPanics(t, func() { _ = fmt.Sprint(c) })
	}
}

// TestPublicTypesArePlainGo: user code builds the public types with plain
// Go values (no internal types).
func TestPublicTypesArePlainGo(t *testing.T) {
	t.Parallel()
	d := finch.ConnectionStatusDetail{Status: finch.StatusConnected, LastSuccessfulSync: "2026-11-30T08:00:00Z"}
	got, ok := d.LastSync()
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), got)
	in := finch.Introspection{ConnectionStatus: d, Manual: true}
	assert.Equal(t, finch.StatusConnected, in.Status())
}
