package finch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
)

// Example repairs a broken Finch connection against the simulator: a data
// call fails with reauthenticate_user, Begin starts from the access token
// alone, the employer approves in Connect, and Continue returns a new token
// for the same connection.
func Example() {
	ctx := context.Background()
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)

	c, err := finch.New(
		finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL), finch.WithHTTPClient(srv.Client()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Company(ctx, conn.AccessToken)
	fmt.Println("re-auth required:", errors.Is(err, reauth.ErrReauthRequired))

	flow, err := c.Begin(ctx, reauth.Request{Token: conn.AccessToken, RedirectURI: "https://app.example/finch/callback"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("step:", flow.Step)

	callback, err := srv.Approve(ctx, flow.URL) // the employer goes through Finch Connect
	if err != nil {
		fmt.Println(err)
		return
	}
	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: callback})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("step:", flow.Step)
	fmt.Println("same connection:", flow.Result.ConnectionID == conn.ID)
	fmt.Println("new token:", flow.Result.CredentialsChanged && flow.Result.Credentials.AccessToken != conn.AccessToken)

	_, err = c.Company(ctx, flow.Result.Credentials.AccessToken)
	fmt.Println("data call works:", err == nil)
	// Output:
	// re-auth required: true
	// step: redirect
	// step: done
	// same connection: true
	// new token: true
	// data call works: true
}

// ExampleClient_Inspect polls a connection's health.
func ExampleClient_Inspect() {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	c, _ := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL), finch.WithHTTPClient(srv.Client()))

	h, _ := c.Inspect(context.Background(), reauth.Request{Token: conn.AccessToken})
	fmt.Println(h.State, h.ProviderStatus)
	srv.RequireReauth(conn.ID)
	h, _ = c.Inspect(context.Background(), reauth.Request{Token: conn.AccessToken})
	fmt.Println(h.State, h.ProviderStatus, h.NeedsAction())
	// Output:
	// healthy connected
	// needs_reauth reauth true
}

// ExampleWebhookVerifier verifies a delivery signed with the simulator's
// test helper.
func ExampleWebhookVerifier() {
	secret := finchtest.WebhookSecret
	v, err := finch.NewWebhookVerifier(secret)
	if err != nil {
		fmt.Println(err)
		return
	}
	body := `{"event_type":"account.updated","connection_id":"conn-1","data":{"status":"reauth"}}`
	p, _ := finchtest.GenerateTestSignedPayload(secret, time.Now(), []byte(body))
	r := httptest.NewRequest("POST", "/webhooks/finch", strings.NewReader(body))
	r.Header = p.Header()

	ev, err := v.Verify(context.Background(), r, p.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Type, ev.ConnectionID)
	// Output: reauth_required conn-1
}

// ExampleClient_AuthorizeURL builds a legacy static Connect URL.
func ExampleClient_AuthorizeURL() {
	c, _ := finch.New(finch.Credentials{ClientID: "my-client-id", ClientSecret: "my-secret"})
	u, _ := c.AuthorizeURL(finch.AuthorizeParams{
		Products:    []string{finch.ProductCompany, finch.ProductDirectory},
		RedirectURI: "https://app.example/cb",
	})
	fmt.Println(u)
	// Output: https://connect.tryfinch.com/authorize?client_id=my-client-id&products=company+directory&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&sandbox=false
}

// ExampleCheckResponse classifies the application's own data call: the
// directory of a broken connection answers 401 reauthenticate_user, and
// the body stays readable.
func ExampleCheckResponse() {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/employer/directory", nil)
	req.Header.Set("Authorization", "Bearer "+conn.AccessToken)
	req.Header.Set("Finch-API-Version", finch.APIVersion)
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	err = finch.CheckResponse(resp)
	fmt.Println("re-auth required:", errors.Is(err, reauth.ErrReauthRequired))
	fmt.Println("next:", reauth.NextAction(err))
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("body still readable:", strings.Contains(string(body), "reauthenticate_user"))
	// Output:
	// re-auth required: true
	// next: begin_again
	// body still readable: true
}

// ExampleClient_Disconnect revokes the stray connection a re-authentication
// under other credentials created.
func ExampleClient_Disconnect() {
	ctx := context.Background()
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	c, _ := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL), finch.WithHTTPClient(srv.Client()))

	flow, _ := c.Begin(ctx, reauth.Request{ConnectionID: conn.ID})
	callback, _ := srv.ApproveNewConnection(ctx, flow.URL) // the employer signs in as another company
	_, err := c.Continue(ctx, flow, reauth.Reply{Callback: callback})
	var mismatch *finch.ConnectionMismatchError
	if errors.As(err, &mismatch) {
		fmt.Println("next:", reauth.NextAction(err))
		fmt.Println("disconnect error:", c.Disconnect(ctx, mismatch.Token.AccessToken))
	}
	// Output:
	// next: new_connection
	// disconnect error: <nil>
}

// ExampleWithMaxResponseBytes raises the cap on one answer's size for an
// application whose Finch answers are larger than 1 MiB. New reports a bad
// option, like every other problem, in one error.
func ExampleWithMaxResponseBytes() {
	creds := finch.Credentials{ClientID: "client-id", ClientSecret: "client-secret"}
	if _, err := finch.New(creds, finch.WithMaxResponseBytes(8<<20)); err == nil {
		fmt.Println("8 MiB answers accepted")
	}
	_, err := finch.New(creds, finch.WithMaxResponseBytes(0))
	fmt.Println(err)
	// Output:
	// 8 MiB answers accepted
	// finch: new client: WithMaxResponseBytes: 0 is not a positive size
}
