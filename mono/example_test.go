package mono_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
)

// A headless re-auth: Mono asks for an OTP, the user mistypes it once, then
// gets it right. The flow stays usable after the wrong answer.
func Example() {
	srv := monotest.NewServer() // a simulated Mono; use mono.DefaultBaseURL in production
	defer srv.Close()
	c, err := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	if err != nil {
		panic(err)
	}
	fmt.Println("step:", flow.Step)
	fmt.Println("prompt:", flow.Prompt)
	for _, f := range flow.Fields {
		fmt.Printf("field: %s (%q, secret=%t, max %d)\n", f.Name, f.Label, f.Secret, f.MaxLength)
	}

	_, err = c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "11111"}})
	fmt.Println("wrong OTP rejected:", errors.Is(err, mono.ErrInputRejected))

	done, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	if err != nil {
		panic(err)
	}
	fmt.Println("step:", done.Step, "code received:", done.Result.Credentials.Code != "")
	fmt.Println("commits sent:", srv.Commits())
	// Output:
	// step: input
	// prompt: SimBank is requesting you to enter your OTP to continue with Quickstart
	// field: otp ("Enter OTP", secret=true, max 5)
	// wrong OTP rejected: true
	// step: done code received: true
	// commits sent: 2
}

// Mono's background login needs nobody: Begin returns a done flow.
func ExampleClient_Begin_background() {
	srv := monotest.NewServer()
	defer srv.Close()
	c, _ := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL))
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountBackground})
	if err != nil {
		panic(err)
	}
	fmt.Println(flow.Step, flow.Result.ConnectionID)
	// Output: done acc_background
}

// Link mode sends the user to Mono's hosted page and reads the callback.
func ExampleWithLinkMode() {
	srv := monotest.NewServer()
	defer srv.Close()
	c, _ := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL), mono.WithLinkMode())
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP, RedirectURI: "https://app.example/mono/callback"})
	if err != nil {
		panic(err)
	}
	fmt.Println("step:", flow.Step)
	cb, _ := srv.Approve(ctx, flow.URL) // the user's browser comes back to the callback
	reply := reauth.Reply{Callback: cb}
	done, err := c.Continue(ctx, flow, reply)
	if err != nil {
		panic(err)
	}
	fmt.Println("step:", done.Step)
	// Output:
	// step: redirect
	// step: done
}

// Verify a webhook delivery; Mono signs nothing, so dedupe redeliveries.
func ExampleNewWebhookVerifier() {
	v, err := mono.NewWebhookVerifier("my-webhook-secret")
	if err != nil {
		panic(err)
	}
	body, header := monotest.WebhookBody(mono.EventReauthorisationRequired, "acc_123"), monotest.WebhookHeader("my-webhook-secret")
	r := httptest.NewRequest("POST", "/webhooks/mono", bytes.NewReader(body))
	r.Header = header
	ev, err := v.Verify(context.Background(), r, body)
	if err != nil {
		panic(err)
	}
	dd := mono.NewDeduper(0, 0, nil)
	fmt.Println(ev.Type, ev.ConnectionID, dd.Seen(*ev), dd.Seen(*ev))
	// Output: reauth_required acc_123 false true
}

// Your own data call reports that the account needs re-auth; CheckResponse
// says so and leaves the body readable.
func ExampleCheckResponse() {
	srv := monotest.NewServer()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/accounts/"+monotest.AccountOTP+"/transactions", nil)
	req.Header.Set(mono.HeaderSecretKey, srv.SecretKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	err = mono.CheckResponse(resp)
	fmt.Println("re-auth required:", errors.Is(err, reauth.ErrReauthRequired))
	fmt.Println("next:", reauth.NextAction(err))
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("body still readable:", len(body) > 0)
	// Output:
	// re-auth required: true
	// next: begin_again
	// body still readable: true
}

// Inspect reads the account's health without the user.
func ExampleClient_Inspect() {
	srv := monotest.NewServer()
	defer srv.Close()
	c, _ := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL))
	ctx := context.Background()
	h, _ := c.Inspect(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	fmt.Println(h.State, h.ProviderStatus)
	srv.MarkHealthy(monotest.AccountOTP)
	h, _ = c.Inspect(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	fmt.Println(h.State)
	// Output:
	// needs_reauth available/REAUTHORISATION_REQUIRED
	// healthy
}

// The bank wants the username and password again: the flow asks for them,
// Continue logs in (POST /v2/connect/reauth/login), then the OTP follows.
func ExampleClient_Continue_credentials() {
	srv := monotest.NewServer()
	defer srv.Close()
	c, _ := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL))
	ctx := context.Background()
	flow, _ := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountCredentials})
	for _, f := range flow.Fields {
		fmt.Printf("%s (secret=%t)\n", f.Name, f.Secret)
	}
	flow, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{
		"username": monotest.DefaultUsername, "password": monotest.DefaultPassword}})
	if err != nil {
		panic(err)
	}
	fmt.Println("then:", flow.Fields[0].Name)
	flow, _ = c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	fmt.Println(flow.Step, "logins:", srv.Logins(), "commits:", srv.Commits())
	// Output:
	// username (secret=false)
	// password (secret=true)
	// then: otp
	// done logins: 1 commits: 1
}
