// Command quickstart repairs one broken connection per provider, end to end
// over real HTTP against the simulated providers on loopback: Begin, the
// simulated user's approval (or OTP), Continue, done. All five clients sit
// behind one reauth.Registry, and every flow goes through a flows.Manager on
// the in-memory store, the way an application holds them: the Manager
// stores each flow between steps, under a key, and spends a code or an OTP
// at most once. (Several instances share a sqlstore.Store instead.)
package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

const callback = "https://app.example/callback"

// scenario is one broken connection at one simulated provider.
type scenario struct {
	client  reauth.Reauthenticator
	request reauth.Request
	// approve plays the user for one step of the flow.
	approve func(ctx context.Context, flow *reauth.Flow) (reauth.Reply, error)
	close   func()
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	var scenarios []scenario
	defer func() {
		for _, s := range scenarios {
			s.close()
		}
	}()
	for _, build := range []func() (scenario, error){attoScenario, trueLayer, yapilyScenario, finchScenario, monoScenario} {
		s, err := build()
		if s.close != nil {
			scenarios = append(scenarios, s)
		}
		if err != nil {
			return err
		}
	}

	clients := make([]reauth.Reauthenticator, 0, len(scenarios))
	for _, s := range scenarios {
		clients = append(clients, s.client)
	}
	reg, err := reauth.NewRegistry(clients...)
	if err != nil {
		return err
	}
	fmt.Println("providers wired:", reg.Providers())
	m, err := flows.NewManager(reg, flows.NewMemoryStore())
	if err != nil {
		return err
	}

	for _, s := range scenarios {
		if err := repair(ctx, m, s); err != nil {
			return fmt.Errorf("%s: %w", s.client.Provider(), err)
		}
	}
	return nil
}

// repair runs one re-auth through the Manager, as an application would: the
// key names the stored flow; a web app would put it in a cookie
// (Manager.Redirect) and find it again from the provider's callback
// (Manager.CallbackHandler).
func repair(ctx context.Context, m *flows.Manager, s scenario) error {
	const user = "demo-user"
	p := s.client.Provider()
	key, flow, err := m.Begin(ctx, user, p, s.request)
	if err != nil {
		return err
	}
	fmt.Printf("%-10s begin    -> %s\n", p, describe(flow))
	var last reauth.Reply
	for step := 0; flow.Step != reauth.StepDone; step++ {
		if step == 5 {
			return errors.New("not done after 5 steps")
		}
		if last, err = s.approve(ctx, flow); err != nil {
			return err
		}
		if flow, err = m.Continue(ctx, key, last); err != nil {
			return err
		}
		fmt.Printf("%-10s continue -> %s\n", p, describe(flow))
	}
	// The same answer again (a reloaded callback page, a second instance):
	// the stored result comes back and nothing is sent to the provider.
	again, err := m.Continue(ctx, key, last)
	if err != nil || again.Step != reauth.StepDone {
		return fmt.Errorf("the repeated answer was not served from the store: %v", err)
	}
	return nil
}

func describe(f *reauth.Flow) string {
	switch f.Step {
	case reauth.StepRedirect:
		u, _ := url.Parse(f.URL)
		return fmt.Sprintf("redirect the user to %s%s", u.Host, u.Path)
	case reauth.StepInput:
		names := make([]string, 0, len(f.Fields))
		for _, fl := range f.Fields {
			names = append(names, fl.Name)
		}
		return fmt.Sprintf("ask the user %q %v", f.Prompt, names)
	}
	return fmt.Sprintf("done (connection %s, new credentials: %t)", f.Result.ConnectionID, f.Result.CredentialsChanged)
}

func attoScenario() (scenario, error) {
	srv := attotest.NewServer()
	consentID := srv.NewConsent(attotest.StatusExpired)
	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))
	return scenario{
		client:  c,
		request: reauth.Request{ConnectionID: consentID},
		approve: func(ctx context.Context, f *reauth.Flow) (reauth.Reply, error) {
			cb, err := srv.Approve(ctx, f.URL)
			return reauth.Reply{Callback: cb}, err
		},
		close: srv.Close,
	}, err
}

func trueLayer() (scenario, error) {
	srv := truelayertest.NewServer()
	conn := srv.Connect(callback)
	srv.ExpireConsent(conn.CredentialsID, 24*time.Hour)
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	return scenario{
		client:  c,
		request: reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: callback},
		approve: func(ctx context.Context, f *reauth.Flow) (reauth.Reply, error) {
			cb, err := srv.Approve(ctx, f.URL)
			return reauth.Reply{Callback: cb}, err
		},
		close: srv.Close,
	}, err
}

func yapilyScenario() (scenario, error) {
	srv := yapilytest.NewServer()
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL))
	return scenario{
		client:  c,
		request: reauth.Request{ConnectionID: consent.ID, Token: consent.Token},
		approve: func(ctx context.Context, f *reauth.Flow) (reauth.Reply, error) {
			cb, err := srv.Approve(ctx, f.URL)
			return reauth.Reply{Callback: cb}, err
		},
		close: srv.Close,
	}, err
}

func finchScenario() (scenario, error) {
	srv := finchtest.NewServer()
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)
	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL))
	return scenario{
		client:  c,
		request: reauth.Request{Token: conn.AccessToken, RedirectURI: callback},
		approve: func(ctx context.Context, f *reauth.Flow) (reauth.Reply, error) {
			cb, err := srv.Approve(ctx, f.URL)
			return reauth.Reply{Callback: cb}, err
		},
		close: srv.Close,
	}, err
}

func monoScenario() (scenario, error) {
	srv := monotest.NewServer()
	c, err := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL))
	return scenario{
		client:  c,
		request: reauth.Request{ConnectionID: monotest.AccountOTP},
		approve: srv.ApproveInputs, // the simulated user types the bank's OTP
		close:   srv.Close,
	}, err
}
