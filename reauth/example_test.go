package reauth_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// A Registry dispatches Begin by provider and Continue by the flow's
// provider; here a scripted fake stands in for a real provider package.
func ExampleRegistry() {
	ctx := context.Background()
	fake := reauthtest.NewFake(reauth.Finch)
	reg, err := reauth.NewRegistry(fake)
	if err != nil {
		panic(err)
	}
	flow, err := reg.Begin(ctx, reauth.Finch, reauth.Request{ConnectionID: "conn_123"})
	if err != nil {
		panic(err)
	}
	fmt.Println("step:", flow.Step)
	// ... the user approves at flow.URL; the callback comes back ...
	flow, err = reg.Continue(ctx, flow, fake.Approve(flow))
	if err != nil {
		panic(err)
	}
	fmt.Println("step:", flow.Step, "changed:", flow.Result.CredentialsChanged)
	// Output:
	// step: redirect
	// step: done changed: true
}

// Branch on the sentinel with errors.Is, whatever the provider, and read the
// details with errors.As.
func ExampleAPIError() {
	err := fmt.Errorf("sync payroll: %w", &reauth.APIError{
		Provider: reauth.Finch, Op: "GET /employer/directory", StatusCode: 401,
		Code: "reauthenticate_user", Kind: reauth.ErrReauthRequired,
	})
	if errors.Is(err, reauth.ErrReauthRequired) {
		var apiErr *reauth.APIError
		errors.As(err, &apiErr)
		fmt.Println("start a re-auth:", apiErr.Provider, apiErr.Code)
	}
	// Output:
	// start a re-auth: finch reauthenticate_user
}

// Printing a flow never shows its secrets.
func ExampleFlow_String() {
	f := reauth.Flow{Provider: reauth.Atto, ConnectionID: "consent-1", Step: reauth.StepRedirect,
		URL: "https://connect.atto.co?consent_id=consent-1#access_token=eyJsecret"}
	fmt.Println(f.URL != "", f.String())
	// Output:
	// true Flow{Provider: atto, ConnectionID: consent-1, Step: redirect, State: , URL: https://connect.atto.co?REDACTED, QRCodeURL: , Prompt: , Fields: , ExpiresAt: 0001-01-01T00:00:00Z, CreatedAt: 0001-01-01T00:00:00Z, Resume: }
}
