package mono

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Webhook event names Mono sends.
const (
	EventReauthorisationRequired = "mono.events.reauthorisation_required"
	EventAccountReauthorized     = "mono.events.account_reauthorized"
	EventAccountUpdated          = "mono.events.account_updated"
	EventAccountConnected        = "mono.events.account_connected"
	EventAccountUnlinked         = "mono.events.account_unlinked"
	EventSyncFailed              = "mono.events.sync_failed"
	EventJobsUpdate              = "mono.accounts.jobs.update"
)

// WebhookVerifier authenticates Mono webhook deliveries and implements
// [reauth.WebhookVerifier].
//
// Mono signs nothing: every delivery carries the app's webhook secret in the
// mono-webhook-secret header, compared here in constant time. There is no
// HMAC, timestamp or replay window, so replay protection is the caller's:
// dedupe deliveries with a [Deduper] (on the event id when Mono sends one,
// otherwise on the body), and make the handler idempotent. It is safe for
// concurrent use.
type WebhookVerifier struct {
	secretHash [sha256.Size]byte
}

var _ reauth.WebhookVerifier = (*WebhookVerifier)(nil)

// WebhookOption configures a [WebhookVerifier].
type WebhookOption func(*webhookConfig)

type webhookConfig struct{}

// WithMaxWebhookBytes does nothing: reauth.NewWebhookHandler caps the body
// before the verifier sees it.
//
// Deprecated: set the cap on reauth.NewWebhookHandler.
func WithMaxWebhookBytes(int) WebhookOption { return func(*webhookConfig) {} }

// NewWebhookVerifier returns a verifier for deliveries carrying secret in
// the mono-webhook-secret header. An empty secret or a nil option is an
// error. The verifier
// trusts the body it is given: serve it through reauth.NewWebhookHandler,
// which caps the body.
//
// Mono API docs: https://docs.mono.co/docs/financial-data/webhook-introduction
func NewWebhookVerifier(secret string, opts ...WebhookOption) (*WebhookVerifier, error) {
	if secret == "" {
		return nil, errors.New("mono: webhook verifier: secret is required")
	}
	var cfg webhookConfig
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("mono: webhook verifier: option %d is nil", i)
		}
		o(&cfg)
	}
	return &WebhookVerifier{secretHash: sha256.Sum256([]byte(secret))}, nil
}

func (v *WebhookVerifier) redacted() reauth.RedactedValue {
	secret := "" // the verifier keeps only a hash: show whether it is set
	if v != nil && v.secretHash != [sha256.Size]byte{} {
		secret = reauth.Redacted
	}
	return reauth.Redact("mono.WebhookVerifier", reauth.Show("Secret", secret))
}

// Format prints the verifier without its secret under every verb.
func (v *WebhookVerifier) Format(f fmt.State, verb rune) { v.redacted().Format(f, verb) }

// String never shows the secret.
func (v *WebhookVerifier) String() string { return v.redacted().String() }

// GoString is String for %#v.
func (v *WebhookVerifier) GoString() string { return v.redacted().GoString() }

// webhookBody is Mono's envelope: {"event", "data"}; event_id, id and
// timestamp are read when present (seen in third-party code, not in Mono's
// docs). Only event must decode: an odd shape in an undocumented or
// optional field reads as absent, so that an authentic delivery is never
// refused (and redelivered forever) for it.
type webhookBody struct {
	Event     *jsonx.String      `json:"event"`
	EventID   idField            `json:"event_id"`
	ID        idField            `json:"id"`
	Timestamp jsonx.OptionalTime `json:"timestamp"`
	Data      json.RawMessage    `json:"data"`
}

// webhookData is the part of data that names the account and carries its
// status: meta.sync_status (account_updated), status (jobs.update), and an
// event_id inside data.
type webhookData struct {
	Account idField        `json:"account"`
	ID      idField        `json:"id"`
	ID2     idField        `json:"_id"`
	EventID idField        `json:"event_id"`
	Status  jsonx.String   `json:"status"`
	Meta    *webhookStatus `json:"meta"`
	Job     *webhookStatus `json:"job"`
}

type webhookStatus struct {
	SyncStatus jsonx.String `json:"sync_status"`
	Status     jsonx.String `json:"status"`
	DataStatus jsonx.String `json:"data_status"`
}

// Verify checks the mono-webhook-secret header (constant time) before it
// parses anything, then normalises the delivery:
// mono.events.reauthorisation_required, an account_updated with
// meta.sync_status REAUTHORISATION_REQUIRED and a jobs.update with status
// REAUTHORISATION_REQUIRED → reauth.ReauthRequired;
// mono.events.account_reauthorized → reauth.ReauthCompleted;
// mono.events.account_unlinked → reauth.ConsentRevoked; everything else →
// reauth.Other. ID is event_id (top level or in data), ConnectionID
// data.account._id (or .id, or data.id). A missing or wrong secret wraps
// reauth.ErrInvalidSignature; an authentic body that is not a Mono envelope
// wraps reauth.ErrInvalidPayload.
func (v *WebhookVerifier) Verify(_ context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
	if v == nil || v.secretHash == ([sha256.Size]byte{}) {
		return nil, fmt.Errorf("mono: webhook: no verifier: %w", reauth.ErrInvalidSignature)
	}
	if r == nil {
		return nil, fmt.Errorf("mono: webhook: no request: %w", reauth.ErrInvalidSignature)
	}
	got := r.Header.Get(HeaderWebhookSecret)
	if got == "" {
		return nil, fmt.Errorf("mono: webhook: missing %s header: %w", HeaderWebhookSecret, reauth.ErrInvalidSignature)
	}
	gotHash := sha256.Sum256([]byte(got))
	if !httpx.MatchesAny(string(gotHash[:]), string(v.secretHash[:])) {
		return nil, fmt.Errorf("mono: webhook: %s does not match: %w", HeaderWebhookSecret, reauth.ErrInvalidSignature)
	}
	return parseWebhook(body)
}

