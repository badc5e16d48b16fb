package atto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// MinWebhookSecretLen is the shortest shared secret or Basic password a
// [WebhookVerifier] accepts.
const MinWebhookSecretLen = 12

// NotificationUpcomingExpiration is the status Atto's expiry notices carry
// (a notification status, not a consent status of the API).
const NotificationUpcomingExpiration = "UpcomingExpiration"

// WebhookOption configures [NewWebhookVerifier]; one that returns an error
// makes it fail.
type WebhookOption func(*webhookConfig) error

type headerSecret struct{ name, secret string }

type basicCred struct{ user, pass string }

type webhookConfig struct {
	headers []headerSecret
	basics  []basicCred
}

// WithSharedSecretHeader accepts deliveries whose header name carries
// secret. Atto documents no webhook signing or authentication: this is the
// application's own convention, set up with Atto on its webhook. Give it
// more than once to rotate secrets: any configured check passing is
// enough.
func WithSharedSecretHeader(name, secret string) WebhookOption {
	return func(c *webhookConfig) error {
		switch {
		case strings.TrimSpace(name) == "" || strings.ContainsAny(name, " :\r\n\x00"):
			return errors.New("WithSharedSecretHeader: invalid header name")
		case len(secret) < MinWebhookSecretLen:
			return fmt.Errorf("WithSharedSecretHeader: secret shorter than %d characters", MinWebhookSecretLen)
		}
		c.headers = append(c.headers, headerSecret{http.CanonicalHeaderKey(name), secret})
		return nil
	}
}

// WithBasicAuth accepts deliveries carrying these HTTP Basic credentials.
// Like [WithSharedSecretHeader], this is the application's own convention
// (Atto documents none), set up with Atto on the webhook URL. May be given
// more than once.
func WithBasicAuth(user, password string) WebhookOption {
	return func(c *webhookConfig) error {
		switch {
		case user == "" || strings.Contains(user, ":"):
			return errors.New("WithBasicAuth: invalid user name")
		case len(password) < MinWebhookSecretLen:
			return fmt.Errorf("WithBasicAuth: password shorter than %d characters", MinWebhookSecretLen)
		}
		c.basics = append(c.basics, basicCred{user, password})
		return nil
	}
}

// WebhookVerifier authenticates Atto webhook deliveries and turns them into
// [reauth.Event] values built from what Atto's API says, not from the body.
// It is safe for concurrent use.
type WebhookVerifier struct {
	client  *Client
	headers []headerSecret
	basics  []basicCred
}

var _ reauth.WebhookVerifier = (*WebhookVerifier)(nil)

