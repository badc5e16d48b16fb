package finch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := finch.New(finch.Credentials{},
		finch.WithBaseURL("ftp://x"),
		finch.WithConnectURL("https://connect.example/?q=1"),
		finch.WithRetries(-1, 0, 0),
		finch.WithHTTPClient(nil),
		finch.WithClock(nil),
		finch.WithUserAgent("bad\r\n"),
		finch.WithSessionMinutes(0),
		nil,
	)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{"ClientID", "ClientSecret", "WithBaseURL", "WithConnectURL", "WithRetries",
		"WithHTTPClient", "WithClock", "WithUserAgent", "WithSessionMinutes", "option 7 is nil"} {
		assert.Contains(t, msg, want)
	}
	assert.True(t, strings.HasPrefix(msg, "finch: "), msg)
}

func TestNewAcceptsValidOptions(t *testing.T) {
	t.Parallel()
	c, err := finch.New(finch.Credentials{ClientID: "id", ClientSecret: "secret-value"},
		finch.WithBaseURL("http://127.0.0.1:8080/prefix/"),
		finch.WithLogger(slog.New(slog.DiscardHandler)),
		finch.WithUserAgent("app/1.0"),
		finch.WithClock(time.Now),
		finch.WithSessionMinutes(finch.MaxSessionMinutes),
	)
	require.NoError(t, err)
	assert.Equal(t, reauth.Finch, c.Provider())
}

func TestCredentialsAndClientNeverPrintTheSecret(t *testing.T) {
	t.Parallel()
	creds := finch.Credentials{ClientID: "client-id", ClientSecret: testClientSecret}
	c, err := finch.New(creds)
	require.NoError(t, err)
	scan := reauthtest.NewLeakScan(testClientSecret)
	scan.Add(creds, &creds, c)
	assert.Equal(t, 3, scan.Check(t), "values scanned")
	for _, v := range []any{creds, &creds, c} { // String and GoString still show the id
		assert.Contains(t, fmt.Sprint(v), "client-id", "%T", v)
		assert.Contains(t, fmt.Sprintf("%#v", v), "client-id", "%T", v)
	}
	assert.Contains(t, fmt.Sprint(creds), reauth.Redacted)
}

func TestIsReauthRequiredIsErrorsIs(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("sync: %w", &reauth.APIError{Kind: reauth.ErrReauthRequired})
	assert.True(t, finch.IsReauthRequired(wrapped))
	assert.Equal(t, errors.Is(wrapped, reauth.ErrReauthRequired), finch.IsReauthRequired(wrapped))
	assert.False(t, finch.IsReauthRequired(reauth.ErrUnauthorized))
	assert.False(t, finch.IsReauthRequired(nil))
}

// TestWithSessionTTL: the duration option sets minutes_to_expire on the
// wire and the flow's ExpiresAt; out-of-range values fail New; the
// deprecated minutes option still works.
func TestWithSessionTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, opt := range []finch.Option{finch.WithSessionTTL(2*time.Hour + 30*time.Second), finch.WithSessionMinutes(120)} {
		srv.ResetLog()
		c := simClient(t, srv, opt, finch.WithClock(func() time.Time { return now }))
		flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.ID})
		require.NoError(t, err)
		assert.Equal(t, now.Add(2*time.Hour), flow.ExpiresAt)
		var body map[string]any
		require.NoError(t, json.Unmarshal(srv.Requests()[0].Body, &body))
		assert.Equal(t, float64(120), body["minutes_to_expire"])
	}
	for _, opt := range []finch.Option{finch.WithSessionTTL(30 * time.Second), finch.WithSessionTTL(finch.MaxSessionTTL + time.Minute),
		finch.WithSessionMinutes(0), finch.WithSessionMinutes(finch.MaxSessionMinutes + 1)} {
		_, err := finch.New(finch.Credentials{ClientID: "id", ClientSecret: "s"}, opt)
		assert.Error(t, err)
	}
}