func parseWebhook(body []byte) (*reauth.Event, error) {
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("mono: webhook: body is not a JSON object: %w", reauth.ErrInvalidPayload)
	}
	if b.Event == nil || *b.Event == "" {
		return nil, fmt.Errorf("mono: webhook: no event name: %w", reauth.ErrInvalidPayload)
	}
	name := string(*b.Event)
	ev := &reauth.Event{
		ID:           cmp.Or(string(b.EventID), string(b.ID)),
		Provider:     reauth.Mono,
		Type:         reauth.Other,
		ProviderType: name,
		OccurredAt:   b.Timestamp.Time.Time,
		Raw:          append(json.RawMessage(nil), body...),
	}
	var d webhookData
	if json.Unmarshal(b.Data, &d) == nil { // data that is not an object names no account
		ev.ConnectionID = cmp.Or(string(d.Account), string(d.ID), string(d.ID2))
		ev.ID = cmp.Or(ev.ID, string(d.EventID))
	}
	ev.Type = eventType(name, &d)
	return ev, nil
}

// eventType maps Mono's event to reauth's: reauthorisation_required, an
// account_updated whose meta.sync_status and a jobs.update whose status is
// REAUTHORISATION_REQUIRED → ReauthRequired; account_reauthorized →
// ReauthCompleted; account_unlinked → ConsentRevoked; the rest → Other.
func eventType(name string, d *webhookData) reauth.EventType {
	switch name {
	case EventReauthorisationRequired:
		return reauth.ReauthRequired
	case EventAccountReauthorized:
		return reauth.ReauthCompleted
	case EventAccountUnlinked:
		return reauth.ConsentRevoked
	case EventAccountUpdated, EventJobsUpdate:
		var st []jsonx.String
		st = append(st, d.Status)
		for _, m := range []*webhookStatus{d.Meta, d.Job} {
			if m != nil {
				st = append(st, m.SyncStatus, m.Status)
			}
		}
		for _, v := range st {
			if strings.EqualFold(string(v), CodeReauthorisationRequired) {
				return reauth.ReauthRequired
			}
		}
	}
	return reauth.Other
}

// Deduper remembers the deliveries it has seen for a while, so that a
// handler can skip Mono's redeliveries (Mono has no replay protection).
// Memory is bounded: the oldest entries go first. It is safe for concurrent
// use; share one per process (use a shared store across instances).
type Deduper struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	now   func() time.Time
	seen  map[string]time.Time
	order []dedupeEntry
}

type dedupeEntry struct {
	key string
	at  time.Time
}

// Defaults of a Deduper.
const (
	defaultDedupeTTL = 24 * time.Hour
	defaultDedupeMax = 100_000
)

// NewDeduper remembers up to max keys for ttl each (defaults: 24 h, 100 000
// keys, when <= 0). now is the clock; nil is time.Now.
func NewDeduper(ttl time.Duration, max int, now func() time.Time) *Deduper {
	if ttl <= 0 {
		ttl = defaultDedupeTTL
	}
	if max <= 0 {
		max = defaultDedupeMax
	}
	if now == nil {
		now = time.Now
	}
	return &Deduper{ttl: ttl, max: max, now: now, seen: map[string]time.Time{}}
}

// Key returns what ev is deduped on: its id when Mono sent one, otherwise
// a SHA-256 of its raw body (a redelivery repeats the body).
func Key(ev reauth.Event) string {
	if ev.ID != "" {
		return "id:" + ev.ID
	}
	sum := sha256.Sum256(ev.Raw)
	return "body:" + hex.EncodeToString(sum[:])
}

// Seen records ev and reports whether it was already recorded within the
// ttl. Call it in the handler; acknowledge (return nil) when it is true.
//
// A zero Deduper uses the defaults of NewDeduper; a nil one remembers
// nothing and reports false.
func (d *Deduper) Seen(ev reauth.Event) bool {
	if d == nil {
		return false
	}
	k := Key(ev)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]time.Time{}
	}
	ttl, limit, now := d.ttl, d.max, time.Now()
	if ttl <= 0 {
		ttl = defaultDedupeTTL
	}
	if limit <= 0 {
		limit = defaultDedupeMax
	}
	if d.now != nil {
		now = d.now()
	}
	if t, ok := d.seen[k]; ok && now.Sub(t) < ttl {
		return true
	}
	for len(d.order) > 0 {
		old := d.order[0]
		t, ok := d.seen[old.key]
		stale := !ok || !t.Equal(old.at) // refreshed or gone: a dead entry
		if !stale && len(d.seen) < limit && now.Sub(t) < ttl {
			break
		}
		if !stale {
			delete(d.seen, old.key)
		}
		d.order = d.order[1:]
	}
	d.order = append(d.order, dedupeEntry{key: k, at: now})
	d.seen[k] = now
	return false
}
