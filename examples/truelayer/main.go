// Command truelayer runs one TrueLayer re-authentication end to end.
//
// By default it runs against the simulated TrueLayer (truelayertest) with
// no network: the application's own data call failing through
// reauth.Transport because the consent lapsed, Inspect, Begin, the
// simulated user's approval at the bank, Continue, Inspect again, the data
// call working again with a refreshing TokenSource, and a signed webhook
// delivery verified by a reauth webhook handler.
//
// Against the real TrueLayer sandbox it runs when these are set:
//
//	TRUELAYER_CLIENT_ID      sandbox client id
//	TRUELAYER_CLIENT_SECRET  sandbox client secret
//	TRUELAYER_REFRESH_TOKEN  refresh token of a sandbox connection
//	TRUELAYER_REDIRECT_URI   the redirect URI that connection was authorised with
//
// It then prints the bank URL, waits for you to paste the URL your browser
// was redirected to, and exchanges its code. It never prints a secret.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var err error
	if os.Getenv("TRUELAYER_CLIENT_ID") != "" {
		err = runSandbox(ctx)
	} else {
		err = runSimulated(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "truelayer example:", err)
		os.Exit(1)
	}
}

func runSimulated(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	const redirectURI = "https://app.example/truelayer/callback"

	srv := truelayertest.NewServer()
	defer srv.Close()
	conn := srv.Connect(redirectURI)
	srv.ExpireConsent(conn.CredentialsID, 24*time.Hour)
	fmt.Println("simulated TrueLayer: a connection whose consent lapsed a day ago")

	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		return err
	}

	// The application's own data calls go through reauth.Transport, which
	// tells it when a connection needs re-authentication.
	check := &reauth.Transport{Check: truelayer.CheckResponse, Notify: func(req *http.Request, err error) {
		_, id, _ := reauth.ConnectionFrom(req.Context())
		fmt.Printf("notify:   connection %s: %s\n", id, reauth.NextAction(err))
	}}
	accounts := func(src oauth2.TokenSource) (int, error) {
		hc := &http.Client{Transport: &oauth2.Transport{Source: src, Base: check}}
		defer hc.CloseIdleConnections()
		req, err := http.NewRequestWithContext(reauth.WithConnection(ctx, reauth.TrueLayer, conn.CredentialsID), http.MethodGet, srv.APIURL()+"/data/v1/accounts", nil)
		if err != nil {
			return 0, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	status, err := accounts(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: conn.AccessToken}))
	if err != nil {
		return err
	}
	fmt.Println("data:     GET /data/v1/accounts answered", status)

	if _, err := c.RefreshToken(ctx, conn.RefreshToken); errors.Is(err, reauth.ErrReauthRequired) {
		fmt.Println("refresh:  refused, re-authentication required")
	}
	h, err := c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
	if err != nil {
		return err
	}
	fmt.Println("inspect: ", h.State)

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	if err != nil {
		return err
	}
	fmt.Printf("begin:    %s to %s\n", flow.Step, reauth.RedactURL(flow.URL))

	callback, err := srv.Approve(ctx, flow.URL)
	if err != nil {
		return err
	}
	fmt.Println("user:     approved at the bank, callback carries", strings.Join(keys(callback), ", "))

	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: callback})
	if err != nil {
		return err
	}
	fmt.Printf("continue: %s, credentials changed: %t\n", flow.Step, flow.Result.CredentialsChanged)

	h, err = c.Inspect(ctx, reauth.Request{Token: flow.Result.Credentials.AccessToken})
	if err != nil {
		return err
	}
	fmt.Println("inspect: ", h.State, "until", h.ExpiresAt.Format("2006-01-02"))

	// A TokenSource refreshes the rotating pair when the access token
	// expires (here: pretend it already has) and would save it to a store.
	stored := flow.Result.Credentials
	stored.ExpiresAt = time.Now().Add(-time.Minute)
	ts := c.TokenSource(stored, truelayer.WithTokenKey(conn.CredentialsID))
	before := srv.Count(truelayertest.RouteToken)
	status, err = accounts(ts.OAuth2(ctx))
	if err != nil {
		return err
	}
	fmt.Println("data:     GET /data/v1/accounts answered", status, "after refreshes:", srv.Count(truelayertest.RouteToken)-before)

	v, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(srv.JWKSURL()))
	if err != nil {
		return err
	}
	app := httptest.NewServer(reauth.NewWebhookHandler(v, func(_ context.Context, ev reauth.Event) error {
		fmt.Printf("webhook:  verified %s event %q (%s)\n", ev.Type, ev.ProviderType, ev.ID)
		return nil
	}))
	defer app.Close()
	status, err = srv.DeliverWebhook(ctx, app.URL+"/webhooks/truelayer", []byte(`{"event_type":"example","event_id":"ev-1"}`))
	if err != nil {
		return err
	}
	fmt.Println("webhook:  handler answered", status)
	return nil
}

func runSandbox(ctx context.Context) error {
	creds := truelayer.Credentials{ClientID: os.Getenv("TRUELAYER_CLIENT_ID"), ClientSecret: os.Getenv("TRUELAYER_CLIENT_SECRET")}
	refresh, redirectURI := os.Getenv("TRUELAYER_REFRESH_TOKEN"), os.Getenv("TRUELAYER_REDIRECT_URI")
	if refresh == "" || redirectURI == "" {
		return errors.New("set TRUELAYER_REFRESH_TOKEN and TRUELAYER_REDIRECT_URI too")
	}
	c, err := truelayer.New(creds, truelayer.WithEnvironment(truelayer.Sandbox))
	if err != nil {
		return err
	}
	flow, err := c.Begin(ctx, reauth.Request{Token: refresh, RedirectURI: redirectURI})
	if err != nil {
		return err
	}
	fmt.Println("begin: open this URL in a browser and authorise at the bank:")
	fmt.Println(flow.URL) // the user must open it; it carries no app secret
	fmt.Print("paste the URL you were redirected to: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		return err
	}
	u, err := url.Parse(strings.TrimSpace(line))
	if err != nil {
		return errors.New("not a URL")
	}
	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: u.Query()})
	if err != nil {
		return err
	}
	fmt.Printf("continue: %s, credentials changed: %t (store flow.Result.Credentials)\n", flow.Step, flow.Result.CredentialsChanged)
	return nil
}

func keys(v url.Values) []string {
	out := make([]string, 0, len(v))
	for _, k := range []string{"code", "exchange_code", "state", "error"} {
		if v.Has(k) {
			out = append(out, k)
		}
	}
	return out
}
