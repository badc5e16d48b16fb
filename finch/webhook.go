package finch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Webhook header names (matched case-insensitively).
const (
	// HeaderEventID carries the delivery's id ("msg_…").
	HeaderEventID = "Finch-Event-Id"
	// HeaderTimestamp carries the delivery's unix time in seconds.
	HeaderTimestamp = "Finch-Timestamp"
	// SignatureHeader carries the "v1,<base64>" signatures.
	SignatureHeader = "Finch-Signature"
	// HeaderSignature is SignatureHeader.
	//
	// Deprecated: use SignatureHeader, the name every provider package uses.
	HeaderSignature = SignatureHeader
)

// DefaultTolerance is how far a delivery's Finch-Timestamp may be from the
// verifier's clock, either way.
const DefaultTolerance = 5 * time.Minute

// Webhook event types reauthkit reads.
const (
	EventAccountUpdated = "account.updated"
)

// WebhookVerifier checks Finch webhook signatures and normalises the
// deliveries. It implements [reauth.WebhookVerifier] and is safe for
// concurrent use.
type WebhookVerifier struct {
	key       []byte
	now       func() time.Time
	tolerance time.Duration
}

var _ reauth.WebhookVerifier = (*WebhookVerifier)(nil)

// WebhookOption configures a [WebhookVerifier]. An option may fail:
// [NewWebhookVerifier] reports every failed option at once.
type WebhookOption func(*webhookConfig) error

type webhookConfig struct {
	now       func() time.Time
	tolerance time.Duration
}

