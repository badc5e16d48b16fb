package yapily

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// SignatureHeader is the header assumed to carry a delivery's signature,
// the verifier's default. Yapily documents that deliveries are signed with
// the HMAC secret returned once at registration (webhookSecret) but not the
// header or the encoding; this name and hex encoding follow community code
// and are assumptions: confirm them against a sandbox delivery and override
// them with WithSignatureHeader and WithSignatureEncoding.
const SignatureHeader = "X-Yapily-Signature"

// DefaultSignatureHeader is the old name of SignatureHeader.
//
// Deprecated: use SignatureHeader.
const DefaultSignatureHeader = SignatureHeader

// SignatureEncoding is how the HMAC-SHA256 of the body is written in the
// signature header.
type SignatureEncoding string

// The supported encodings. An optional "sha256=" prefix is accepted with
// either.
const (
	Hex    SignatureEncoding = "hex"
	Base64 SignatureEncoding = "base64"
)

// WebhookOption configures a WebhookVerifier.
type WebhookOption func(*webhookConfig)

type webhookConfig struct {
	header     string
	encoding   SignatureEncoding
	secrets    []string
	eventTypes map[string]reauth.EventType
	errs       []error
}

// WithSignatureHeader sets the header that carries the signature (default
// SignatureHeader, an assumption).
func WithSignatureHeader(name string) WebhookOption {
	return func(c *webhookConfig) {
		if strings.TrimSpace(name) == "" {
			c.errs = append(c.errs, errors.New("WithSignatureHeader: empty header name"))
			return
		}
		c.header = name
	}
}

// WithSignatureEncoding sets the signature's encoding (default Hex, an
// assumption; Base64 accepts the standard and the URL-safe alphabet).
func WithSignatureEncoding(e SignatureEncoding) WebhookOption {
	return func(c *webhookConfig) {
		if e != Hex && e != Base64 {
			c.errs = append(c.errs, fmt.Errorf("WithSignatureEncoding: unknown encoding %q", e))
			return
		}
		c.encoding = e
	}
}

// WithPreviousSecret also accepts deliveries signed with an older secret,
// while Yapily rotates it (POST /webhook/secrets/{id} keeps the old secret
// valid for a delay).
func WithPreviousSecret(secret string) WebhookOption {
	return func(c *webhookConfig) {
		if secret == "" {
			c.errs = append(c.errs, errors.New("WithPreviousSecret: empty secret"))
			return
		}
		c.secrets = append(c.secrets, secret)
	}
}

// WithMaxWebhookBytes has no effect: the verifier trusts the body it is
// given, and reauth.NewWebhookHandler caps it (reauth.WithMaxBytes).
//
// Deprecated: cap the body in reauth.NewWebhookHandler.
func WithMaxWebhookBytes(n int) WebhookOption {
	return func(c *webhookConfig) {
		if n <= 0 {
			c.errs = append(c.errs, errors.New("WithMaxWebhookBytes: must be positive"))
		}
	}
}

// WithEventTypes maps Yapily webhook categories (the envelope's "type") to
// normalised event types, replacing the defaults (DefaultEventTypes) for the
// categories it names.
func WithEventTypes(m map[string]reauth.EventType) WebhookOption {
	return func(c *webhookConfig) {
		for k, v := range m {
			c.eventTypes[k] = v
		}
	}
}

// DefaultEventTypes maps webhook categories to event types. Yapily documents
// only payment and categorisation categories (all reauth.Other); no consent
// category is published. The consent names below are assumptions kept so
// that such deliveries are recognised if Yapily adds them under these names;
// use WithEventTypes for the real ones.
func DefaultEventTypes() map[string]reauth.EventType {
	return map[string]reauth.EventType{
		"consent.expiring":        reauth.ConsentExpiring,
		"consent.expired":         reauth.ConsentExpired,
		"consent.revoked":         reauth.ConsentRevoked,
		"consent.reauthorised":    reauth.ReauthCompleted,
		"consent.reauth.required": reauth.ReauthRequired,
	}
}

// WebhookVerifier checks Yapily webhook deliveries: HMAC-SHA256 over the raw
// body with the webhook secret, compared in constant time, before anything is
// parsed. It implements reauth.WebhookVerifier and is safe for concurrent
// use.
type WebhookVerifier struct {
	header     string
	encoding   SignatureEncoding
	keys       [][]byte
	eventTypes map[string]reauth.EventType
}

var _ reauth.WebhookVerifier = (*WebhookVerifier)(nil)

