package finch_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// TestNewErrorFormat: every problem of New comes back in one error with
// one prefix, wrapping reauth.ErrInvalidRequest.
func TestNewErrorFormat(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]finch.Option{
		"nil option":         {nil},
		"zero max bytes":     {finch.WithMaxResponseBytes(0)},
		"negative max":       {finch.WithMaxResponseBytes(-1)},
		"bad session TTL":    {finch.WithSessionTTL(0)},
		"bad base URL":       {finch.WithBaseURL("ftp://x")},
		"nil http.Client":    {finch.WithHTTPClient(nil)},
		"control chars ua":   {finch.WithUserAgent("a\nb")},
		"bad connect URL":    {finch.WithConnectURL("https://x/?q=1")},
		"secret with \\r\\n": nil,
	} {
		creds := finch.Credentials{ClientID: "id", ClientSecret: "secret-value"}
		if opts == nil {
			creds.ClientSecret = "secret\r\nvalue"
		}
		_, err := finch.New(creds, opts...)
		require.Error(t, err, name)
		assert.True(t, strings.HasPrefix(err.Error(), "finch: new client: "), "%s: %s", name, err)
		assert.ErrorIs(t, err, reauth.ErrInvalidRequest, name)
		assert.NotContains(t, err.Error(), "secret", name)
	}
	_, err := finch.New(finch.Credentials{ClientID: " id", ClientSecret: "s"})
	assert.ErrorContains(t, err, "Credentials.ClientID has leading or trailing spaces")
	_, err = finch.NewWebhookVerifier("", nil, finch.WithTolerance(0))
	require.Error(t, err)
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	for _, want := range []string{"webhook secret is required", "option 0 is nil", "WithTolerance"} {
		assert.ErrorContains(t, err, want)
	}
}

// TestWithMaxResponseBytes: an answer above the default 1 MiB cap is
// refused, and read in full once the cap is raised.
func TestWithMaxResponseBytes(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("n", 3<<19) // 1.5 MiB
	body := `{"id":"comp-1","legal_name":"` + name + `"}`
	for _, tc := range []struct {
		opts []finch.Option
		ok   bool
	}{
		{nil, false},
		{[]finch.Option{finch.WithMaxResponseBytes(1 << 20)}, false},
		{[]finch.Option{finch.WithMaxResponseBytes(2 << 20)}, true},
	} {
		c, mt := newMock(t, tc.opts...)
		mt.RegisterResponder(http.MethodGet, testBase+"/employer/company", httpmock.NewStringResponder(http.StatusOK, body))
		co, err := c.Company(context.Background(), testToken)
		if !tc.ok {
			assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
			continue
		}
		require.NoError(t, err)
		assert.Len(t, co.LegalName, len(name))
	}
}

// TestEchoedBasicCredentialIsScrubbed: Finch echoing the Authorization
// header of a session call (Basic base64(id:secret)), the raw secret, or
// an encoded form of it, in its error body or request id, never reaches
// the error under any verb.
func TestEchoedBasicCredentialIsScrubbed(t *testing.T) {
	t.Parallel()
	// An id:secret prefix whose length is not a multiple of 3, so that the
	// base64 of the pair does not end in the base64 of the secret alone.
	const id = "client-id-12345"
	basic := base64.StdEncoding.EncodeToString([]byte(id + ":" + testClientSecret))
	for _, echo := range []string{
		"Basic " + basic,
		basic,
		testClientSecret,
		url.QueryEscape(testClientSecret),
	} {
		mt := httpmock.NewMockTransport()
		c, err := finch.New(finch.Credentials{ClientID: id, ClientSecret: testClientSecret},
			finch.WithHTTPClient(&http.Client{Transport: mt}), finch.WithBaseURL(testBase), finch.WithRetries(0, 0, 0))
		require.NoError(t, err)
		body := fmt.Sprintf(`{"code":401,"name":"invalid_client_error","message":"bad credentials: %s"}`, echo)
		mt.RegisterResponder(http.MethodPost, testBase+"/connect/sessions/reauthenticate",
			new(capture).responder(http.StatusUnauthorized, body, "Finch-Request-Id", echo))
		// The token call carries the secret in its body, not in a header:
		// only the Client's own Scrubber knows it there.
		mt.RegisterResponder(http.MethodPost, testBase+"/auth/token",
			new(capture).responder(http.StatusUnauthorized, body, "Finch-Request-Id", echo))
		_, sessErr := c.NewReauthSession(context.Background(), finch.ReauthSessionRequest{ConnectionID: "conn-1"})
		_, tokErr := c.ExchangeCode(context.Background(), testCode, "")
		for _, err := range []error{sessErr, tokErr} {
			require.ErrorIs(t, err, reauth.ErrUnauthorized)
			assert.Contains(t, err.Error(), reauth.Redacted)
			scan := reauthtest.NewLeakScan(testClientSecret, basic, echo)
			scan.Add(err)
			scan.Check(t)
		}
	}
}

// TestCheckResponseScrubsTheCallersToken: CheckResponse knows no secret
// of its own; the access token of the request's Authorization header is
// scrubbed from what Finch echoes.
func TestCheckResponseScrubsTheCallersToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	code, ok := srv.IssueCode(conn.ID, "")
	require.True(t, ok)
	tok, err := simClient(t, srv).ExchangeCode(ctx, code, "")
	require.NoError(t, err)
	req := directoryRequest(t, ctx, srv, tok.AccessToken)
	resp := httpmock.NewStringResponse(http.StatusUnauthorized,
		`{"code":401,"name":"invalid_token_error","message":"token `+tok.AccessToken+` is revoked"}`)
	resp.Header.Set("Finch-Request-Id", tok.AccessToken)
	resp.Request = req
	err = finch.CheckResponse(resp)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	scan := reauthtest.NewLeakScan(tok.AccessToken)
	scan.Add(err)
	scan.Check(t)
}

// TestNilAndZeroValuesNeverPanic walks every exported method of the
// package's types, nil and zero.
func TestNilAndZeroValuesNeverPanic(t *testing.T) {
	t.Parallel()
	calls := reauthtest.CheckNilSafe(t,
		(*finch.Client)(nil), &finch.Client{}, finch.Client{},
		(*finch.WebhookVerifier)(nil), &finch.WebhookVerifier{}, finch.WebhookVerifier{},
		finch.Credentials{}, &finch.Credentials{},
		finch.Token{}, &finch.Token{},
		finch.ConnectSession{}, &finch.ConnectSession{},
		finch.AuthorizeParams{}, &finch.AuthorizeParams{},
		finch.ReauthSessionRequest{}, finch.ConnectSessionRequest{},
		finch.Introspection{}, &finch.Introspection{}, finch.Company{},
		finch.ConnectionStatus(""), finch.ConnectionStatusDetail{}, finch.AuthenticationMethod{},
		(*finch.ConnectionMismatchError)(nil), &finch.ConnectionMismatchError{},
		finchtest.Connection{}, finchtest.SignedPayload{},
	)
	assert.Greater(t, calls, 60)
	var mismatch *finch.ConnectionMismatchError
	assert.False(t, errors.As(errors.New("x"), &mismatch))
}
