// Command atto runs an Atto consent re-authentication end to end.
//
// By default it runs against the simulated Atto (package attotest): no
// network, a few milliseconds. It uses the real Atto API only when these
// environment variables are set:
//
//	ATTO_CLIENT_ID       client id      (required for the real API)
//	ATTO_CLIENT_SECRET   client secret  (required for the real API)
//	ATTO_CONSENT_ID      the consent to re-authenticate (required for the real API)
//	ATTO_BASE_URL        API base URL, default https://uk.api.atto.co
//	ATTO_FLOW_FILE       where the flow is stored (0600), default atto-flow.json
//	ATTO_CALLBACK_URL    the URL Connect redirected the user to; when set, the
//	                     stored flow is continued with its query
//
// Against the real API, a first run inspects the consent and stores the flow
// (its URL is the Connect link: open it from the file, it is never printed);
// a second run with ATTO_CALLBACK_URL finishes it. Nothing secret is printed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var err error
	if os.Getenv("ATTO_CLIENT_ID") != "" && os.Getenv("ATTO_CLIENT_SECRET") != "" && os.Getenv("ATTO_CONSENT_ID") != "" {
		err = runReal(ctx)
	} else {
		err = runSimulated(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "atto example:", err)
		os.Exit(1)
	}
}

func runSimulated(ctx context.Context) error {
	// Atto documents no webhook signing: the application protects its
	// webhook URL with a convention of its own, here a shared-secret header
	// configured with Atto (the simulator sends it).
	const header, secret = "X-Atto-Webhook-Secret", "example-webhook-secret-value"
	srv := attotest.NewServer(attotest.WithWebhookHeader(header, secret))
	defer srv.Close()
	consentID := srv.NewConsent(attotest.StatusExpired)
	fmt.Println("simulated Atto; consent", consentID, "is Expired")

	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))
	if err != nil {
		return err
	}

	_, err = c.RefreshStoredData(ctx, consentID)
	fmt.Println("1. data refresh fails; re-auth required:", errors.Is(err, reauth.ErrReauthRequired))

	h, err := c.Inspect(ctx, reauth.Request{ConnectionID: consentID})
	if err != nil {
		return err
	}
	fmt.Println("2. inspect:", h.State, "("+h.ProviderStatus+")")

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consentID})
	if err != nil {
		return err
	}
	fmt.Println("3. begin:", flow.Step, "- send the user to", flow) // the link prints redacted
	stored, err := json.Marshal(flow)                               // keep it between redirect and callback
	if err != nil {
		return err
	}

	// A first attempt the user cancels: Atto's access_denied means "the
	// customer or the bank has denied"; its description says more.
	denied, err := srv.Deny(ctx, flow.URL)
	if err != nil {
		return err
	}
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: denied})
	var ce *atto.ConnectError
	if errors.As(err, &ce) {
		fmt.Printf("4a. not renewed (%s: %q); cancelled: %v; ask the user to try again\n",
			ce.Code, ce.Description, errors.Is(err, reauth.ErrUserCancelled))
	}

	callback, err := srv.Approve(ctx, flow.URL)
	if err != nil {
		return err
	}
	fmt.Println("4b. the user approved; Connect redirected with state =", callback.Get("state"))

	var restored reauth.Flow
	if err := json.Unmarshal(stored, &restored); err != nil {
		return err
	}
	done, err := c.Continue(ctx, &restored, reauth.Reply{Callback: callback})
	if err != nil {
		return err
	}
	fmt.Println("5. continue:", done.Step, "- credentials changed:", done.Result.CredentialsChanged)

	h, err = c.Inspect(ctx, reauth.Request{ConnectionID: consentID})
	if err != nil {
		return err
	}
	fmt.Println("6. inspect:", h.State, "until", h.ExpiresAt.Format("2006-01-02"))

	// 7. Atto's webhook: authenticated by the shared-secret header, then
	// the consent is re-read through the API.
	v, err := atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(header, secret))
	if err != nil {
		return err
	}
	events := make(chan reauth.Event, 1)
	hook := httptest.NewServer(reauth.NewWebhookHandler(v, func(_ context.Context, ev reauth.Event) error {
		events <- ev
		return nil
	}))
	defer hook.Close()
	notes := srv.Notifications() // one per finished journey: the last is the approval
	status, err := srv.DeliverWebhook(ctx, hook.URL, attotest.NotificationBody(notes[len(notes)-1]))
	if err != nil {
		return err
	}
	ev := <-events
	fmt.Println("7. webhook:", status, ev.Type, "for", ev.ConnectionID)

	_, err = c.RefreshStoredData(ctx, consentID)
	fmt.Println("8. data refresh works again:", err == nil)
	return nil
}

func runReal(ctx context.Context) error {
	opts := []atto.Option{}
	if base := os.Getenv("ATTO_BASE_URL"); base != "" {
		opts = append(opts, atto.WithBaseURL(base))
	}
	c, err := atto.New(atto.Credentials{ClientID: os.Getenv("ATTO_CLIENT_ID"), ClientSecret: os.Getenv("ATTO_CLIENT_SECRET")}, opts...)
	if err != nil {
		return err
	}
	consentID := os.Getenv("ATTO_CONSENT_ID")
	file := os.Getenv("ATTO_FLOW_FILE")
	if file == "" {
		file = "atto-flow.json"
	}
	if cb := os.Getenv("ATTO_CALLBACK_URL"); cb != "" {
		u, err := url.Parse(cb)
		if err != nil {
			return fmt.Errorf("ATTO_CALLBACK_URL is not a URL")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var flow reauth.Flow
		if err := json.Unmarshal(b, &flow); err != nil {
			return err
		}
		next, err := c.Continue(ctx, &flow, reauth.Reply{Callback: u.Query()})
		if err != nil {
			return err
		}
		fmt.Println("continue:", next.Step)
		return nil
	}
	h, err := c.Inspect(ctx, reauth.Request{ConnectionID: consentID})
	if err != nil {
		return err
	}
	fmt.Println("inspect:", h.State, "("+h.ProviderStatus+")", "expires", h.ExpiresAt.Format(time.RFC3339))
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consentID})
	if err != nil {
		return err
	}
	b, err := json.Marshal(flow)
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return err
	}
	fmt.Println("begin:", flow.Step, "- the Connect link is in", file, "(field url); it expires", flow.ExpiresAt.Format(time.RFC3339))
	fmt.Println("open it, approve, then run again with ATTO_CALLBACK_URL set to the URL Connect redirected to")
	return nil
}
