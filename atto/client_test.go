package atto_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/reauth"
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

// Issue 11: New's one error format wraps reauth.ErrInvalidRequest, and a
// bad WithMaxResponseBytes is reported with the rest.
func TestNewErrorFormat(t *testing.T) {
	t.Parallel()
	_, err := atto.New(atto.Credentials{ClientID: " id", ClientSecret: "s\n"}, atto.WithMaxResponseBytes(0))
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Regexp(t, "^atto: new client: ", err.Error())
	for _, want := range []string{"ClientID has leading or trailing spaces", "ClientSecret contains control characters", "WithMaxResponseBytes"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "s\n")
}

// Issue 11: a legitimately large answer (a 2 MiB ListConsents page) is
// refused under the default 1 MiB cap and read once WithMaxResponseBytes
// raises it.
func TestWithMaxResponseBytes(t *testing.T) {
	t.Parallel()
	const n = 8000
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"consentId":"c-%05d","consentStatus":"Active","statusDetails":"%s"}`, i, strings.Repeat("d", 200))
	}
	b.WriteString("]")
	page := b.String()
	require.Greater(t, len(page), 1<<21-100_000)
	list := func(opts ...atto.Option) (*atto.ConsentList, error) {
		c, mt := mockClient(t, opts...)
		registerToken(t, mt, testToken, nil)
		mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1", jsonResponder(http.StatusOK, page))
		return c.ListConsents(t.Context(), atto.ListConsentsParams{})
	}

	_, err := list()
	require.ErrorIs(t, err, reauth.ErrInvalidResponse, "refused under the default cap")
	assert.Contains(t, err.Error(), "size cap")

	got, err := list(atto.WithMaxResponseBytes(4 << 20))
	require.NoError(t, err)
	assert.Len(t, got.Consents, n)
}
