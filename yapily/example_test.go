package yapily_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// A full re-authorisation against the simulated Yapily: Begin, the user
// approves at the bank, Continue with the callback.
func Example() {
	ctx := context.Background()
	srv := yapilytest.NewServer()
	defer srv.Close()
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})

	client, err := yapily.New(yapily.Credentials{
		ApplicationID:     yapilytest.ApplicationID,
		ApplicationSecret: yapilytest.ApplicationSecret,
	}, yapily.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	flow, err := client.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("begin:", flow.Step, flow.URL != "", flow.QRCodeURL != "")

	pending, _ := client.Continue(ctx, flow, reauth.Reply{}) // the user has not acted yet
	fmt.Println("poll:", pending.Step)

	callback, err := srv.Approve(ctx, flow.URL) // the user approves at the bank
	if err != nil {
		fmt.Println(err)
		return
	}
	done, err := client.Continue(ctx, flow, reauth.Reply{Callback: callback})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("continue:", done.Step, "credentials changed:", done.Result.CredentialsChanged)
	// Output:
	// begin: redirect true true
	// poll: redirect
	// continue: done credentials changed: false
}

// A revoked consent cannot be re-authorised: Yapily answers 403, which is
// reauth.ErrReauthRequired (create a new consent).
func ExampleClient_Begin_revoked() {
	srv := yapilytest.NewServer()
	defer srv.Close()
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	srv.Revoke(consent.ID)
	client, _ := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL))
	_, err := client.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	fmt.Println(errors.Is(err, reauth.ErrReauthRequired))
	// Output: true
}

// Inspect tells whether a consent needs the user soon.
func ExampleClient_Inspect() {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	srv := yapilytest.NewServer()
	defer srv.Close()
	consent := srv.AddConsent(yapilytest.ConsentSpec{AuthorizedAt: now.Add(-86 * 24 * time.Hour)})
	client, _ := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL), yapily.WithClock(func() time.Time { return now }))
	h, err := client.Inspect(context.Background(), reauth.Request{ConnectionID: consent.ID})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.State, h.ProviderStatus, h.ReconfirmBy.Format("2006-01-02"))
	// Output: expiring_soon AUTHORIZED 2026-05-05
}

// Verify a webhook delivery, signed here with the simulator's helper.
func ExampleNewWebhookVerifier() {
	body := []byte(`{"id":"wh-1","applicationId":"app","type":"payment.state.success","event":{"id":"ev-1"}}`)
	req, _ := yapilytest.NewWebhookRequest(context.Background(), "https://app.example/hooks", "webhook-secret", body)
	v, _ := yapily.NewWebhookVerifier("webhook-secret")
	ev, err := v.Verify(context.Background(), req, body)
	fmt.Println(ev.Type, ev.ProviderType, ev.ID, err)
	// Output: other payment.state.success ev-1 <nil>
}

// CheckResponse on the application's own data call: a consent the bank no
// longer honours is reauth.ErrReauthRequired, even while Yapily still shows
// it AUTHORIZED.
func ExampleCheckResponse() {
	srv := yapilytest.NewServer()
	defer srv.Close()
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	srv.RequireReauth(consent.ID)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/accounts", nil)
	req.SetBasicAuth(yapilytest.ApplicationID, yapilytest.ApplicationSecret)
	req.Header.Set("consent", consent.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	err = yapily.CheckResponse(resp)
	fmt.Println(resp.StatusCode, errors.Is(err, reauth.ErrReauthRequired), reauth.NextAction(err))
	// Output: 401 true begin_again
}

// InspectAll sweeps consents page by page: here every EXPIRED one.
func ExampleClient_InspectAll() {
	srv := yapilytest.NewServer()
	defer srv.Close()
	for i := 0; i < 3; i++ {
		srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	}
	srv.AddConsent(yapilytest.ConsentSpec{})
	client, _ := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL))
	filter := yapily.ConsentFilter{Statuses: []yapily.AuthorisationStatus{yapily.StatusExpired}, Limit: 2}
	for h, err := range client.InspectAll(context.Background(), filter) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(h.State, h.ProviderStatus)
	}
	fmt.Println("pages read:", srv.Count(yapilytest.RouteConsents))
	// Output:
	// needs_reauth EXPIRED
	// needs_reauth EXPIRED
	// needs_reauth EXPIRED
	// pages read: 2
}

// New reports every invalid option at once; WithMaxResponseBytes raises the
// cap on one answer for applications whose consent lists are large.
func ExampleWithMaxResponseBytes() {
	creds := yapily.Credentials{ApplicationID: "app", ApplicationSecret: "secret"}
	_, err := yapily.New(creds, yapily.WithMaxResponseBytes(0), yapily.WithFlowTTL(0))
	fmt.Println(err, errors.Is(err, reauth.ErrInvalidRequest))
	client, err := yapily.New(creds, yapily.WithMaxResponseBytes(8<<20))
	fmt.Println(client, err)
	// Output:
	// yapily: new client: WithFlowTTL: must be positive; WithMaxResponseBytes: 0 is not a positive size true
	// Client{ApplicationID: app, BaseURL: https://api.yapily.com} <nil>
}