// NewWebhookVerifier returns a verifier for deliveries signed with secret,
// the webhookSecret Yapily returned when the webhook was registered.
func NewWebhookVerifier(secret string, opts ...WebhookOption) (*WebhookVerifier, error) {
	cfg := webhookConfig{header: SignatureHeader, encoding: Hex, eventTypes: DefaultEventTypes()}
	b := httpx.NewBuilderFor(reauth.Yapily, "new webhook verifier")
	if secret == "" {
		b.Fail("secret is required")
	}
	cfg.secrets = []string{secret}
	for i, o := range opts {
		if o == nil {
			b.Fail("webhook option %d is nil", i)
			continue
		}
		o(&cfg)
	}
	for _, err := range cfg.errs {
		b.Check(err)
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	v := &WebhookVerifier{header: cfg.header, encoding: cfg.encoding, eventTypes: cfg.eventTypes}
	for _, s := range cfg.secrets {
		v.keys = append(v.keys, []byte(s))
	}
	return v, nil
}

func (v *WebhookVerifier) redacted() reauth.RedactedValue {
	if v == nil {
		return reauth.Redact("yapily.WebhookVerifier")
	}
	return reauth.Redact("yapily.WebhookVerifier",
		reauth.Show("Header", v.header),
		reauth.Show("Encoding", string(v.encoding)),
		reauth.Show("Secrets", len(v.keys)))
}

// Format prints the verifier without its secrets (only how many it has)
// under every verb, by value or pointer.
func (v WebhookVerifier) Format(s fmt.State, verb rune) { v.redacted().Format(s, verb) }

// String describes the verifier without its secrets.
func (v *WebhookVerifier) String() string { return v.redacted().String() }

// GoString is String for %#v.
func (v *WebhookVerifier) GoString() string { return v.redacted().GoString() }

// LogValue logs the verifier without its secrets.
func (v *WebhookVerifier) LogValue() slog.Value { return v.redacted().LogValue() }

// Verify checks the signature of body and returns the normalised event.
// Errors wrap reauth.ErrInvalidSignature (missing, malformed or wrong
// signature; also a nil or zero verifier, which knows no secret) or
// reauth.ErrInvalidPayload (authentic but not the documented envelope). It
// reads body as given: reauth.NewWebhookHandler caps its size.
func (v *WebhookVerifier) Verify(_ context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
	if v == nil || len(v.keys) == 0 || v.header == "" {
		return nil, fmt.Errorf("yapily: webhook verifier not created with NewWebhookVerifier: %w", reauth.ErrInvalidSignature)
	}
	var sig string
	if r != nil {
		sig = r.Header.Get(v.header)
	}
	if err := v.check(sig, body); err != nil {
		return nil, err
	}
	return v.parse(body)
}

func (v *WebhookVerifier) check(sig string, body []byte) error {
	sig = strings.TrimSpace(sig)
	if sig == "" {
		return fmt.Errorf("yapily: webhook signature header missing: %w", reauth.ErrInvalidSignature)
	}
	if len(sig) > 7 && strings.EqualFold(sig[:7], "sha256=") {
		sig = sig[7:]
	}
	var got []byte
	var err error
	switch v.encoding {
	case Base64:
		got, err = base64.StdEncoding.DecodeString(sig)
		if err != nil {
			got, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(sig, "="))
		}
	default:
		got, err = hex.DecodeString(sig)
	}
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("yapily: webhook signature malformed: %w", reauth.ErrInvalidSignature)
	}
	want := make([]string, len(v.keys))
	for i, k := range v.keys {
		m := hmac.New(sha256.New, k)
		m.Write(body)
		want[i] = string(m.Sum(nil))
	}
	if !httpx.MatchesAny(string(got), want...) {
		return fmt.Errorf("yapily: webhook signature does not match: %w", reauth.ErrInvalidSignature)
	}
	return nil
}

// webhookEnvelope is Yapily's delivery: {id, applicationId, type, event,
// metadata}. id identifies the webhook registration, not the delivery.
type webhookEnvelope struct {
	ID            jsonx.String    `json:"id"`
	ApplicationID jsonx.String    `json:"applicationId"`
	Type          jsonx.String    `json:"type"`
	Event         json.RawMessage `json:"event"`
	Metadata      *struct {
		TracingID jsonx.String `json:"tracingId"`
	} `json:"metadata"`
}

// str reads a string-ish field of an object, "" when absent or not a
// string, number or boolean.
func str(m map[string]json.RawMessage, key string) string {
	var v jsonx.String
	if raw, ok := m[key]; !ok || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return string(v)
}

// parse normalises an authentic delivery. Event.ID is metadata.tracingId
// (unique per delivery), else event.id; Event.ConnectionID is
// event.consentId or event.consent.id; OccurredAt is event.createdAt,
// timestamp or eventTime, zero when absent.
func (v *WebhookVerifier) parse(body []byte) (*reauth.Event, error) {
	var env webhookEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("yapily: webhook payload is not the documented JSON: %w", reauth.ErrInvalidPayload)
	}
	if env.Type == "" {
		return nil, fmt.Errorf("yapily: webhook payload has no type: %w", reauth.ErrInvalidPayload)
	}
	// The fields of "event" reauthkit reads are assumptions (Yapily
	// publishes no consent event); each is optional and read leniently.
	var ev map[string]json.RawMessage
	if len(env.Event) > 0 && env.Event[0] == '{' {
		if err := json.Unmarshal(env.Event, &ev); err != nil {
			return nil, fmt.Errorf("yapily: webhook event is not the documented JSON: %w", reauth.ErrInvalidPayload)
		}
	}
	out := &reauth.Event{
		Provider:     reauth.Yapily,
		Type:         reauth.Other,
		ProviderType: textx.Truncate(string(env.Type), 128),
		ConnectionID: textx.Truncate(str(ev, "consentId"), 256),
		Raw:          json.RawMessage(append([]byte(nil), body...)),
	}
	if t, ok := v.eventTypes[string(env.Type)]; ok {
		out.Type = t
	}
	if env.Metadata != nil && env.Metadata.TracingID != "" {
		out.ID = textx.Truncate(string(env.Metadata.TracingID), 256)
	} else {
		out.ID = textx.Truncate(str(ev, "id"), 256)
	}
	if raw := ev["consent"]; out.ConnectionID == "" && len(raw) > 0 && raw[0] == '{' {
		var c map[string]json.RawMessage
		if json.Unmarshal(raw, &c) == nil {
			out.ConnectionID = textx.Truncate(str(c, "id"), 256)
		}
	}
	for _, k := range []string{"createdAt", "timestamp", "eventTime"} {
		var t jsonx.Time
		if raw, ok := ev[k]; ok && json.Unmarshal(raw, &t) == nil && !t.IsZero() {
			out.OccurredAt = t.Time
			break
		}
	}
	return out, nil
}
