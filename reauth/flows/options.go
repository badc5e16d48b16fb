package flows

import (
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Option configures a [Manager].
type Option func(*Manager) error

// WithTTL sets how long a flow without its own ExpiresAt is kept, and how
// long a done flow stays readable; the default is 30 minutes.
func WithTTL(d time.Duration) Option {
	return func(m *Manager) error {
		if d <= 0 {
			return errors.New("flows: ttl must be positive")
		}
		m.ttl = d
		return nil
	}
}

// WithLease sets how long one Continue may hold a flow; the provider call
// runs under a deadline inside it, so its result is always stored. The
// default is 2 minutes.
func WithLease(d time.Duration) Option {
	return func(m *Manager) error {
		if d <= 0 {
			return errors.New("flows: lease must be positive")
		}
		m.lease = d
		return nil
	}
}

// WithSealer seals every flow before it reaches the store (see
// [NewAESGCM]). Without one, stores hold the flow's JSON, tokens included.
func WithSealer(s Sealer) Option {
	return func(m *Manager) error {
		if s == nil {
			return errors.New("flows: nil sealer")
		}
		m.sealer = s
		return nil
	}
}

// WithClock sets the Manager's clock (for tests); the default is time.Now.
// Stores keep their own clocks.
func WithClock(now func() time.Time) Option {
	return func(m *Manager) error {
		if now == nil {
			return errors.New("flows: nil clock")
		}
		m.now = now
		return nil
	}
}

// WithLogger logs each flow's transitions (key prefix, provider, status,
// error); nothing is logged without it, and no secret ever is.
func WithLogger(l *slog.Logger) Option {
	return func(m *Manager) error {
		m.log = l
		return nil
	}
}

// WithSubject names the application's user behind a request. Begin then
// requires a subject, and the callback handler refuses a record whose
// Subject differs from the request's (reauth.ErrStateMismatch), leaving it
// untouched: a user who opens someone else's callback link never repairs
// that connection. A record begun with an empty subject (by a Manager
// without WithSubject) belongs to any user.
func WithSubject(subject func(*http.Request) string) Option {
	return func(m *Manager) error {
		if subject == nil {
			return errors.New("flows: nil subject function")
		}
		m.subject = subject
		return nil
	}
}

// WithCookie sets the name of the cookie Redirect sets and the callback
// handler reads; the default is "reauth_flow".
func WithCookie(name string) Option {
	return func(m *Manager) error {
		c := http.Cookie{Name: name, Value: "x"}
		if name == "" || c.Valid() != nil {
			return errors.New("flows: invalid cookie name")
		}
		m.cookie = name
		return nil
	}
}
