package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/sweep"
)

// ledger is the [sweep.Ledger] (and [sweep.Releaser]) of a Store.
type ledger struct{ s *Store }

// Ledger returns the Store's sweep ledger: Claim is one INSERT … ON
// CONFLICT … RETURNING, so each key is claimed once across instances until
// its until passes; it also implements sweep.Releaser.
func (s *Store) Ledger() sweep.Ledger { return ledger{s} }

var (
	_ sweep.Ledger   = ledger{}
	_ sweep.Releaser = ledger{}
)

// Claim reports whether the caller is the first to claim key (or the first
// since the previous claim's until passed).
func (l ledger) Claim(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := l.s.ready(); err != nil {
		return false, err
	}
	if key == "" {
		return false, fmt.Errorf("sqlstore: ledger: empty key: %w", reauth.ErrMissingInput)
	}
	var id string
	err := l.s.run(ctx, func(db execer) error {
		return db.QueryRowContext(ctx, l.s.q.ledgerClaim, key, until.UnixNano(), l.s.now().UnixNano()).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: ledger: %w", err)
	}
	return true, nil
}

// Release gives a claim back, so the key can be claimed again.
func (l ledger) Release(ctx context.Context, key string) error {
	if err := l.s.ready(); err != nil {
		return err
	}
	if err := l.s.exec(ctx, l.s.q.ledgerRelease, key); err != nil {
		return fmt.Errorf("sqlstore: ledger: release: %w", err)
	}
	return nil
}
