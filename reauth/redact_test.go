package reauth_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// TestNoVerbPrintsASecret: every fmt verb, by value and by pointer, and slog
// text and JSON, print the redacted form of every reauth type holding a
// secret, and of the errors.
func TestNoVerbPrintsASecret(t *testing.T) {
	t.Parallel()
	f := secretFlow()
	req := reauth.Request{ConnectionID: "c", Token: "token-SECRET-8", State: "state-SECRET-9", RedirectURI: "https://app/cb?x=query-SECRET-10"}
	reply := reauth.Reply{Callback: url.Values{"code": {"code-SECRET-11"}}, Inputs: map[string]string{"otp": "otp-SECRET-12"}}
	apiErr := &reauth.APIError{Provider: reauth.Atto, Message: "scrubbed", Details: map[string]any{"raw": "detail-SECRET-13"}}
	values := []any{f, &f, *f.Result, f.Result, f.Result.Credentials, &f.Result.Credentials, req, &req, reply, &reply, apiErr}
	secrets := []string{"SECRET"}
	scan := reauthtest.NewLeakScan(secrets...).Verbs(reauthtest.AllVerbs...)
	scan.Add(values...)
	assert.Equal(t, len(values), scan.Check(t))
	for _, verb := range reauthtest.AllVerbs {
		for _, v := range values[:len(values)-1] {
			assert.Contains(t, fmt.Sprintf(verb, v), reauth.Redacted, "%s of %T", verb, v)
		}
	}
	assert.Equal(t, `"`+f.String()+`"`, fmt.Sprintf("%q", f))
	assert.Equal(t, f.String(), fmt.Sprintf("%d", &f))
	assert.True(t, strings.HasPrefix(fmt.Sprintf("%#v", &f.Result.Credentials), `reauth.Credentials{AccessToken:"REDACTED"`))
	var nilErr *reauth.APIError
	assert.Equal(t, "<nil>", fmt.Sprintf("%d", nilErr))
}

func ExampleRedact() {
	type client struct{ id, secret string }
	c := client{id: "app-1", secret: "s3cr3t"}
	v := reauth.Redact("mypkg.Client", reauth.Show("ClientID", c.id), reauth.Show("ClientSecret", reauth.RedactSecret(c.secret)))
	fmt.Printf("%v\n%#v\n%d\n", v, v, v)
	// Output:
	// Client{ClientID: app-1, ClientSecret: REDACTED}
	// mypkg.Client{ClientID:"app-1", ClientSecret:"REDACTED"}
	// Client{ClientID: app-1, ClientSecret: REDACTED}
}
