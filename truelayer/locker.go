package truelayer

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// memLocker is the in-process reauth.Locker a Client's TokenSources share
// when none is given: one holder per key among them. The ttl is not needed
// in one process (a holder cannot vanish without its process) and is
// ignored.
type memLocker struct {
	mu   sync.Mutex
	keys map[string]*memLock
}

type memLock struct {
	held chan struct{}
	refs int // holders and waiters; the entry goes when it drops to 0
}

func newMemLocker() *memLocker { return &memLocker{keys: map[string]*memLock{}} }

// Lock implements reauth.Locker.
func (l *memLocker) Lock(ctx context.Context, key string, _ time.Duration) (func(), error) {
	l.mu.Lock()
	k := l.keys[key]
	if k == nil {
		k = &memLock{held: make(chan struct{}, 1)}
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

func (l *memLocker) release(key string, k *memLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k.refs--; k.refs == 0 {
		delete(l.keys, key)
	}
}
