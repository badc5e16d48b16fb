package finchtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// SignedPayload is a webhook delivery signed like Finch signs it.
type SignedPayload struct {
	// ID is the Finch-Event-Id ("msg_…").
	ID string
	// Timestamp is the Finch-Timestamp.
	Timestamp time.Time
	// Body is the raw JSON body.
	Body []byte
	// Signature is the Finch-Signature value, "v1,<base64>".
	Signature string
}

// Header returns the delivery's headers: Content-Type, Finch-Event-Id,
// Finch-Timestamp and Finch-Signature.
func (p SignedPayload) Header() http.Header {
	return http.Header{
		"Content-Type":    {"application/json"},
		"Finch-Event-Id":  {p.ID},
		"Finch-Timestamp": {strconv.FormatInt(p.Timestamp.Unix(), 10)},
		"Finch-Signature": {p.Signature},
	}
}

// Request returns a POST of the delivery to target, for calling a webhook
// handler directly (httptest.NewRecorder) or over the network.
func (p SignedPayload) Request(ctx context.Context, target string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(p.Body))
	if err != nil {
		return nil, fmt.Errorf("finchtest: webhook request: %w", err)
	}
	r.Header = p.Header()
	return r, nil
}

// Sign returns the v1 signature of a delivery: base64 of the HMAC-SHA256,
// keyed with the base64-decoded secret (a "whsec_" prefix is dropped), of
// "<id>.<unix seconds>.<body>".
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", errors.New("finchtest: webhook secret is not base64")
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", id, ts.Unix())
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// GenerateTestSignedPayload signs body with secret as a delivery at ts with
// a fresh event id, like Stripe's helper of the same name.
func GenerateTestSignedPayload(secret string, ts time.Time, body []byte) (SignedPayload, error) {
	id := sim.NewID("msg_")
	sig, err := Sign(secret, id, ts, body)
	if err != nil {
		return SignedPayload{}, err
	}
	return SignedPayload{ID: id, Timestamp: ts, Body: append([]byte(nil), body...), Signature: sig}, nil
}

// AccountUpdated returns the body of an account.updated event for a
// connection with data.status set to status ("reauth" announces a broken
// connection).
func (s *Server) AccountUpdated(connID, status string) []byte {
	s.mu.Lock()
	c, ok := s.conns[connID]
	company := ""
	if ok {
		company = c.CompanyID
	}
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{
		"company_id":    company,
		"account_id":    connID,
		"connection_id": connID,
		"event_type":    "account.updated",
		"data":          map[string]any{"status": status, "authentication_method": "credential"},
	})
	return b
}

// WebhookRequest returns a POST of body to target, signed with the
// server's webhook secret at the server's clock, with a fresh event id:
// hand it to a webhook handler directly (httptest.NewRecorder) or send it
// with any client.
func (s *Server) WebhookRequest(ctx context.Context, target string, body []byte) (*http.Request, error) {
	p, err := GenerateTestSignedPayload(s.webhookSecret, s.now(), body)
	if err != nil {
		return nil, err
	}
	return p.Request(ctx, target)
}

// DeliverWebhook sends [Server.WebhookRequest] to target and returns the
// status the receiver answered. It is synchronous: no goroutine outlives
// it.
func (s *Server) DeliverWebhook(ctx context.Context, target string, body []byte) (int, error) {
	req, err := s.WebhookRequest(ctx, target, body)
	if err != nil {
		return 0, err
	}
	c, done := sim.NewClient(30 * time.Second)
	defer done()
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("finchtest: deliver: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// Deliver is DeliverWebhook.
//
// Deprecated: use [Server.DeliverWebhook], the name every simulator uses.
func (s *Server) Deliver(ctx context.Context, target string, body []byte) (int, error) {
	return s.DeliverWebhook(ctx, target, body)
}
