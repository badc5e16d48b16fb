package sweep

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"golang.org/x/time/rate"
)

// Defaults of a new Sweeper.
const (
	DefaultConcurrency = 8
	// DefaultRetryAfter is how long a provider's lane pauses after a rate
	// limit answer that did not say how long to wait.
	DefaultRetryAfter = time.Second
	// DefaultMaxRetries is how often a rate-limited connection is retried
	// before it is reported failed.
	DefaultMaxRetries = 8
	// DefaultHold is how long a notice about a date already passed (or
	// about no date) stays claimed: see [WithHold].
	DefaultHold = 7 * 24 * time.Hour
	// DefaultProgressInterval is how often WithProgress's callback runs.
	DefaultProgressInterval = time.Second
	// DefaultMaxFailures is how many failures a Report lists in detail.
	DefaultMaxFailures = 100
	// DefaultReadAhead is how many connections of one provider wait in its
	// lane, so that the source is read on while a provider is paused.
	DefaultReadAhead = 256
)

// defaultLeads are the staged notices: 30 days, 7 days and 1 day before
// the connection expires.
var defaultLeads = []time.Duration{30 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour}

// Option configures a [Sweeper].
type Option func(*Sweeper)

// WithLeads sets the staged leads (default 30 days, 7 days, 1 day). Each
// must be positive; order does not matter. With none, only act-now notices
// (Lead 0) are sent.
func WithLeads(leads ...time.Duration) Option {
	return func(s *Sweeper) {
		ls := slices.Clone(leads)
		for _, l := range ls {
			if l <= 0 {
				s.errs = append(s.errs, fmt.Errorf("sweep: lead %v is not positive: %w", l, reauth.ErrInvalidRequest))
			}
		}
		slices.Sort(ls)
		s.leads = slices.Compact(ls)
	}
}

// WithConcurrency sets how many connections are inspected and notified at
// once across all providers (default 8). Memory grows with it, not with the
// number of connections.
func WithConcurrency(n int) Option {
	return func(s *Sweeper) {
		if n < 1 {
			s.errs = append(s.errs, fmt.Errorf("sweep: concurrency %d is below 1: %w", n, reauth.ErrInvalidRequest))
		}
		s.concurrency = n
	}
}

// WithRate limits Inspect calls to provider p to perSecond requests a
// second with bursts of burst (at least 1), across all Runs of the
// Sweeper. Providers without a rate are not limited.
func WithRate(p reauth.Provider, perSecond float64, burst int) Option {
	return func(s *Sweeper) {
		if !(perSecond > 0) {
			s.errs = append(s.errs, fmt.Errorf("sweep: rate for %q is not positive: %w", p, reauth.ErrInvalidRequest))
			return
		}
		s.rates[p] = rateSpec{limit: rate.Limit(perSecond), burst: max(burst, 1)}
	}
}

// WithLedger sets where claimed notices are recorded (default a
// [MemoryLedger] per Sweeper). Share one database Ledger between
// instances so that each notice is sent once.
func WithLedger(l Ledger) Option {
	return func(s *Sweeper) {
		if l == nil {
			s.errs = append(s.errs, errors.New("sweep: nil ledger"))
		}
		s.ledger = l
	}
}

// WithClock sets the clock leads are measured with (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Sweeper) {
		if now != nil {
			s.now = now
		}
	}
}

// WithLogger logs failures and rate-limit pauses (never a token). Without
// it the Sweeper logs nothing.
func WithLogger(l *slog.Logger) Option { return func(s *Sweeper) { s.logger = l } }

// WithProgress calls f with the Report so far every progress interval
// ([WithProgressInterval]) during Run, and once with the final Report
// before Run returns. f runs on its own goroutine, never concurrently with
// itself, and never after Run returns.
func WithProgress(f func(Report)) Option { return func(s *Sweeper) { s.progress = f } }

// WithProgressInterval sets how often the WithProgress callback runs
// (default 1 second).
func WithProgressInterval(d time.Duration) Option {
	return positive("progress interval", d, func(s *Sweeper) { s.interval = d })
}

// WithRetryAfter sets how long a provider's lane pauses after a rate-limit
// answer without Retry-After (default 1 second).
func WithRetryAfter(d time.Duration) Option {
	return positive("retry-after", d, func(s *Sweeper) { s.retryAfter = d })
}

// WithMaxRetries sets how often one connection is retried after rate-limit
// answers before it is reported failed (default 8), so that a provider
// that never lets up cannot hold a sweep forever.
func WithMaxRetries(n int) Option { // n+1: zero is allowed
	return positive("max retries", n+1, func(s *Sweeper) { s.maxRetries = n })
}

// WithHold sets how long a notice stays claimed when its date has already
// passed or it has none (an act-now notice about an expired or revoked
// connection; default 7 days). A claim normally lasts until the expiry the
// notice is about; such a notice would be free again at once, so it is held
// this long instead: a connection that stays broken is reminded at most
// once per hold.
func WithHold(d time.Duration) Option { return positive("hold", d, func(s *Sweeper) { s.hold = d }) }

// WithMaxFailures sets how many failures a Report lists in Failures
// (default 100; all are counted in Failed).
func WithMaxFailures(n int) Option { // n+1: zero is allowed
	return positive("max failures", n+1, func(s *Sweeper) { s.maxFailures = n })
}

// positive returns an Option that records an error when v is not
// positive, and sets the value otherwise.
func positive[T int | time.Duration](what string, v T, set func(*Sweeper)) Option {
	return func(s *Sweeper) {
		if v <= 0 {
			s.errs = append(s.errs, fmt.Errorf("sweep: %s is out of range: %w", what, reauth.ErrInvalidRequest))
			return
		}
		set(s)
	}
}

// WithReadAhead sets how many connections of one provider may wait in its
// lane (default 256). While a provider is paused, the source is read on
// and the other providers swept until this many of the paused provider's
// connections wait; then reading waits for the pause to end. Memory grows
// with it and the number of providers, never with the number of
// connections.
func WithReadAhead(n int) Option {
	return positive("read-ahead", n, func(s *Sweeper) { s.readAhead = n })
}
