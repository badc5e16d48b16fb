package atto_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	// printed: Link{URL: REDACTED, ConsentID: e521cf62-5a1b-4c8d-9e0f-1a2b3c4d5e6f
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

// The application's own data call, classified by CheckResponse: once the
// consent has expired, Atto answers 403 consent_expired and the error says
// the user must re-authenticate.
func ExampleCheckResponse() {
	srv := attotest.NewServer()
	defer srv.Close()
	consentID := srv.NewConsent(attotest.StatusExpired)
	resp, err := http.PostForm(srv.APIURL()+"/v1/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {srv.ClientID()},
		"client_secret": {srv.ClientSecret()}, "scope": {"api:data"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		fmt.Println(err)
		return
	}

	req, _ := http.NewRequest(http.MethodGet, srv.APIURL()+"/data/v2/consents/"+consentID+"/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	err = atto.CheckResponse(resp)
	var apiErr *reauth.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(resp.StatusCode, apiErr.Code, "re-auth:", errors.Is(err, reauth.ErrReauthRequired))
	}
	// Output:
	// 403 consent_expired re-auth: true
}

// InspectAll sweeps every consent Atto lists, one request per page.
func ExampleClient_InspectAll() {
	ctx := context.Background()
	srv := attotest.NewServer()
	defer srv.Close()
	srv.NewConsent(attotest.StatusExpired)
	srv.NewConsent(attotest.StatusActive)
	srv.NewConsent(attotest.StatusRevoked)
	c, _ := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))

	states := map[reauth.HealthState]int{}
	for h, err := range c.InspectAll(ctx, atto.WithPageSize(2)) {
		if err != nil {
			fmt.Println(err)
			return
		}
		states[h.State]++
	}
	fmt.Println(states[reauth.NeedsReauth], "needs re-auth,", states[reauth.Healthy], "healthy,", states[reauth.Revoked], "revoked")
	fmt.Println("list requests:", srv.Count("GET /consents/v1"))
	// Output:
	// 1 needs re-auth, 1 healthy, 1 revoked
	// list requests: 2
}
