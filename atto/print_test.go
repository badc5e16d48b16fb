package atto_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/reauth"
)

// Issue 11: no secret under any fmt verb, by value or by pointer, nor in
// slog output of the value.
func TestNoVerbPrintsASecret(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	id := srv.NewConsent("Active")
	link, err := c.ReauthLink(t.Context(), id)
	require.NoError(t, err)
	tok := link.URL[strings.Index(link.URL, "access_token=")+len("access_token="):]
	creds := atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()}
	v, err := atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, hookSecret), atto.WithBasicAuth(hookUser, hookPass))
	require.NoError(t, err)
	secrets := []string{srv.ClientSecret(), tok, hookSecret, hookPass}

	values := map[string]any{
		"*Client": c, "Client": *c, "Credentials": creds, "*Credentials": &creds,
		"Link": *link, "*Link": link, "*WebhookVerifier": v, "WebhookVerifier": *v,
	}
	for name, val := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%t", "%x", "%X", "%10.3v", "%T"} {
			out := fmt.Sprintf(verb, val)
			for _, s := range secrets {
				for _, form := range []string{s, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s)))} {
					if strings.Contains(out, form) {
						t.Errorf("%s of %s shows a secret", verb, name)
					}
				}
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", val)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", val)
		for _, s := range secrets {
			if strings.Contains(buf.String(), s) {
				t.Errorf("slog of %s shows a secret", name)
			}
		}
	}
	// The printed forms still say what they are.
	require.Contains(t, fmt.Sprintf("%d", *c), "Client{BaseURL:")
	require.Contains(t, fmt.Sprintf("%x", creds), "Credentials{ClientID: "+srv.ClientID())
	require.Contains(t, fmt.Sprintf("%#v", link), `atto.Link{URL:"REDACTED"`)
	var nilClient *atto.Client
	require.Equal(t, "atto.Client(nil)", nilClient.String())
	require.NotPanics(t, func() { _ = fmt.Sprintf("%v %d %+v", nilClient, nilClient, atto.Client{}) })
}

// Issue 11: every method of a nil *Client returns an error (or a safe zero
// answer), never panics.
func TestNilClientMethods(t *testing.T) {
	t.Parallel()
	for _, c := range []*atto.Client{nil, {}} {
		nilClientMethods(t, c)
	}
}

func nilClientMethods(t *testing.T, c *atto.Client) {
	ctx := t.Context()
	_, err := c.GetConsent(ctx, testConsentID)
	require.Error(t, err)
	_, err = c.ListConsents(ctx, atto.ListConsentsParams{})
	require.Error(t, err)
	require.Error(t, c.RevokeConsent(ctx, testConsentID))
	_, err = c.RefreshStoredData(ctx, testConsentID)
	require.Error(t, err)
	_, err = c.ReauthLink(ctx, testConsentID)
	require.Error(t, err)
	_, err = c.Begin(ctx, reauth.Request{ConnectionID: testConsentID})
	require.Error(t, err)
	_, err = c.Continue(ctx, &reauth.Flow{Provider: reauth.Atto}, reauth.Reply{})
	require.Error(t, err)
	_, err = c.Inspect(ctx, reauth.Request{ConnectionID: testConsentID})
	require.Error(t, err)
	require.Equal(t, reauth.Atto, c.Provider())
	require.Zero(t, c.TokenFetches())
	require.NotPanics(t, func() { _ = c.LogValue() })
	for _, err := range c.InspectAll(ctx) {
		require.Error(t, err)
	}
	_, err = atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, hookSecret))
	require.Error(t, err)
}
