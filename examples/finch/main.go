// Command finch repairs a broken Finch connection end to end.
//
// By default it runs against finchtest, the simulated Finch, and finishes
// in well under a second:
//
//	go run ./examples/finch
//
// Against Finch itself (your sandbox application) it runs in two phases,
// because a person has to go through Finch Connect in a browser. Set:
//
//	FINCH_CLIENT_ID       your application's client id
//	FINCH_CLIENT_SECRET   its client secret
//	FINCH_ACCESS_TOKEN    the access token of the connection to repair
//	FINCH_REDIRECT_URI    optional: an allow-listed redirect URI
//	FINCH_FLOW_FILE       optional: where the flow is kept (default finch-flow.json, mode 0600)
//	FINCH_CALLBACK_URL    phase 2: the full URL Finch redirected the browser to
//
// Phase 1 (no FINCH_CALLBACK_URL) inspects the connection, begins a
// re-authentication and stores the flow in FINCH_FLOW_FILE; open the
// "url" field of that file in a browser. Phase 2 continues the stored flow
// with the callback and stores the result (with the new access token) in
// the same file. Nothing secret is ever printed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	if os.Getenv("FINCH_CLIENT_ID") != "" && os.Getenv("FINCH_CLIENT_SECRET") != "" && os.Getenv("FINCH_ACCESS_TOKEN") != "" {
		err = runReal(ctx)
	} else {
		err = runSimulated(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "finch example:", err)
		os.Exit(1)
	}
}

func runSimulated(ctx context.Context) error {
	srv := finchtest.NewServer()
	defer srv.Close()
	conn := srv.AddConnection("gusto")
	fmt.Println("simulator: connection", conn.ID, "to", conn.ProviderID)

	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL))
	if err != nil {
		return err
	}

	// Break the connection the way Finch's sandbox does.
	if err := c.SetSandboxConnectionStatus(ctx, conn.AccessToken, finch.StatusReauth); err != nil {
		return err
	}
	// The application's own data call, checked by finch.CheckResponse
	// through a reauth.Transport that reports which connection broke.
	var broken error
	app := &http.Client{Transport: &reauth.Transport{
		Check:  finch.CheckResponse,
		Notify: func(_ *http.Request, err error) { broken = err },
	}}
	defer app.CloseIdleConnections()
	status, err := directory(ctx, app, srv.URL, conn.AccessToken)
	if err != nil {
		return err
	}
	fmt.Printf("1. GET /employer/directory: %d; %v (next: %s)\n", status, broken, reauth.NextAction(broken))

	h, err := c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
	if err != nil {
		return err
	}
	fmt.Printf("2. inspect: %s (finch status %q)\n", h.State, h.ProviderStatus)

	flow, err := c.Begin(ctx, reauth.Request{Token: conn.AccessToken, RedirectURI: "https://app.example/finch/callback"})
	if err != nil {
		return err
	}
	fmt.Printf("3. begin: %s, connection %s, expires %s\n", flow.Step, flow.ConnectionID, flow.ExpiresAt.Format(time.RFC3339))

	stored, err := json.Marshal(flow) // keep it in your database between redirect and callback
	if err != nil {
		return err
	}
	callback, err := srv.Approve(ctx, flow.URL)
	if err != nil {
		return err
	}
	fmt.Println("4. the employer completed Finch Connect; callback carries:", keys(callback))

	var resumed reauth.Flow
	if err := json.Unmarshal(stored, &resumed); err != nil {
		return err
	}
	done, err := c.Continue(ctx, &resumed, reauth.Reply{Callback: callback})
	if err != nil {
		return err
	}
	fmt.Printf("5. continue: %s, same connection: %t, new token: %t\n", done.Step,
		done.Result.ConnectionID == conn.ID, done.Result.CredentialsChanged)

	status, err = directory(ctx, app, srv.URL, done.Result.Credentials.AccessToken)
	if err != nil {
		return err
	}
	fmt.Printf("6. GET /employer/directory with the new token: %d\n", status)
	return nil
}

// directory is an application's own Finch data call.
func directory(ctx context.Context, hc *http.Client, base, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/employer/directory", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Finch-API-Version", finch.APIVersion)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func runReal(ctx context.Context) error {
	c, err := finch.New(finch.Credentials{ClientID: os.Getenv("FINCH_CLIENT_ID"), ClientSecret: os.Getenv("FINCH_CLIENT_SECRET")})
	if err != nil {
		return err
	}
	file := os.Getenv("FINCH_FLOW_FILE")
	if file == "" {
		file = "finch-flow.json"
	}
	if cb := os.Getenv("FINCH_CALLBACK_URL"); cb != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var flow reauth.Flow
		if err := json.Unmarshal(b, &flow); err != nil {
			return err
		}
		u, err := url.Parse(cb)
		if err != nil {
			return errors.New("FINCH_CALLBACK_URL is not a URL")
		}
		done, err := c.Continue(ctx, &flow, reauth.Reply{Callback: u.Query()})
		if err != nil {
			return err
		}
		fmt.Printf("continue: %s, connection %s; new access token stored in %s\n", done.Step, done.ConnectionID, file)
		return save(file, done)
	}
	tok := os.Getenv("FINCH_ACCESS_TOKEN")
	h, err := c.Inspect(ctx, reauth.Request{Token: tok})
	if err != nil {
		return err
	}
	fmt.Printf("inspect: %s (finch status %q)\n", h.State, h.ProviderStatus)
	flow, err := c.Begin(ctx, reauth.Request{Token: tok, RedirectURI: os.Getenv("FINCH_REDIRECT_URI")})
	if err != nil {
		return err
	}
	fmt.Printf("begin: %s for connection %s; open the \"url\" of %s in a browser, then run again with FINCH_CALLBACK_URL\n",
		flow.Step, flow.ConnectionID, file)
	return save(file, flow)
}

func save(file string, flow *reauth.Flow) error {
	b, err := json.MarshalIndent(flow, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o600)
}

func keys(v url.Values) []string {
	out := make([]string, 0, len(v))
	for _, k := range []string{"code", "state", "error"} {
		if v.Has(k) {
			out = append(out, k)
		}
	}
	return out
}
