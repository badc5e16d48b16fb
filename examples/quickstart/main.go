// Command quickstart runs one re-authentication through a reauth.Registry,
// end to end, without any network: begin, the simulated user's approval,
// continue, done.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	fake := reauthtest.NewFake("fake")
	reg, err := reauth.NewRegistry(fake)
	if err != nil {
		return err
	}
	fmt.Println("providers wired:", reg.Providers())

	flow, err := reg.Begin(ctx, "fake", reauth.Request{ConnectionID: "conn-1", RedirectURI: "https://app.example/callback"})
	if err != nil {
		return err
	}
	fmt.Printf("fake: begin -> %s\n", flow.Step)
	flow, err = reg.Continue(ctx, flow, fake.Approve(flow))
	if err != nil {
		return err
	}
	fmt.Printf("fake: continue -> %s (credentials changed: %t)\n", flow.Step, flow.Result.CredentialsChanged)
	return nil
}
