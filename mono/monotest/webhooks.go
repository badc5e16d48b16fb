package monotest

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

// Event names the simulator delivers.
const (
	EventReauthorisationRequired = "mono.events.reauthorisation_required"
	EventAccountReauthorized     = "mono.events.account_reauthorized"
	EventAccountUpdated          = "mono.events.account_updated"
	EventAccountUnlinked         = "mono.events.account_unlinked"
	EventJobsUpdate              = "mono.accounts.jobs.update"
)

// Delivery is one webhook the simulator has queued.
type Delivery struct {
	Event     string
	AccountID string
	Body      []byte
}

// WebhookBody returns a Mono-shaped webhook body for event about
// accountID: {"event", "data":{"account":{"_id"}, ...}} with the fields
// each event carries (account_updated: meta.sync_status
// REAUTHORISATION_REQUIRED; jobs.update: status REAUTHORISATION_REQUIRED;
// account_reauthorized: event_id, app and business; account_unlinked:
// account.id).
func WebhookBody(event, accountID string) []byte { return webhookBody(event, accountID, nil) }

func webhookBody(event, accountID string, extra obj) []byte {
	data := obj{"account": obj{"_id": accountID}}
	switch event {
	case EventAccountReauthorized:
		data["event_id"] = sim.NewID("evt_")
		data["app"], data["business"] = "61e270e2bbe2010771c0dec7", "60cc8f95ba1772018c5c6b1d"
	case EventAccountUnlinked:
		data["account"] = obj{"id": accountID}
	case EventAccountUpdated:
		data["meta"] = obj{"data_status": "available", "sync_status": "REAUTHORISATION_REQUIRED"}
	case EventJobsUpdate:
		data["status"], data["job_id"] = "REAUTHORISATION_REQUIRED", sim.NewID("job_")
	}
	for k, v := range extra {
		data[k] = v
	}
	b, _ := json.Marshal(obj{"event": event, "data": data})
	return b
}

// queue adds a delivery to the outbox (s.mu held).
func (s *Server) queue(event, accountID string, extra obj) {
	s.outbox = append(s.outbox, Delivery{Event: event, AccountID: accountID, Body: webhookBody(event, accountID, extra)})
}

// Deliveries returns the queued webhooks, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.outbox...)
}

// WebhookHeader returns the headers of a Mono delivery.
func WebhookHeader(secret string) http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Mono-Webhook-Secret": {secret}}
}

// WebhookRequest builds the POST Mono would send to target with body and
// the server's mono-webhook-secret header.
func (s *Server) WebhookRequest(ctx context.Context, target string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("monotest: webhook request: %w", err)
	}
	req.Header = WebhookHeader(s.whSecret)
	return req, nil
}

// DeliverWebhook sends body to target as Mono would and returns the
// status the target answered.
func (s *Server) DeliverWebhook(ctx context.Context, target string, body []byte) (int, error) {
	req, err := s.WebhookRequest(ctx, target, body)
	if err != nil {
		return 0, err
	}
	client, done := sim.NewClient(30 * time.Second)
	defer done()
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("monotest: deliver webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// DeliverWebhooks sends every queued webhook to target, oldest first, and
// forgets the ones answered 2xx. It stops at the first failure.
func (s *Server) DeliverWebhooks(ctx context.Context, target string) error {
	for _, d := range s.Deliveries() {
		status, err := s.DeliverWebhook(ctx, target, d.Body)
		if err != nil {
			return err
		}
		if status/100 != 2 {
			return fmt.Errorf("monotest: webhook answered %d", status)
		}
		s.mu.Lock()
		if len(s.outbox) > 0 {
			s.outbox = s.outbox[1:]
		}
		s.mu.Unlock()
	}
	return nil
}

// GenerateTestWebhook returns a Mono-shaped webhook body for event about
// accountID and the headers Mono sends with it.
//
// Deprecated: use WebhookBody and WebhookHeader, or WebhookRequest.
func GenerateTestWebhook(secret, event, accountID string) ([]byte, http.Header) {
	return WebhookBody(event, accountID), WebhookHeader(secret)
}
