package yapily_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

var allVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%t", "%x", "%X", "%o"}

func TestClientPrintsNoSecretUnderAnyVerb(t *testing.T) {
	t.Parallel()
	const secret = "PRINTCHECK-app-secret-4f4f"
	c, err := yapily.New(yapily.Credentials{ApplicationID: "app", ApplicationSecret: secret})
	require.NoError(t, err)
	basic := base64.StdEncoding.EncodeToString([]byte("app:" + secret))
	for _, v := range []any{c, *c, []any{*c}, struct{ C yapily.Client }{*c}} {
		for _, verb := range allVerbs {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, secret, "%s of %T", verb, v)
			assert.NotContains(t, out, basic, "%s of %T", verb, v)
			assert.NotContains(t, strings.ToLower(out), fmt.Sprintf("%x", secret), "%s of %T", verb, v)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "c", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "c", v)
		assert.NotContains(t, buf.String(), secret)
		assert.NotContains(t, buf.String(), basic)
	}
	assert.Contains(t, fmt.Sprint(c), "app")
}

// Every value that holds a secret prints without it under every verb, by
// value and by pointer.
func TestValuesPrintNoSecretUnderAnyVerb(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	ctx := context.Background()
	auth, err := c.ReauthoriseConsent(ctx, consent.Token, yapily.PSU{})
	require.NoError(t, err)
	got, err := c.GetConsent(ctx, consent.ID)
	require.NoError(t, err)
	page, err := c.ListConsents(ctx, yapily.ConsentFilter{Limit: 10})
	require.NoError(t, err)
	const hook = "PRINTCHECK-webhook-secret-77"
	v, err := yapily.NewWebhookVerifier(hook)
	require.NoError(t, err)
	creds := yapily.Credentials{ApplicationID: "a", ApplicationSecret: yapilytest.ApplicationSecret}
	secrets := []string{consent.Token, yapilytest.ApplicationSecret, hook, auth.State}
	for _, val := range []any{auth, *auth, got, *got, page, *page, v, *v, creds, &creds} {
		for _, verb := range allVerbs {
			out := fmt.Sprintf(verb, val)
			for _, sec := range secrets {
				assert.NotContains(t, out, sec, "%s of %T", verb, val)
			}
			assert.NotContains(t, out, fmt.Sprint([]byte(hook)), "%s of %T shows the key bytes", verb, val)
		}
	}
}

// A bank error relayed by Yapily that echoes the consent token is scrubbed in
// Details too, and InstitutionErrorOf and IssuesOf hand back scrubbed data.
func TestTypedDetailsAreScrubbed(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t, yapily.WithRetries(0, 0, 0))
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	tok := consent.Token
	srv.Inject(yapilytest.RouteReauthorise, 1, sim.Fault{Kind: sim.FaultStatus, Status: 424, Body: `{"error":{"code":424,"status":"FAILED_DEPENDENCY",
"source":"INSTITUTION","institutionError":{"errorMessage":"bad token ` + tok + `","httpStatusCode":401},
"issues":[{"type":"INSTITUTION","code":"x","parameter":"` + tok + `","message":"token ` + tok + `",
"institutionError":{"errorMessage":"again ` + tok + `","httpStatusCode":400}}]}}`})
	_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: tok})
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	for _, verb := range allVerbs {
		assert.NotContains(t, fmt.Sprintf(verb, ae.Details), tok, verb)
	}
	ie := yapily.InstitutionErrorOf(ae)
	require.NotNil(t, ie)
	assert.Equal(t, "bad token REDACTED", ie.ErrorMessage)
	assert.Equal(t, 401, ie.HTTPStatusCode)
	is := yapily.IssuesOf(ae)
	require.Len(t, is, 1)
	assert.Equal(t, "REDACTED", is[0].Parameter)
	assert.Equal(t, "token REDACTED", is[0].Message)
	assert.Equal(t, "again REDACTED", is[0].InstitutionError.ErrorMessage)
	assert.Nil(t, yapily.InstitutionErrorOf(nil))
	assert.Nil(t, yapily.IssuesOf(&reauth.APIError{Details: map[string]any{yapily.DetailIssues: "junk"}}))
}

func TestNilAndZeroClientReturnErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, c := range map[string]*yapily.Client{"nil": nil, "zero": {}} {
		calls := map[string]func() error{
			"Begin":    func() error { _, err := c.Begin(ctx, reauth.Request{ConnectionID: "a", Token: "b"}); return err },
			"Continue": func() error { _, err := c.Continue(ctx, &reauth.Flow{}, reauth.Reply{}); return err },
			"Inspect":  func() error { _, err := c.Inspect(ctx, reauth.Request{ConnectionID: "a"}); return err },
			"Reauthorise": func() error {
				_, err := c.ReauthoriseConsent(ctx, "t", yapily.PSU{})
				return err
			},
			"Get":     func() error { _, err := c.GetConsent(ctx, "a"); return err },
			"Extend":  func() error { _, err := c.ExtendConsent(ctx, "a", time.Now()); return err },
			"Delete":  func() error { _, err := c.DeleteConsent(ctx, "a"); return err },
			"List":    func() error { _, err := c.ListConsents(ctx, yapily.ConsentFilter{Limit: 1}); return err },
			"Code":    func() error { _, err := c.ExchangeAuthCode(ctx, "c", "s"); return err },
			"OneTime": func() error { _, err := c.ExchangeOneTimeToken(ctx, "o"); return err },
		}
		for call, f := range calls {
			err := f()
			assert.ErrorIs(t, err, reauth.ErrInvalidRequest, "%s %s", name, call)
		}
		assert.Equal(t, reauth.Yapily, c.Provider())
		assert.NotPanics(t, func() { _ = c.String(); _ = fmt.Sprintf("%v %+v %d", c, c, c); _ = c.LogValue() })
	}
}

// Zero-value and typed-nil verifiers refuse every delivery with 401 inside
// reauth.NewWebhookHandler, never 400 or a panic.
func TestZeroAndNilVerifiersAnswer401(t *testing.T) {
	t.Parallel()
	body := `{"type":"consent.expired","event":{"consentId":"c"}}`
	for name, v := range map[string]*yapily.WebhookVerifier{"zero": {}, "typed nil": nil} {
		h := reauth.NewWebhookHandler(v, func(context.Context, reauth.Event) error { return nil })
		req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		req.Header.Set(yapily.SignatureHeader, yapilytest.SignWebhook("", []byte(body)))
		rec := httptest.NewRecorder()
		require.NotPanics(t, func() { h.ServeHTTP(rec, req) }, name)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, name)
		assert.NotPanics(t, func() { _ = v.String() }, name)
	}
}

// The verifier trusts the body it is given: the handler caps it.
func TestVerifierHasNoBodyCapOfItsOwn(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	v, err := yapily.NewWebhookVerifier(yapilytest.WebhookSecret)
	require.NoError(t, err)
	big := []byte(`{"type":"consent.expired","event":{"consentId":"c","pad":"` + strings.Repeat("x", reauth.DefaultMaxWebhookBytes) + `"}}`)
	req, err := srv.WebhookRequest(context.Background(), "http://app.example/hook", big)
	require.NoError(t, err)
	ev, err := v.Verify(context.Background(), req, big)
	require.NoError(t, err)
	assert.Equal(t, reauth.ConsentExpired, ev.Type)

	// Through the handler, the same delivery is refused for its size.
	var got []reauth.Event
	h := httptest.NewServer(reauth.NewWebhookHandler(v, func(_ context.Context, e reauth.Event) error { got = append(got, e); return nil }))
	t.Cleanup(h.Close)
	status, err := srv.DeliverWebhook(context.Background(), h.URL, big)
	require.NoError(t, err)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	status, err = srv.DeliverWebhook(context.Background(), h.URL, []byte(`{"type":"consent.revoked","event":{"consentId":"c"}}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	require.Len(t, got, 1)
	assert.Equal(t, reauth.ConsentRevoked, got[0].Type)
}