// WithWebhookClock sets the clock the timestamp is checked against (tests).
func WithWebhookClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error {
		if now == nil {
			return errors.New("WithWebhookClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithTolerance sets how old or how far in the future a delivery's
// timestamp may be (default 5 minutes, as Finch's SDKs use). It must be
// positive.
func WithTolerance(d time.Duration) WebhookOption {
	return func(c *webhookConfig) error {
		if d <= 0 {
			return fmt.Errorf("WithTolerance: %s is not positive", d)
		}
		c.tolerance = d
		return nil
	}
}

// NewWebhookVerifier returns a verifier for the webhook secret shown in the
// Finch Dashboard: base64, with or without a "whsec_" prefix (Finch's SDKs
// take plain base64; Svix, which Finch's deliveries resemble, prefixes
// whsec_; both are accepted). Every problem is reported at once, in one
// error wrapping reauth.ErrInvalidRequest.
func NewWebhookVerifier(secret string, opts ...WebhookOption) (*WebhookVerifier, error) {
	cfg := webhookConfig{now: time.Now, tolerance: DefaultTolerance}
	b := httpx.NewBuilderFor(reauth.Finch, "new webhook verifier")
	key, err := decodeWebhookSecret(secret)
	b.Check(err)
	httpx.Apply(b, &cfg, opts...)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return &WebhookVerifier{key: key, now: cfg.now, tolerance: cfg.tolerance}, nil
}

func decodeWebhookSecret(secret string) ([]byte, error) {
	s := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	if s == "" {
		return nil, errors.New("webhook secret is required")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) > 0 {
			return k, nil
		}
	}
	return nil, errors.New("webhook secret is not base64")
}

func (v WebhookVerifier) redacted() reauth.RedactedValue {
	return reauth.Redact("finch.WebhookVerifier",
		reauth.Show("Key", reauth.RedactSecret(string(v.key))),
		reauth.Show("Tolerance", v.tolerance.String()))
}

// String describes the verifier without its key.
func (v WebhookVerifier) String() string { return v.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (v WebhookVerifier) GoString() string { return v.redacted().GoString() }

// Format prints the redacted form under every verb, so no verb reaches the
// key.
func (v WebhookVerifier) Format(f fmt.State, verb rune) { v.redacted().Format(f, verb) }

// LogValue logs the verifier without its key.
func (v WebhookVerifier) LogValue() slog.Value { return v.redacted().LogValue() }

func invalidSignature(why string) error {
	return fmt.Errorf("finch: webhook: %s: %w", why, reauth.ErrInvalidSignature)
}

func invalidPayload(why string) error {
	return fmt.Errorf("finch: webhook: %s: %w", why, reauth.ErrInvalidPayload)
}

// sign returns the HMAC-SHA256 a Finch-Signature v1 entry carries, base64
// encoded, for a delivery. finchtest signs with the same algorithm.
func (v *WebhookVerifier) sign(id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, v.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery's signature, then parses it. A nil or zero
// verifier (not made by NewWebhookVerifier) refuses every delivery as not
// authentic, so a handler answers 401. The HMAC-SHA256
// of "<Finch-Event-Id>.<Finch-Timestamp>.<body>" under the secret must
// equal one of the v1 signatures in Finch-Signature, given space-separated
// in one header (Finch's Python and Node SDKs, key rotation) or in repeated
// headers (Finch's Go SDK); comparison is constant-time. The timestamp
// must be within the tolerance of the clock. Only then is the body read:
// account.updated with data.status reauth (or error_reauth) is
// reauth.ReauthRequired, back to connected reauth.ReauthCompleted (Finch
// sends the same event when a new connection first connects), with status
// disconnected reauth.ConsentRevoked; every other event is reauth.Other
// with ProviderType set.
//
// The body is trusted to be capped already: reauth.NewWebhookHandler caps
// it. Errors wrap reauth.ErrInvalidSignature (not authentic) or
// reauth.ErrInvalidPayload (authentic, unparseable).
func (v *WebhookVerifier) Verify(_ context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
	switch {
	case v == nil || len(v.key) == 0 || v.now == nil || v.tolerance <= 0:
		return nil, invalidSignature("verifier not configured (use finch.NewWebhookVerifier)")
	case r == nil:
		return nil, invalidSignature("no request")
	}
	id := r.Header.Get(HeaderEventID)
	ts := r.Header.Get(HeaderTimestamp)
	sigs := r.Header.Values(SignatureHeader)
	switch {
	case id == "":
		return nil, invalidSignature("missing " + HeaderEventID)
	case ts == "":
		return nil, invalidSignature("missing " + HeaderTimestamp)
	case len(sigs) == 0:
		return nil, invalidSignature("missing " + SignatureHeader)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, invalidSignature("timestamp is not unix seconds")
	}
	now := v.now().Unix()
	tol := int64(v.tolerance / time.Second)
	switch {
	case sec < now-tol:
		return nil, invalidSignature("timestamp too old")
	case sec > now+tol:
		return nil, invalidSignature("timestamp too new")
	}
	want := v.sign(id, ts, body)
	if !matchAny(want, sigs) {
		return nil, invalidSignature("no matching signature")
	}
	return parseEvent(id, time.Unix(sec, 0).UTC(), body)
}

// matchAny reports whether one of the "v1,<base64>" entries, across
// header values and space-separated within each, equals want (base64 is
// canonical, so equal text means equal bytes). Every entry is compared, in
// constant time.
func matchAny(want []byte, headers []string) bool {
	var sigs []string
	for _, h := range headers {
		for _, entry := range strings.Fields(h) {
			if sig, ok := strings.CutPrefix(entry, "v1,"); ok {
				sigs = append(sigs, sig)
			}
		}
	}
	return httpx.MatchesAny(base64.StdEncoding.EncodeToString(want), sigs...)
}

// webhookPayload is the common part of a Finch delivery. data.status is a
// ConnectionStatus on account.updated; data.authentication_method is a
// string in Finch's docs and an object in its Go SDK, so it is not decoded.
type webhookPayload struct {
	EventType    string          `json:"event_type"`
	ConnectionID string          `json:"connection_id"`
	CompanyID    string          `json:"company_id"`
	AccountID    string          `json:"account_id"`
	EntityID     string          `json:"entity_id"`
	Data         json.RawMessage `json:"data"`
}

type accountUpdatedData struct {
	Status ConnectionStatus `json:"status"`
}

func parseEvent(id string, at time.Time, body []byte) (*reauth.Event, error) {
	var p webhookPayload
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, invalidPayload("body is not a JSON object")
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, invalidPayload("body is not a JSON object")
	}
	ev := &reauth.Event{
		ID:           id,
		Provider:     reauth.Finch,
		Type:         reauth.Other,
		ProviderType: p.EventType,
		ConnectionID: p.ConnectionID,
		OccurredAt:   at,
		Raw:          json.RawMessage(append([]byte(nil), body...)),
	}
	if p.EventType == EventAccountUpdated && len(p.Data) > 0 && string(p.Data) != "null" {
		var d accountUpdatedData
		if err := json.Unmarshal(p.Data, &d); err != nil {
			return nil, invalidPayload("account.updated data is not an object")
		}
		switch {
		case d.Status.NeedsReauth():
			ev.Type = reauth.ReauthRequired
		case d.Status == StatusConnected:
			ev.Type = reauth.ReauthCompleted
		case d.Status == StatusDisconnected:
			ev.Type = reauth.ConsentRevoked
		}
	}
	return ev, nil
}
