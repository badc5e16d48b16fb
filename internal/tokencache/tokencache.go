// Package tokencache caches one application access token (client
// credentials) for a provider client: however many goroutines ask at once,
// one fetch runs, with the first caller's context; the token is replaced
// before it gets too close to expiry.
package tokencache

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Token is a cached access token.
type Token struct {
	Value     string
	ExpiresAt time.Time // zero: never expires
}

// ValidFor reports whether t is set and stays valid for at least d after now.
func (t Token) ValidFor(now time.Time, d time.Duration) bool {
	if t.Value == "" {
		return false
	}
	return t.ExpiresAt.IsZero() || t.ExpiresAt.Sub(now) >= d
}

// errNotUsable is returned by a nil or zero Cache.
var errNotUsable = errors.New("tokencache: nil or zero Cache (use New) or nil context")

// FetchFunc gets a new token from the provider.
type FetchFunc func(ctx context.Context) (Token, error)

// Cache holds one token. The zero value is not usable; call New.
type Cache struct {
	fetch       FetchFunc
	now         func() time.Time
	minValidity time.Duration

	mu       sync.Mutex
	tok      Token
	lifetime time.Duration // of the last token fetched; 0 when unknown
	inflight *call
	fetches  int
}

type call struct {
	done chan struct{}
	tok  Token
	err  error
}

// DefaultMinValidity is how long a token must still be valid to be handed
// out when the caller asks for no more.
const DefaultMinValidity = time.Minute

// New returns a Cache that fetches with fetch. minValidity <= 0 means
// DefaultMinValidity; now nil means time.Now.
func New(fetch FetchFunc, minValidity time.Duration, now func() time.Time) *Cache {
	if minValidity <= 0 {
		minValidity = DefaultMinValidity
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{fetch: fetch, now: now, minValidity: minValidity}
}

// Token returns a token for a plain call: it is reused until close to its
// expiry, where close scales with the tokens' lifetime: the cache's minimum
// validity, or a tenth of the lifetime when that is shorter (a 30-second
// token is reused for 27 seconds, not refetched on every call).
func (c *Cache) Token(ctx context.Context) (Token, error) {
	return c.TokenValidFor(ctx, 0)
}

// TokenValidFor returns a token that stays valid for at least d, fetching a
// new one first when the cached one would not. What a fresh token cannot
// give is not asked for: when the provider's tokens live shorter than d,
// three quarters of their lifetime is required instead, and never less than
// Token's skew. Concurrent callers share one fetch; a caller whose ctx ends
// while it waits returns at once with ctx.Err().
func (c *Cache) TokenValidFor(ctx context.Context, d time.Duration) (Token, error) {
	if c == nil || c.fetch == nil || ctx == nil {
		return Token{}, errNotUsable
	}
	for {
		c.mu.Lock()
		if c.tok.ValidFor(c.now(), c.need(d)) {
			t := c.tok
			c.mu.Unlock()
			return t, nil
		}
		cl := c.inflight
		leader := cl == nil
		if leader {
			cl = &call{done: make(chan struct{})}
			c.inflight = cl
			c.fetches++
		}
		c.mu.Unlock()

		if leader {
			c.runFetch(ctx, cl)
		} else {
			select {
			case <-cl.done:
			case <-ctx.Done():
				return Token{}, ctx.Err()
			}
		}
		if cl.err == nil {
			// A token fresh from the provider is the longest-lived there is:
			// every caller takes it, even one that asked for more validity
			// than the provider grants (refetching would only repeat it).
			return cl.tok, nil
		}
		// The leader's context ended: a waiter whose own ctx is alive tries
		// again instead of failing for someone else's cancellation.
		if !leader && isCtxErr(cl.err) && ctx.Err() == nil {
			continue
		}
		return Token{}, cl.err
	}
}

// need is how long the cached token must still be valid for a caller asking
// for d; c.mu is held.
func (c *Cache) need(d time.Duration) time.Duration {
	skew := c.minValidity
	if c.lifetime > 0 {
		skew = min(skew, c.lifetime/10)
		d = min(d, c.lifetime*3/4)
	}
	return max(d, skew)
}

func (c *Cache) runFetch(ctx context.Context, cl *call) {
	start := c.now()
	tok, err := c.fetch(ctx)
	c.mu.Lock()
	if err == nil {
		c.tok = tok
		if !tok.ExpiresAt.IsZero() {
			c.lifetime = tok.ExpiresAt.Sub(start)
		}
	}
	cl.tok, cl.err = tok, err
	c.inflight = nil
	c.mu.Unlock()
	close(cl.done)
}

// Invalidate drops the cached token if it is still value, so the next call
// fetches a new one (after the provider refused it with a 401).
func (c *Cache) Invalidate(value string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.tok.Value == value {
		c.tok = Token{}
	}
	c.mu.Unlock()
}

// Fetches returns how many fetches the cache has started, for tests and
// metrics.
func (c *Cache) Fetches() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
