package finch_test

import (
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
