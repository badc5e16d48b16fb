package yapily_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/yapily"
)

// A consent answer over the default 1 MiB cap is refused, and read whole
// once WithMaxResponseBytes raises the cap.
func TestWithMaxResponseBytes(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat("x", 3<<19) // 1.5 MiB
	big := strings.Replace(consentResponse, `"applicationUserId":"string"`, `"applicationUserId":"`+pad+`"`, 1)
	get := func(opts ...yapily.Option) (*yapily.Consent, error) {
		mt, c := mockClient(t, opts...)
		mt.RegisterResponder(http.MethodGet, testBase+"/consents/"+testConsent, jsonResp(200, big))
		return c.GetConsent(context.Background(), testConsent)
	}
	_, err := get()
	require.ErrorIs(t, err, reauth.ErrInvalidResponse, "over the default cap")
	_, err = get(yapily.WithMaxResponseBytes(1 << 20))
	require.ErrorIs(t, err, reauth.ErrInvalidResponse, "over an explicit cap")
	got, err := get(yapily.WithMaxResponseBytes(2 << 20))
	require.NoError(t, err)
	assert.Equal(t, pad, got.ApplicationUserID)

	for _, n := range []int64{0, -1} {
		_, err = yapily.New(yapily.Credentials{ApplicationID: "a", ApplicationSecret: "b"}, yapily.WithMaxResponseBytes(n))
		require.ErrorIs(t, err, reauth.ErrInvalidRequest)
		assert.Contains(t, err.Error(), "yapily: new client: WithMaxResponseBytes")
	}
}

// New reports every problem in one format, wrapping ErrInvalidRequest.
func TestNewErrorFormat(t *testing.T) {
	t.Parallel()
	_, err := yapily.New(yapily.Credentials{ApplicationID: " a"}, nil, yapily.WithFlowTTL(-1))
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.True(t, strings.HasPrefix(err.Error(), "yapily: new client: "), err.Error())
	for _, s := range []string{"option 0 is nil", "WithFlowTTL", "ApplicationID has leading or trailing spaces", "ApplicationSecret is required"} {
		assert.Contains(t, err.Error(), s)
	}
	_, err = yapily.New(yapily.Credentials{ApplicationID: "a"}, yapily.WithSubApplication(""))
	assert.NotContains(t, err.Error(), "WithSubApplication", "an empty sub-application sends none")
}

// Secrets echoed in another form than sent (the raw application secret
// behind the Basic header, a URL-encoded consent token) are scrubbed too.
func TestCheckResponseScrubsEncodedSecrets(t *testing.T) {
	t.Parallel()
	const secret, token = "SCRUB-app+secret/1", "SCRUB-consent+token/2"
	req, _ := http.NewRequest(http.MethodGet, "https://api.yapily.com/accounts", nil)
	req.SetBasicAuth("app", secret)
	req.Header.Set("Consent", token)
	body := `{"error":{"code":403,"status":"FORBIDDEN","message":"secret ` + secret + ` token ` + url.QueryEscape(token) + `",
"tracingId":"` + token + `"}}`
	resp := &http.Response{StatusCode: 403, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
	err := yapily.CheckResponse(resp)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	ae := asAPIError(err)
	assert.Equal(t, "secret REDACTED token REDACTED", ae.Message)
	assert.Equal(t, "REDACTED", ae.RequestID)
	rest, _ := io.ReadAll(resp.Body)
	assert.Equal(t, body, string(rest), "the body is restored")
}

// No exported method panics on nil or zero values. yapilytest.Server is
// left out: it is made by NewServer only, and most of its methods are the
// embedded sim.Server's.
func TestNilAndZeroValuesDoNotPanic(t *testing.T) {
	t.Parallel()
	calls := reauthtest.CheckNilSafe(t,
		(*yapily.Client)(nil), &yapily.Client{}, yapily.Client{},
		(*yapily.WebhookVerifier)(nil), &yapily.WebhookVerifier{}, yapily.WebhookVerifier{},
		yapily.Credentials{}, &yapily.Credentials{},
		yapily.Consent{}, &yapily.Consent{}, yapily.AccountAuthorisation{}, &yapily.AccountAuthorisation{},
		(*yapily.ConsentPage)(nil), &yapily.ConsentPage{}, yapily.ConsentFilter{}, yapily.PSU{},
		(*yapily.ConsentStatusError)(nil), &yapily.ConsentStatusError{}, yapily.AuthorisationStatus(""),
		(*yapily.InstitutionError)(nil), yapily.Issue{}, yapily.ForwardedData{}, yapily.ConsentDeletion{},
	)
	assert.Greater(t, calls, 40)
}
