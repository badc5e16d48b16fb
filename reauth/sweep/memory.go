package sweep

import (
	"context"
	"sync"
	"time"
)

// MemoryLedger is a [Ledger] and [Releaser] in memory, the default of a
// Sweeper without WithLedger. It forgets a claim once its until has passed,
// and drops forgotten claims as it grows, so it holds about as many keys as
// there are live claims. It serves one process: share a database Ledger
// between instances. A MemoryLedger is safe for concurrent use.
type MemoryLedger struct {
	now func() time.Time

	mu      sync.Mutex
	claims  map[string]time.Time
	purgeAt int // purge expired claims when the map reaches this size
}

var (
	_ Ledger   = (*MemoryLedger)(nil)
	_ Releaser = (*MemoryLedger)(nil)
)

// minPurge is the smallest map size at which expired claims are purged.
const minPurge = 1024

// MemoryLedgerOption configures a [MemoryLedger].
type MemoryLedgerOption func(*MemoryLedger)

// LedgerClock sets the clock a MemoryLedger ends claims by (default
// time.Now).
func LedgerClock(now func() time.Time) MemoryLedgerOption {
	return func(l *MemoryLedger) {
		if now != nil {
			l.now = now
		}
	}
}

// NewMemoryLedger returns an empty MemoryLedger.
func NewMemoryLedger(opts ...MemoryLedgerOption) *MemoryLedger {
	l := &MemoryLedger{now: time.Now, claims: map[string]time.Time{}, purgeAt: minPurge}
	for _, o := range opts {
		if o != nil {
			o(l)
		}
	}
	return l
}

// Claim reports whether key was free (never claimed, released, or its
// claim's until has passed) and claims it until until.
func (l *MemoryLedger) Claim(ctx context.Context, key string, until time.Time) (bool, error) {
	if l == nil {
		return false, errNilLedger
	}
	if ctx != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if u, ok := l.claims[key]; ok && now.Before(u) {
		return false, nil
	}
	l.claims[key] = until
	if len(l.claims) >= l.purgeAt {
		for k, u := range l.claims {
			if !now.Before(u) {
				delete(l.claims, k)
			}
		}
		// Doubling keeps purging amortised O(1) per claim.
		l.purgeAt = max(minPurge, 2*len(l.claims))
	}
	return true, nil
}

// Release gives key back, so the next Claim of it succeeds.
func (l *MemoryLedger) Release(ctx context.Context, key string) error {
	if l == nil {
		return errNilLedger
	}
	l.mu.Lock()
	delete(l.claims, key)
	l.mu.Unlock()
	return nil
}

// Len returns how many claims the ledger holds, expired ones not yet
// purged included.
func (l *MemoryLedger) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.claims)
}
