package flows

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Manager runs re-authentications through a [reauth.Registry] and keeps
// every flow in a [Store] between the redirect out and the callback in, so
// any instance sharing the store can finish it, and a code or OTP is spent
// at most once. It is immutable after [NewManager] and safe for concurrent
// use.
type Manager struct {
	reg     *reauth.Registry
	store   Store
	ttl     time.Duration
	lease   time.Duration
	sealer  Sealer
	now     func() time.Time
	log     *slog.Logger
	subject func(*http.Request) string
	cookie  string
}

// NewManager returns a Manager over reg and store.
func NewManager(reg *reauth.Registry, store Store, opts ...Option) (*Manager, error) {
	if reg == nil {
		return nil, errors.New("flows: nil registry")
	}
	if store == nil {
		return nil, errors.New("flows: nil store")
	}
	m := &Manager{reg: reg, store: store, ttl: 30 * time.Minute, lease: 2 * time.Minute,
		now: time.Now, cookie: "reauth_flow"}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// String describes the Manager without any key or flow.
func (m *Manager) String() string {
	if m == nil {
		return "flows.Manager(nil)"
	}
	return fmt.Sprintf("flows.Manager{providers: %v, ttl: %s, lease: %s, sealed: %t}",
		m.reg.Providers(), m.ttl, m.lease, m.sealer != nil)
}

// Format prints String under every verb, so nothing it holds is printed.
func (m *Manager) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, m.String()) }

var errNilManager = errors.New("flows: nil manager")

var errNilStore = errors.New("flows: nil store")

// hashHex is the SHA-256 of s, hex encoded: how states become keys and
// Yapily consent tokens become callback ids.
func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// KeyFor returns the record key of a flow whose State is state (its
// SHA-256, hex encoded): what Begin returns and the callback handler looks
// up. The state itself is never stored outside the flow's data.
func KeyFor(state string) string { return hashHex(state) }

// callbackID is what p's callback carries to name the connection, when it
// does not carry our state.
func callbackID(p reauth.Provider, req reauth.Request, flow *reauth.Flow) string {
	switch p {
	case reauth.Atto:
		return flow.ConnectionID // consent_id
	case reauth.Yapily:
		if req.Token != "" {
			return hashHex(req.Token) // consent: the consent token itself
		}
	}
	return ""
}

// envelope is what a record's Data holds (sealed when a Sealer is set). The
// key inside ties the data to its record: data copied onto another record
// does not open.
type envelope struct {
	Key  string       `json:"key"`
	Flow *reauth.Flow `json:"flow"`
}

func (m *Manager) seal(key string, flow *reauth.Flow) ([]byte, error) {
	plain, err := json.Marshal(envelope{Key: key, Flow: flow})
	if err != nil {
		return nil, fmt.Errorf("flows: encode flow: %w", err)
	}
	if m.sealer == nil {
		return plain, nil
	}
	return m.sealer.Seal(plain)
}

func (m *Manager) open(rec Record) (*reauth.Flow, error) {
	plain := rec.Data
	if m.sealer != nil {
		var err error
		if plain, err = m.sealer.Open(rec.Data); err != nil {
			return nil, err
		}
	}
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil || env.Flow == nil {
		return nil, fmt.Errorf("flows: stored data is not a flow (sealed, but no sealer configured?): %w", ErrUnreadable)
	}
	if env.Key != rec.Key {
		return nil, fmt.Errorf("flows: stored data belongs to another record: %w", ErrUnreadable)
	}
	return env.Flow, nil
}

func (m *Manager) expiry(flow *reauth.Flow) time.Time {
	if flow != nil && !flow.ExpiresAt.IsZero() && flow.Step != reauth.StepDone {
		return flow.ExpiresAt
	}
	return m.now().Add(m.ttl)
}

// Begin starts a re-authentication with provider p for subject (the
// application's user; required with [WithSubject], else "" = any) and
// stores the flow. It returns the record key (for Continue, Get and
// Redirect) and the flow to show the user. An empty provider, or an empty
// subject under WithSubject, is reauth.ErrMissingInput before any I/O; a
// req.State already in use is ErrExists, checked before any I/O too.
func (m *Manager) Begin(ctx context.Context, subject string, p reauth.Provider, req reauth.Request) (string, *reauth.Flow, error) {
	if m == nil {
		return "", nil, errNilManager
	}
	if p == "" {
		return "", nil, fmt.Errorf("flows: begin: empty provider: %w", reauth.ErrMissingInput)
	}
	if m.subject != nil && subject == "" {
		return "", nil, fmt.Errorf("flows: begin: empty subject: %w", reauth.ErrMissingInput)
	}
	if req.State != "" {
		if _, err := m.store.Get(ctx, KeyFor(req.State)); err == nil {
			return "", nil, fmt.Errorf("flows: begin: %w", ErrExists)
		} else if !errors.Is(err, ErrNotFound) {
			return "", nil, fmt.Errorf("flows: begin: %w", err)
		}
	}
	flow, err := m.reg.Begin(ctx, p, req)
	if err != nil {
		return "", nil, err
	}
	key := KeyFor(cmp.Or(flow.State, reauth.NewState()))
	data, err := m.seal(key, flow)
	if err != nil {
		return "", nil, err
	}
	now := m.now()
	rec := Record{Key: key, Subject: subject, Provider: p, ConnectionID: flow.ConnectionID,
		CallbackID: callbackID(p, req, flow), Status: StatusOpen, Data: data,
		ExpiresAt: m.expiry(flow), UpdatedAt: now}
	if err := m.store.Create(ctx, rec); err != nil {
		return "", nil, fmt.Errorf("flows: begin: %w", err)
	}
	m.logf(ctx, "begin", rec, nil)
	return key, flow, nil
}

// Get returns the record under key and its flow, opened. A record that
// does not open (altered, or sealed with a key no longer listed) is an
// error wrapping ErrUnreadable that names the key id; it stays stored.
func (m *Manager) Get(ctx context.Context, key string) (Record, *reauth.Flow, error) {
	if m == nil {
		return Record{}, nil, errNilManager
	}
	if err := checkKey(key); err != nil {
		return Record{}, nil, err
	}
	rec, err := m.store.Get(ctx, key)
	if err != nil {
		return Record{}, nil, err
	}
	flow, err := m.open(rec)
	return rec, flow, err
}

func (m *Manager) logf(ctx context.Context, op string, rec Record, err error) {
	if m.log == nil {
		return
	}
	attrs := []slog.Attr{slog.String("op", op), slog.String("key", shortKey(rec.Key)),
		slog.String("provider", string(rec.Provider)), slog.String("status", string(rec.Status))}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()),
			slog.String("next_action", string(reauth.NextAction(err))))
	}
	m.log.LogAttrs(ctx, level, "flows: "+op, attrs...)
}

// shortKey is enough of a key to find its record in logs.
func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}
