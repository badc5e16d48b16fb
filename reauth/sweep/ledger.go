package sweep

import (
	"context"
	"time"
)

// Ledger records which notices were sent, so that reruns and several
// instances sharing it never send the same notice twice. Claim reports
// whether the caller is the first to claim key; the claim lasts until
// until (the expiry the notice is about), after which the key may be
// claimed again.
//
// A Ledger that also implements [Releaser] gets a claim back when the
// notice could not be delivered, so the next run retries it.
type Ledger interface {
	Claim(ctx context.Context, key string, until time.Time) (bool, error)
}

// Releaser is implemented by a [Ledger] that can give a claim back.
type Releaser interface {
	Release(ctx context.Context, key string) error
}
