package attotest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Defaults of the simulator's webhook authentication. Atto documents no
// webhook signing; an application protects its webhook URL with a
// convention of its own (a shared-secret header or Basic credentials set
// up with Atto), and the simulator plays the default one.
const (
	DefaultWebhookHeader = "X-Webhook-Secret"
	DefaultWebhookSecret = "atto-sim-webhook-secret-8c1d5e"
)

// WithWebhookHeader makes the simulator's deliveries carry secret in the
// header name (the default is [DefaultWebhookHeader] with
// [DefaultWebhookSecret]).
func WithWebhookHeader(name, secret string) Option {
	return func(s *Server) { s.hookHeader, s.hookSecret, s.hookUser = name, secret, "" }
}

// WithWebhookBasicAuth makes the simulator's deliveries carry HTTP Basic
// credentials instead of a header.
func WithWebhookBasicAuth(user, password string) Option {
	return func(s *Server) { s.hookUser, s.hookSecret, s.hookHeader = user, password, "" }
}

// Notification is a webhook the simulated Atto would send when a Connect
// journey finishes. Atto documents eventType "Consent" and consentJourney
// "Reauthentication" but not the full body; the simulator's body is an
// assumption (see [NotificationBody]).
type Notification struct {
	ID                string
	EventType         string
	ConsentJourney    string
	ConsentID         string
	ConsentStatus     string
	CustomerReference string
	OccurredAt        time.Time
}

// NotificationBody is the JSON body of n as the simulator delivers it:
// {"eventId", "eventType", "consentJourney", "consentId", "consentStatus",
// "customerReference", "timestamp"}.
func NotificationBody(n Notification) []byte {
	b, _ := json.Marshal(map[string]any{
		"eventId":           n.ID,
		"eventType":         n.EventType,
		"consentJourney":    n.ConsentJourney,
		"consentId":         n.ConsentID,
		"consentStatus":     n.ConsentStatus,
		"customerReference": n.CustomerReference,
		"timestamp":         jsonTime(n.OccurredAt),
	})
	return b
}

// WebhookRequest builds a delivery of body to target, authenticated the
// way the server is configured ([WithWebhookHeader], [WithWebhookBasicAuth]).
// Pass it to a handler, or send it with an http.Client.
func (s *Server) WebhookRequest(ctx context.Context, target string, body []byte) (*http.Request, error) {
	r, err := newDelivery(ctx, target, body)
	if err != nil {
		return nil, err
	}
	if s.hookUser != "" {
		r.SetBasicAuth(s.hookUser, s.hookSecret)
	} else {
		r.Header.Set(s.hookHeader, s.hookSecret)
	}
	return r, nil
}

// DeliverWebhook sends [Server.WebhookRequest] and returns the answer's
// status (a redirect is not followed).
func (s *Server) DeliverWebhook(ctx context.Context, target string, body []byte) (int, error) {
	r, err := s.WebhookRequest(ctx, target, body)
	if err != nil {
		return 0, err
	}
	client, done := sim.NewClient(0)
	defer done()
	resp, err := client.Do(r)
	if err != nil {
		return 0, fmt.Errorf("attotest: deliver webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// NewWebhookRequest builds a delivery of body to target carrying secret in
// header.
//
// Deprecated: use [Server.WebhookRequest] with [WithWebhookHeader].
func NewWebhookRequest(ctx context.Context, target string, body []byte, header, secret string) (*http.Request, error) {
	r, err := newDelivery(ctx, target, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set(header, secret)
	return r, nil
}

// NewBasicWebhookRequest builds a delivery of body to target carrying HTTP
// Basic credentials.
//
// Deprecated: use [Server.WebhookRequest] with [WithWebhookBasicAuth].
func NewBasicWebhookRequest(ctx context.Context, target string, body []byte, user, password string) (*http.Request, error) {
	r, err := newDelivery(ctx, target, body)
	if err != nil {
		return nil, err
	}
	r.SetBasicAuth(user, password)
	return r, nil
}

func newDelivery(ctx context.Context, target string, body []byte) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("attotest: webhook request: %w", err)
	}
	r.Header.Set("Content-Type", "application/json")
	return r, nil
}
