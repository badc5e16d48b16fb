package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// locker is the [reauth.Locker] of a Store.
type locker struct{ s *Store }

// Locker returns a reauth.Locker in the Store's database: one holder per key
// across every instance sharing it, until unlock or ttl. Lock polls (5 ms
// growing to 200 ms, with jitter) until the key is free or ctx ends.
func (s *Store) Locker() reauth.Locker { return locker{s} }

var _ reauth.Locker = locker{}

// Lock takes key for ttl and returns the function that frees it.
func (l locker) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if err := l.s.ready(); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, fmt.Errorf("sqlstore: lock: empty key: %w", reauth.ErrMissingInput)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("sqlstore: lock: ttl must be positive: %w", reauth.ErrInvalidRequest)
	}
	holder := randomID()
	wait := 5 * time.Millisecond
	for {
		ok, err := l.try(ctx, key, holder, ttl)
		if err != nil {
			return nil, err
		}
		if ok {
			var once sync.Once
			return func() { once.Do(func() { l.unlock(key, holder) }) }, nil
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("sqlstore: lock: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func (l locker) try(ctx context.Context, key, holder string, ttl time.Duration) (bool, error) {
	now := l.s.now()
	var got string
	err := l.s.run(ctx, func(db execer) error {
		return db.QueryRowContext(ctx, l.s.q.lock, key, holder, now.Add(ttl).UnixNano(), now.UnixNano()).Scan(&got)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: lock: %w", err)
	}
	return got == holder, nil
}

// unlock frees key if holder still has it (a holder past its ttl may have
// lost it to another).
func (l locker) unlock(key, holder string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.s.exec(ctx, l.s.q.unlock, key, holder)
}
