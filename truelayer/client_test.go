package truelayer_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/truelayer"
)

func TestNewValidatesAndJoinsAllProblems(t *testing.T) {
	t.Parallel()
	_, err := truelayer.New(truelayer.Credentials{},
		truelayer.WithHTTPClient(nil),
		truelayer.WithRetries(-1, 0, 0),
		truelayer.WithAuthURL("ftp://x"),
		truelayer.WithAPIURL("https://api.example/?q=1"),
		truelayer.WithEnvironment("moon"),
		truelayer.WithExtendPath("no-slash"),
		truelayer.WithLeadTime(-time.Hour),
		truelayer.WithExtendFlow(nil),
		truelayer.WithClock(nil),
		nil,
	)
	require.Error(t, err)
	for _, want := range []string{"ClientID", "ClientSecret", "WithHTTPClient", "WithRetries", "WithAuthURL", "WithAPIURL", "WithEnvironment", "WithExtendPath", "WithLeadTime", "WithExtendFlow", "WithClock", "option 9 is nil"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.True(t, strings.HasPrefix(err.Error(), "truelayer: new client: "), err)
	assert.NotContains(t, err.Error(), "\n", "one line")
}

func TestNewSecretNeverInErrorOrPrint(t *testing.T) {
	t.Parallel()
	creds := truelayer.Credentials{ClientID: "id", ClientSecret: testClientSecret}
	_, err := truelayer.New(creds, truelayer.WithAuthURL("::bad"))
	require.Error(t, err)
	scan := reauthtest.NewLeakScan(testClientSecret)
	scan.Add(err, creds, &creds)
	require.Equal(t, 3, scan.Check(t))
	assert.Contains(t, slog.AnyValue(creds).Resolve().String(), reauth.Redacted)
}

func TestEnvironmentsAndBaseURLs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      []truelayer.Option
		auth, api string
	}{
		{"production default", nil, "https://auth.truelayer.com", "https://api.truelayer.com"},
		{"sandbox", []truelayer.Option{truelayer.WithEnvironment(truelayer.Sandbox)}, "https://auth.truelayer-sandbox.com", "https://api.truelayer-sandbox.com"},
		{"custom with prefix", []truelayer.Option{truelayer.WithEnvironment(truelayer.Sandbox), truelayer.WithAuthURL("http://127.0.0.1:9/auth/"), truelayer.WithAPIURL("http://127.0.0.1:9/api")}, "http://127.0.0.1:9/auth", "http://127.0.0.1:9/api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t, tc.opts...)
			mt.RegisterResponder(http.MethodPost, tc.auth+"/v1/reauthuri", jsonResponder(200, `{"success":true,"result":"https://bank.example/auth"}`))
			mt.RegisterResponder(http.MethodGet, tc.api+"/data/v1/me", jsonResponder(200, `{"results":[{"credentials_id":"c"}]}`))
			_, err := c.ReauthURI(context.Background(), truelayer.ReauthURIRequest{RefreshToken: "rt-1234", RedirectURI: "https://app.example/cb"})
			require.NoError(t, err)
			_, err = c.Me(context.Background(), "at-1234")
			require.NoError(t, err)
			assert.Equal(t, 2, mt.GetTotalCallCount())
		})
	}
}

func TestNoNetworkInNew(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	_, err := truelayer.New(truelayer.Credentials{ClientID: "a", ClientSecret: "b"}, truelayer.WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestArgumentsValidatedBeforeIO(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	ctx := context.Background()
	_, err := c.ReauthURI(ctx, truelayer.ReauthURIRequest{RedirectURI: "https://app/cb"})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.ReauthURI(ctx, truelayer.ReauthURIRequest{RefreshToken: "rt"})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.ExchangeCode(ctx, "", "https://app/cb", "")
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.ExchangeCode(ctx, "code", "", "")
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.RefreshToken(ctx, "")
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Me(ctx, "")
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	good := truelayer.ExtendRequest{RefreshToken: "rt", RedirectURI: "https://app/cb", UserHasReconfirmedConsent: true, User: truelayer.User{ID: "u", Name: "n", Email: "e@x"}}
	for _, mut := range []func(*truelayer.ExtendRequest){
		func(r *truelayer.ExtendRequest) { r.RefreshToken = "" },
		func(r *truelayer.ExtendRequest) { r.RedirectURI = "" },
		func(r *truelayer.ExtendRequest) { r.UserHasReconfirmedConsent = false },
		func(r *truelayer.ExtendRequest) { r.User.ID = "" },
		func(r *truelayer.ExtendRequest) { r.User.Name = "" },
		func(r *truelayer.ExtendRequest) { r.User.Email = "" },
	} {
		r := good
		mut(&r)
		_, err := c.ExtendConnection(ctx, r)
		require.Error(t, err)
		var in *reauth.InputError
		assert.True(t, errors.As(err, &in), err)
	}
	_, err = c.Begin(ctx, reauth.Request{RedirectURI: "https://app/cb"})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Begin(ctx, reauth.Request{Token: "rt"})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Inspect(ctx, reauth.Request{})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	assert.Zero(t, mt.GetTotalCallCount())
}
