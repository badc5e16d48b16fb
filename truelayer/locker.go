package truelayer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// LocalLocker is a reauth.Locker for the TokenSources of one process: one
// holder per key among everything that shares the same LocalLocker. The
// zero value is ready to use; a LocalLocker must not be copied after first
// use.
//
// Each Client has its own LocalLocker, the default of its TokenSources, so
// TokenSources of different Clients do not serialise unless they are given
// one Locker with [WithLocker]: a shared LocalLocker in one process, a
// database-backed Locker (such as the token store's own) across processes.
// The ttl is ignored: in one process a holder cannot vanish without its
// process.
type LocalLocker struct {
	mu   sync.Mutex
	keys map[string]*localLock
}

type localLock struct {
	held chan struct{}
	refs int // holders and waiters; the entry goes when it drops to 0
}

// Lock implements reauth.Locker: it blocks until key is free or ctx ends.
func (l *LocalLocker) Lock(ctx context.Context, key string, _ time.Duration) (func(), error) {
	if l == nil {
		return nil, errors.New("truelayer: nil LocalLocker")
	}
	l.mu.Lock()
	if l.keys == nil {
		l.keys = map[string]*localLock{}
	}
	k := l.keys[key]
	if k == nil {
		k = &localLock{held: make(chan struct{}, 1)}
		l.keys[key] = k
	}
	k.refs++
	l.mu.Unlock()
	select {
	case k.held <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-k.held; l.release(key, k) }) }, nil
	case <-ctx.Done():
		l.release(key, k)
		return nil, fmt.Errorf("truelayer: waiting for the token lock: %w", ctx.Err())
	}
}

func (l *LocalLocker) release(key string, k *localLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k.refs--; k.refs == 0 {
		delete(l.keys, key)
	}
}
