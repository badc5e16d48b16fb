package atto_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
)

// A whole re-authentication against the simulated Atto: Begin, the user
// approves at Connect, Continue with the callback's query.
func Example() {
	ctx := context.Background()
	srv := attotest.NewServer()
	defer srv.Close()
	consentID := srv.NewConsent(attotest.StatusExpired)

	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))
	if err != nil {
		fmt.Println(err)
		return
	}
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consentID})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("begin:", flow.Step)

	callback, err := srv.Approve(ctx, flow.URL) // the simulated user
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("callback state:", callback.Get("state"))

	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: callback})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("continue:", flow.Step, "credentials changed:", flow.Result.CredentialsChanged)
	// Output:
	// begin: redirect
	// callback state: success
	// continue: done credentials changed: false
}

// A data call on an expired consent says the user must re-authenticate.
func ExampleClient_RefreshStoredData() {
	ctx := context.Background()
	srv := attotest.NewServer()
	defer srv.Close()
	consentID := srv.NewConsent(attotest.StatusExpired)
	c, _ := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))

	_, err := c.RefreshStoredData(ctx, consentID)
	fmt.Println("re-auth required:", errors.Is(err, reauth.ErrReauthRequired))
	var apiErr *reauth.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Op, apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// re-auth required: true
	// POST /stored-data/v1/consents/{consentId}/refresh 403 consent_expired
}

// A Link prints without its token; its URL field holds the real link.
func ExampleClient_ReauthLink() {
	ctx := context.Background()
	srv := attotest.NewServer()
	defer srv.Close()
	c, _ := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))

	link, err := c.ReauthLink(ctx, "e521cf62-5a1b-4c8d-9e0f-1a2b3c4d5e6f")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("field holds the token:", strings.Contains(link.URL, "#access_token="))
	printed := fmt.Sprintf("%v", link)
	fmt.Println("printed:", printed[:strings.Index(printed, ", ExpiresAt")])
	// Output:
	// field holds the token: true
	// printed: atto.Link{ConsentID: e521cf62-5a1b-4c8d-9e0f-1a2b3c4d5e6f, URL: REDACTED
}

// Inspect tells whether a consent needs the user.
func ExampleClient_Inspect() {
	ctx := context.Background()
	srv := attotest.NewServer()
	defer srv.Close()
	c, _ := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))

	for _, status := range []string{attotest.StatusActive, attotest.StatusExpired, attotest.StatusRevoked} {
		h, err := c.Inspect(ctx, reauth.Request{ConnectionID: srv.NewConsent(status)})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(status, "->", h.State, "needs action:", h.NeedsAction())
	}
	// Output:
	// Active -> healthy needs action: false
	// Expired -> needs_reauth needs action: true
	// Revoked -> revoked needs action: false
}
