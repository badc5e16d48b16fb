package mono_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
