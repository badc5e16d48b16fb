package truelayer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// A whole re-authentication against the simulated TrueLayer: Begin with the
// refresh token, the user approves at the bank, Continue exchanges the code.
func ExampleClient_Begin() {
	ctx := context.Background()
	srv := truelayertest.NewServer()
	defer srv.Close()
	conn := srv.Connect("https://app.example/callback")
	srv.ExpireConsent(conn.CredentialsID, 24*time.Hour)

	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		panic(err)
	}
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: "https://app.example/callback"})
	if err != nil {
		panic(err)
	}
	fmt.Println("begin:", flow.Step)

	callback, err := srv.Approve(ctx, flow.URL) // the simulated user approves
	if err != nil {
		panic(err)
	}
	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: callback})
	if err != nil {
		panic(err)
	}
	fmt.Println("continue:", flow.Step, "credentials changed:", flow.Result.CredentialsChanged)
	// Output:
	// begin: redirect
	// continue: done credentials changed: true
}

// ReauthURI on its own: the bank link for a connection's refresh token.
func ExampleClient_ReauthURI() {
	ctx := context.Background()
	srv := truelayertest.NewServer()
	defer srv.Close()
	conn := srv.Connect("https://app.example/callback")

	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		panic(err)
	}
	link, err := c.ReauthURI(ctx, truelayer.ReauthURIRequest{RefreshToken: conn.RefreshToken, RedirectURI: "https://app.example/callback", State: "s-1"})
	fmt.Println(err == nil && link != "")

	_, err = c.ReauthURI(ctx, truelayer.ReauthURIRequest{RefreshToken: "unknown-token", RedirectURI: "https://app.example/callback"})
	var apiErr *reauth.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, errors.Is(err, reauth.ErrReauthRequired))
	}
	// Output:
	// true
	// 400 invalid_grant true
}

// Verifying a webhook delivery signed by the simulated TrueLayer.
func ExampleWebhookVerifier_Verify() {
	srv := truelayertest.NewServer()
	defer srv.Close()
	v, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(srv.JWKSURL()))
	if err != nil {
		panic(err)
	}
	body := []byte(`{"event_type":"example","event_id":"ev-42"}`)
	// The delivery as TrueLayer would send it to your webhook URL.
	r, err := srv.WebhookRequest(context.Background(), "https://app.example/webhooks/truelayer", body)
	if err != nil {
		panic(err)
	}
	r.RequestURI = r.URL.RequestURI() // as your server receives it
	ev, err := v.Verify(context.Background(), r, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Type, ev.ProviderType, ev.ID)
	// Output:
	// other example ev-42
}

// CheckResponse classifies the application's own data call: here the
// consent has lapsed, so the answer says "re-authenticate", and the body
// is still readable.
func ExampleCheckResponse() {
	srv := truelayertest.NewServer()
	defer srv.Close()
	conn := srv.Connect("https://app.example/callback")
	srv.ExpireConsent(conn.CredentialsID, 0)

	req, _ := http.NewRequest(http.MethodGet, srv.APIURL()+"/data/v1/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+conn.AccessToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	err = truelayer.CheckResponse(resp)
	fmt.Println(errors.Is(err, reauth.ErrReauthRequired), reauth.NextAction(err))
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	fmt.Println(body.Len() > 0)
	// Output:
	// true begin_again
	// true
}

// A TokenSource refreshes the expired pair once, however many callers ask,
// and saves the new pair before handing it out.
func ExampleClient_TokenSource() {
	ctx := context.Background()
	srv := truelayertest.NewServer()
	defer srv.Close()
	conn := srv.Connect("https://app.example/callback")
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		panic(err)
	}
	stored := reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(-time.Minute)}
	ts := c.TokenSource(stored, truelayer.WithTokenKey(conn.CredentialsID),
		truelayer.WithTokenStore(
			func(context.Context) (reauth.Credentials, error) { return stored, nil },
			func(_ context.Context, t reauth.Credentials) error { stored = t; return nil },
		))
	for range 3 {
		if _, err := ts.Token(ctx); err != nil {
			panic(err)
		}
	}
	fmt.Println("refreshes:", srv.Count(truelayertest.RouteToken), "rotated:", stored.RefreshToken != conn.RefreshToken)
	// Output:
	// refreshes: 1 rotated: true
}

// Transport puts the source's access token on each data call. When
// TrueLayer refuses it (here: a re-authentication replaced the pair), the
// answer is a 401 and the token is dropped; the call after it uses the
// pair in the store. The instance that stored the new pair can call
// Invalidate and skip the 401.
func ExampleTokenSource_Transport() {
	ctx := context.Background()
	srv := truelayertest.NewServer()
	defer srv.Close()
	conn := srv.Connect("https://app.example/callback")
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		panic(err)
	}
	stored := reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(time.Hour)}
	ts := c.TokenSource(stored, truelayer.WithTokenKey(conn.CredentialsID),
		truelayer.WithTokenStore(
			func(context.Context) (reauth.Credentials, error) { return stored, nil },
			func(_ context.Context, t reauth.Credentials) error { stored = t; return nil },
		))
	hc := &http.Client{Transport: ts.Transport(&reauth.Transport{Check: truelayer.CheckResponse})}
	defer hc.CloseIdleConnections()
	get := func() {
		resp, err := hc.Get(srv.APIURL() + "/data/v1/accounts")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	get()

	// The user re-authenticates; the new pair goes into the store.
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: "https://app.example/callback"})
	if err != nil {
		panic(err)
	}
	cb, err := srv.Approve(ctx, flow.URL)
	if err != nil {
		panic(err)
	}
	if flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb}); err != nil {
		panic(err)
	}
	stored = flow.Result.Credentials

	get() // another instance's view: the old access token is refused
	get()
	fmt.Println("refreshes:", srv.Count(truelayertest.RouteToken)-1) // the code exchange aside
	// Output:
	// 200 OK
	// 401 Unauthorized
	// 200 OK
	// refreshes: 0
}

// WithMaxResponseBytes raises the cap on an answer's size (1 MiB by
// default); New refuses a cap that is not positive.
func ExampleWithMaxResponseBytes() {
	creds := truelayer.Credentials{ClientID: "id", ClientSecret: "secret"}
	_, err := truelayer.New(creds, truelayer.WithMaxResponseBytes(8<<20))
	fmt.Println(err)
	_, err = truelayer.New(creds, truelayer.WithMaxResponseBytes(0))
	fmt.Println(errors.Is(err, reauth.ErrInvalidRequest), err)
	// Output:
	// <nil>
	// true truelayer: new client: WithMaxResponseBytes: 0 is not a positive size
}
