package truelayer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	h, err := srv.SignWebhook("/webhooks/truelayer", body, time.Now())
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/webhooks/truelayer", bytes.NewReader(body))
	r.Header = h
	ev, err := v.Verify(context.Background(), r, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Type, ev.ProviderType, ev.ID)
	// Output:
	// other example ev-42
}
