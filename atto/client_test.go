package atto_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func TestNewValidatesEverythingAtOnce(t *testing.T) {
	t.Parallel()
	_, err := atto.New(atto.Credentials{ClientSecret: ""},
		atto.WithBaseURL("ftp://x"),
		atto.WithConnectURL("https://connect.example?x=1"),
		atto.WithHTTPClient(nil),
		atto.WithRetries(-1, 0, 0),
		atto.WithClock(nil),
		atto.WithUserAgent("a\nb"),
		atto.WithLeadTime(-time.Hour),
		atto.WithMinLinkValidity(0),
		nil,
	)
	require.Error(t, err)
	for _, want := range []string{
		"ClientID is required", "ClientSecret is required", "WithBaseURL", "WithConnectURL",
		"WithHTTPClient", "WithRetries", "WithClock", "WithUserAgent", "WithLeadTime",
		"WithMinLinkValidity", "option 8 is nil",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Regexp(t, "^atto: ", err.Error())
}

func TestNewAcceptsPrefixesAndMakesNoRequest(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, atto.WithBaseURL("https://proxy.example/atto/"), atto.WithConnectURL(atto.DefaultConnectURL),
		atto.WithUserAgent("app/1.0"), atto.WithLogger(slog.New(slog.DiscardHandler)))
	require.NotNil(t, c)
	assert.Zero(t, mt.GetTotalCallCount())
	assert.Equal(t, "atto", string(c.Provider()))
}

func TestBaseURLPrefixIsKept(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, atto.WithBaseURL("https://proxy.example/atto/"))
	mt.RegisterResponder(http.MethodPost, "https://proxy.example/atto/v1/oauth2/token",
		tokenResponder(t, atto.ScopeConsent, snakeToken(testToken), nil))
	mt.RegisterResponder(http.MethodGet, "https://proxy.example/atto/consents/v1/"+testConsentID,
		jsonResponder(200, `{"consentId":"`+testConsentID+`","consentStatus":"Active"}`))
	got, err := c.GetConsent(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Equal(t, atto.StatusActive, got.ConsentStatus)
}

func TestCredentialsAndClientNeverPrintTheSecret(t *testing.T) {
	t.Parallel()
	c, _ := mockClient(t)
	scan := reauthtest.NewLeakScan(testClientSecret)
	scan.Add(testCreds, &testCreds, c)
	assert.Equal(t, 3, scan.Check(t))
	assert.Contains(t, testCreds.String(), testClientID)
	assert.Contains(t, testCreds.String(), "REDACTED")
}
