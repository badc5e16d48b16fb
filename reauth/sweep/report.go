package sweep

import (
	"maps"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Report is what a Run did.
type Report struct {
	// Inspected counts connections whose health was read (by Inspect, or
	// from Connection.Known).
	Inspected int
	// Notified counts notices delivered (notify returned nil).
	Notified int
	// AlreadySent counts notices the Ledger held already: sent by an
	// earlier Run or another instance.
	AlreadySent int
	// Failed counts connections that could not be swept: bad input, an
	// Inspect or Ledger error, a notify error, an error of the iterator.
	Failed int
	// ByState counts inspected connections by health state.
	ByState map[reauth.HealthState]int
	// Paused counts, per provider, the rate-limit answers that paused the
	// provider's lane.
	Paused map[reauth.Provider]int
	// Failures lists the first failures (WithMaxFailures, default 100).
	Failures []Failure
	// Elapsed is how long the Run took.
	Elapsed time.Duration
}

// Failure is one connection a Run could not sweep.
type Failure struct {
	Provider     reauth.Provider
	ConnectionID string
	// Err says why; it never holds a token. errors.Is works on it
	// (reauth.ErrUnknownProvider, reauth.ErrMissingInput, a provider's
	// *reauth.APIError, ...).
	Err error
}

// Error formats the failure.
func (f Failure) Error() string {
	cause := "unknown error"
	if f.Err != nil {
		cause = f.Err.Error()
	}
	return "sweep: " + string(f.Provider) + " connection " + quoteOrNone(f.ConnectionID) + ": " + cause
}

// Unwrap returns the cause.
func (f Failure) Unwrap() error { return f.Err }

func quoteOrNone(id string) string {
	if id == "" {
		return "(no id)"
	}
	return `"` + id + `"`
}

// tally is a Report being written by many goroutines.
type tally struct {
	mu          sync.Mutex
	r           Report
	maxFailures int
}

func newTally(maxFailures int) *tally {
	return &tally{maxFailures: maxFailures, r: Report{
		ByState: map[reauth.HealthState]int{}, Paused: map[reauth.Provider]int{},
	}}
}

func (t *tally) inspected(st reauth.HealthState) {
	t.mu.Lock()
	t.r.Inspected++
	t.r.ByState[st]++
	t.mu.Unlock()
}

func (t *tally) notified()    { t.add(&t.r.Notified) }
func (t *tally) alreadySent() { t.add(&t.r.AlreadySent) }

func (t *tally) add(n *int) {
	t.mu.Lock()
	*n++
	t.mu.Unlock()
}

func (t *tally) paused(p reauth.Provider) {
	t.mu.Lock()
	t.r.Paused[p]++
	t.mu.Unlock()
}

func (t *tally) failed(f Failure) {
	t.mu.Lock()
	t.r.Failed++
	if len(t.r.Failures) < t.maxFailures {
		t.r.Failures = append(t.r.Failures, f)
	}
	t.mu.Unlock()
}

// snapshot copies the report so far.
func (t *tally) snapshot(elapsed time.Duration) Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.r
	r.ByState = maps.Clone(t.r.ByState)
	r.Paused = maps.Clone(t.r.Paused)
	r.Failures = append([]Failure(nil), t.r.Failures...)
	r.Elapsed = elapsed
	return r
}