// NewWebhookVerifier returns a verifier that authenticates each delivery
// with the checks given as options (at least one: [WithSharedSecretHeader]
// or [WithBasicAuth]), then re-reads the consent through c. Atto documents
// no webhook signature, so a verifier without a check is refused.
func NewWebhookVerifier(c *Client, opts ...WebhookOption) (*WebhookVerifier, error) {
	var cfg webhookConfig
	b := httpx.NewBuilderFor(reauth.Atto, "new webhook verifier")
	httpx.Apply(b, &cfg, opts...)
	optionsOK := b.Err() == nil
	if c.unusable() {
		b.Fail("nil or zero *Client")
	}
	if optionsOK && len(cfg.headers) == 0 && len(cfg.basics) == 0 {
		b.Fail("no authentication configured: use WithSharedSecretHeader or WithBasicAuth")
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	return &WebhookVerifier{client: c, headers: cfg.headers, basics: cfg.basics}, nil
}

// redacted shows the header names and how many Basic credentials, never a
// secret; nil shows as an empty verifier.
func (v *WebhookVerifier) redacted() reauth.RedactedValue {
	if v == nil {
		v = &WebhookVerifier{}
	}
	names := make([]string, 0, len(v.headers))
	for _, h := range v.headers {
		names = append(names, h.name)
	}
	return reauth.Redact("atto.WebhookVerifier",
		reauth.Show("Headers", strings.Join(names, ",")),
		reauth.Show("BasicAuth", len(v.basics)),
		reauth.Show("Secrets", reauth.Redacted))
}

// Format describes the verifier without its secrets under every verb, for
// a value as for a pointer.
func (v WebhookVerifier) Format(s fmt.State, verb rune) { v.redacted().Format(s, verb) }

// String describes the verifier without its secrets.
func (v *WebhookVerifier) String() string { return v.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (v *WebhookVerifier) GoString() string { return v.redacted().GoString() }

// LogValue logs the verifier without its secrets.
func (v *WebhookVerifier) LogValue() slog.Value { return v.redacted().LogValue() }

// authentic runs every configured check (no early exit on a secret) and
// reports whether one passed; the comparisons take constant time.
func (v *WebhookVerifier) authentic(r *http.Request) bool {
	ok := false
	for _, h := range v.headers {
		got := r.Header.Values(h.name)
		ok = len(got) == 1 && httpx.MatchesAny(got[0], h.secret) || ok
	}
	user, pass, hasBasic := r.BasicAuth()
	for _, b := range v.basics {
		// Both compared, whatever the first answers.
		userOK, passOK := httpx.MatchesAny(user, b.user), httpx.MatchesAny(pass, b.pass)
		ok = hasBasic && userOK && passOK || ok
	}
	return ok
}

// Notification is what an Atto webhook body claims. Atto documents
// eventType "Consent" with consentJourney "Reauthentication" but not the
// exact keys or casing of the body, so the parser looks for them in any
// casing (eventType, evenType, EventType, event_type; consentId,
// ConsentId, consent_id; consentJourney, journeyType), at the top level or
// under data, payload or consent. The event id is read only from an
// explicit key (eventId, notificationId, messageId, ...), never from a bare
// "id", which might be the consent's. Nothing in the body is trusted
// beyond the consent id, the event id used for deduplication, and a
// status of UpcomingExpiration (see [WebhookVerifier.Verify]).
type Notification struct {
	ID             string
	EventType      string
	ConsentJourney string
	ConsentID      string
	ConsentStatus  string
}

// ParseNotification reads a webhook body. It returns an error for a body
// that is not a JSON object or names no consent.
func ParseNotification(body []byte) (*Notification, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return nil, errors.New("body is not a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, errors.New("body is not valid JSON")
	}
	levels := []map[string]json.RawMessage{lowerKeys(top)}
	for _, k := range []string{"data", "payload", "consent", "body"} {
		if raw, ok := levels[0][k]; ok {
			var inner map[string]json.RawMessage
			if json.Unmarshal(raw, &inner) == nil {
				levels = append(levels, lowerKeys(inner))
			}
		}
	}
	find := func(keys ...string) string {
		for _, m := range levels {
			for _, k := range keys {
				if s := rawString(m[k], false); s != "" {
					return s
				}
			}
		}
		return ""
	}
	n := &Notification{
		ID:             find("eventid", "event_id", "notificationid", "notification_id", "messageid", "message_id", "webhookid", "deliveryid"),
		EventType:      find("eventtype", "eventype", "event_type", "type"), // "eventype": Atto's "evenType"
		ConsentJourney: find("consentjourney", "consent_journey", "journeytype", "journey_type"),
		ConsentID:      find("consentid", "consent_id"),
		ConsentStatus:  find("consentstatus", "consent_status", "status"),
	}
	if n.ConsentID == "" {
		return nil, errors.New("no consent id in the body")
	}
	if err := checkConsentID(n.ConsentID); err != nil {
		return nil, errors.New("unusable consent id in the body")
	}
	n.ID = textx.Truncate(n.ID, 256)
	n.EventType = textx.Truncate(n.EventType, 128)
	n.ConsentJourney = textx.Truncate(n.ConsentJourney, 128)
	n.ConsentStatus = textx.Truncate(n.ConsentStatus, 128)
	return n, nil
}

func lowerKeys(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		lk := strings.ToLower(k)
		if _, dup := out[lk]; !dup {
			out[lk] = v
		}
	}
	return out
}

// Verify authenticates the delivery (the configured header secret or Basic
// credentials, compared in constant time) before reading the body, parses
// the consent id from it, then reads the consent through Atto's API and
// builds the event from the API's answer:
//
//   - Active with consentEnd within the lead time: ConsentExpiring (passed:
//     ConsentExpired);
//   - Active, when the body says UpcomingExpiration (Atto's expiry
//     notice): ConsentExpiring. This is the one use of the body's status,
//     and it only chooses among the events of a consent the API says is
//     Active;
//   - Active after a Reauthentication or Reconfirmation journey:
//     ReauthCompleted;
//   - Expired (or a 403 consent_expired): ConsentExpired;
//   - Revoked (or a 403 consent_revoked): ConsentRevoked;
//   - Abandoned, Failed, or another 403 re-auth answer: ReauthRequired;
//   - anything else: Other.
//
// Errors wrap reauth.ErrInvalidSignature (not authentic),
// reauth.ErrInvalidPayload (authentic, but no usable consent id, or a
// consent Atto does not know), or neither when the API could not be asked
// (the delivery should be retried).
func (v *WebhookVerifier) Verify(ctx context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
	if v == nil || r == nil || !v.authentic(r) || v.client.unusable() {
		return nil, fmt.Errorf("atto: webhook: delivery not authenticated: %w", reauth.ErrInvalidSignature)
	}
	n, err := ParseNotification(body)
	if err != nil {
		return nil, fmt.Errorf("atto: webhook: %s: %w", err.Error(), reauth.ErrInvalidPayload)
	}
	ev := &reauth.Event{
		Provider:     reauth.Atto,
		ProviderType: n.EventType,
		ConnectionID: n.ConsentID,
		Raw:          json.RawMessage(append([]byte(nil), body...)),
	}
	consent, err := v.client.GetConsent(ctx, n.ConsentID)
	if err != nil {
		var apiErr *reauth.APIError
		switch {
		case errors.Is(err, reauth.ErrNotFound):
			return nil, fmt.Errorf("atto: webhook: consent unknown to this application: %w", reauth.ErrInvalidPayload)
		case errors.Is(err, reauth.ErrReauthRequired) && errors.As(err, &apiErr):
			switch strings.ToLower(apiErr.Code) {
			case CodeConsentExpired:
				ev.Type = reauth.ConsentExpired
			case CodeConsentRevoked:
				ev.Type = reauth.ConsentRevoked
			default:
				ev.Type = reauth.ReauthRequired
			}
			ev.ID = eventID(n, ev.Type, apiErr.Code, time.Time{})
			return ev, nil
		}
		return nil, fmt.Errorf("atto: webhook: reading the consent: %w", err)
	}
	ev.Type = eventType(consent, v.client.now(), v.client.leadTime)
	if consent.ConsentStatus == StatusActive && ev.Type != reauth.ConsentExpired &&
		strings.EqualFold(n.ConsentStatus, NotificationUpcomingExpiration) {
		// Atto's expiry notice comes as many days ahead as configured at
		// Atto, possibly more than the lead time; and journeyType keeps
		// naming the last re-auth, so without this the notice for a
		// consent re-authenticated once would read ReauthCompleted.
		ev.Type = reauth.ConsentExpiring
	}
	ev.OccurredAt = consent.StatusUpdated
	ev.ID = eventID(n, ev.Type, string(consent.ConsentStatus), consent.StatusUpdated)
	return ev, nil
}

// eventID is the body's event id when it has one; otherwise an id derived
// from the event type and the consent's state as the API reports it, so
// repeated deliveries of one change share an id, while an expiry notice
// and a completed re-auth of the same consent state do not.
func eventID(n *Notification, typ reauth.EventType, status string, updated time.Time) string {
	if n.ID != "" {
		return n.ID
	}
	id := "atto:" + n.ConsentID + ":" + status + ":" + string(typ)
	if !updated.IsZero() {
		id += ":" + updated.UTC().Format(time.RFC3339Nano)
	}
	return id
}

func eventType(c *Consent, now time.Time, lead time.Duration) reauth.EventType {
	switch c.ConsentStatus {
	case StatusActive:
		switch reauth.ClassifyExpiry(now, c.ConsentEnd, time.Time{}, lead) {
		case reauth.ExpiringSoon:
			return reauth.ConsentExpiring
		case reauth.NeedsReauth:
			return reauth.ConsentExpired
		}
		if c.JourneyType == JourneyReauthentication || c.JourneyType == JourneyReconfirmation {
			return reauth.ReauthCompleted
		}
		return reauth.Other
	case StatusExpired:
		return reauth.ConsentExpired
	case StatusRevoked:
		return reauth.ConsentRevoked
	case StatusAbandoned, StatusFailed:
		return reauth.ReauthRequired
	}
	return reauth.Other
}
