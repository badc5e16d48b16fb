// Command yapily re-authorises a Yapily consent end to end.
//
// By default it runs against the simulated Yapily (yapily/yapilytest) and
// finishes in a second: the application's own data call (GET /accounts)
// fails through reauth.Transport, which names the broken consent; inspect
// it, begin, poll while the user has not acted, the simulated user approves
// at the bank, continue with the callback, done, the data call works again,
// then a UK reconfirmation (extend).
//
// Against the real Yapily API it runs only when these variables are set:
//
//	YAPILY_APPLICATION_ID      application id (Basic auth username)
//	YAPILY_APPLICATION_SECRET  application secret (Basic auth password)
//	YAPILY_CONSENT_ID          the consent to re-authorise
//	YAPILY_CONSENT_TOKEN       its consent token
//
// It then prints the bank URL for you to open and polls the consent (every 5
// seconds, up to 10 minutes) until it is authorised again. It never prints
// the secret or the consent token.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

func main() {
	var err error
	if os.Getenv("YAPILY_APPLICATION_ID") != "" && os.Getenv("YAPILY_APPLICATION_SECRET") != "" &&
		os.Getenv("YAPILY_CONSENT_ID") != "" && os.Getenv("YAPILY_CONSENT_TOKEN") != "" {
		err = runReal(context.Background())
	} else {
		err = runSimulated(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "yapily example:", err)
		os.Exit(1)
	}
}

func runSimulated(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	srv := yapilytest.NewServer()
	defer srv.Close()
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	fmt.Println("simulated Yapily; consent", consent.ID, "is", consent.Status)

	client, err := yapily.New(yapily.Credentials{
		ApplicationID:     yapilytest.ApplicationID,
		ApplicationSecret: yapilytest.ApplicationSecret,
	}, yapily.WithBaseURL(srv.URL))
	if err != nil {
		return err
	}
	// The application's own data calls go through reauth.Transport, which
	// tells it which consent broke.
	var broken string
	hc := &http.Client{Transport: &reauth.Transport{
		Check: yapily.CheckResponse,
		Notify: func(req *http.Request, err error) {
			if _, id, ok := reauth.ConnectionFrom(req.Context()); ok && errors.Is(err, reauth.ErrReauthRequired) {
				broken = id
			}
		},
	}}
	defer hc.CloseIdleConnections()
	dataCtx := reauth.WithConnection(ctx, reauth.Yapily, consent.ID)
	status, err := accounts(dataCtx, hc, srv.URL, consent.Token)
	if err != nil {
		return err
	}
	if broken != consent.ID {
		return fmt.Errorf("GET /accounts answered %d and the transport named no broken consent", status)
	}
	fmt.Printf("0. GET /accounts: %d; the transport says consent %s needs re-authorisation\n", status, broken)

	h, err := client.Inspect(ctx, reauth.Request{ConnectionID: consent.ID})
	if err != nil {
		return err
	}
	fmt.Printf("1. inspect: %s (Yapily status %s, needs action: %t)\n", h.State, h.ProviderStatus, h.NeedsAction())

	flow, err := client.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token, UserIP: "203.0.113.10"})
	if err != nil {
		return err
	}
	fmt.Printf("2. begin: step %s, send the user to the bank (QR code offered: %t), flow valid until %s\n",
		flow.Step, flow.QRCodeURL != "", flow.ExpiresAt.Format(time.RFC3339))

	flow, err = client.Continue(ctx, flow, reauth.Reply{})
	if err != nil {
		return err
	}
	fmt.Println("3. poll before the user acts: step", flow.Step)

	callback, err := srv.Approve(ctx, flow.URL)
	if err != nil {
		return err
	}
	fmt.Println("4. the simulated user approved; callback parameters:", keys(callback))

	done, err := client.Continue(ctx, flow, reauth.Reply{Callback: callback})
	if err != nil {
		return err
	}
	fmt.Printf("5. continue: step %s, consent %s works again until %s (token changed: %t)\n",
		done.Step, done.Result.ConnectionID, done.Result.Credentials.ExpiresAt.Format("2006-01-02"), done.Result.CredentialsChanged)
	if status, err = accounts(dataCtx, hc, srv.URL, consent.Token); err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET /accounts still answers %d after the re-authorisation", status)
	}
	fmt.Println("   GET /accounts again:", status)

	ext, err := client.ExtendConsent(ctx, consent.ID, time.Now().Add(-time.Minute))
	if err != nil {
		return err
	}
	fmt.Println("6. extend (UK reconfirmation): reconfirm by", ext.ReconfirmBy.Format("2006-01-02"))
	return nil
}

func runReal(ctx context.Context) error {
	client, err := yapily.New(yapily.Credentials{
		ApplicationID:     os.Getenv("YAPILY_APPLICATION_ID"),
		ApplicationSecret: os.Getenv("YAPILY_APPLICATION_SECRET"),
	})
	if err != nil {
		return err
	}
	req := reauth.Request{ConnectionID: os.Getenv("YAPILY_CONSENT_ID"), Token: os.Getenv("YAPILY_CONSENT_TOKEN")}
	h, err := client.Inspect(ctx, req)
	if err != nil {
		return err
	}
	fmt.Printf("1. inspect: %s (Yapily status %s)\n", h.State, h.ProviderStatus)
	flow, err := client.Begin(ctx, req)
	if errors.Is(err, reauth.ErrReauthRequired) {
		return fmt.Errorf("the consent cannot be re-authorised; create a new one: %w", err)
	}
	if err != nil {
		return err
	}
	fmt.Println("2. open this URL to re-authorise at the bank:\n  ", flow.URL)
	deadline := time.Now().Add(10 * time.Minute)
	for flow.Step != reauth.StepDone {
		if time.Now().After(deadline) {
			return errors.New("gave up waiting for the re-authorisation")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
		if flow, err = client.Continue(ctx, flow, reauth.Reply{}); err != nil {
			return err
		}
		fmt.Println("3. poll: step", flow.Step)
	}
	fmt.Println("4. done: consent", flow.Result.ConnectionID, "is authorised again")
	return nil
}

// accounts makes the application's own data call (the simulated Yapily's
// GET /accounts with the consent header) and returns its status.
func accounts(ctx context.Context, hc *http.Client, base, consentToken string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/accounts", nil)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(yapilytest.ApplicationID, yapilytest.ApplicationSecret)
	req.Header.Set("consent", consentToken)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func keys(v map[string][]string) []string {
	out := make([]string, 0, len(v))
	for _, k := range []string{"consent", "application-user-id", "user-uuid", "institution", "error"} {
		if _, ok := v[k]; ok {
			out = append(out, k)
		}
	}
	return out
}
