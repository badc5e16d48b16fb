package sweep

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"golang.org/x/time/rate"
)

// lane is one provider's queue and workers within a Run. Its workers hold
// a Run-wide concurrency token only while they inspect and notify, never
// while the provider is paused, so a paused provider leaves the tokens to
// the others.
type lane struct {
	run       *run
	provider  reauth.Provider
	inspector reauth.Inspector // nil when the provider cannot inspect
	gate      *gate
	queue     chan Connection
}

// gate is a provider's rate and pause, shared by every Run of a Sweeper:
// a provider's limits apply to the application, not to one Run.
type gate struct {
	limiter *rate.Limiter // nil: no rate

	mu          sync.Mutex
	pausedUntil time.Time
	served      time.Time // the pausedUntil a worker has waited out
}

func (l *lane) work() {
	for c := range l.queue {
		l.sweep(c)
	}
}

// sweep inspects c and sends the notice it is due.
func (l *lane) sweep(c Connection) {
	ctx := l.run.ctx
	if ctx.Err() != nil {
		return
	}
	h, err := l.health(ctx, c)
	if err != nil {
		if ctx.Err() == nil { // a cancelled Run leaves the connection unswept, not failed
			l.run.fail(c, nil, err)
		}
		return
	}
	l.run.tally.inspected(h.State)
	l.run.decide(ctx, c, h)
}

// health returns c's Known health or inspects it, pausing and retrying on
// rate limits.
func (l *lane) health(ctx context.Context, c Connection) (*reauth.Health, error) {
	if c.Known != nil {
		h := *c.Known
		if h.Provider == "" {
			h.Provider = l.provider
		}
		return &h, nil
	}
	if l.inspector == nil {
		return nil, fmt.Errorf("sweep: %q cannot inspect connections: %w", l.provider, reauth.ErrInvalidRequest)
	}
	for attempt := 0; ; attempt++ {
		if err := l.wait(ctx); err != nil {
			return nil, err
		}
		h, err := l.inspect(ctx, c)
		var apiErr *reauth.APIError
		if err == nil || !errors.Is(err, reauth.ErrRateLimited) || attempt >= l.run.s.maxRetries {
			return h, err
		}
		d := l.run.s.retryAfter
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			d = apiErr.RetryAfter
		}
		l.gate.pause(d)
		l.run.tally.paused(l.provider)
		l.run.s.logger.Info("sweep: provider rate limited; lane paused", "provider", string(l.provider), "pause", d)
	}
}

// inspect makes one Inspect call holding a concurrency token.
func (l *lane) inspect(ctx context.Context, c Connection) (*reauth.Health, error) {
	if err := l.run.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.run.release()
	req := c.Request
	if c.Fresh != nil {
		creds, err := c.Fresh(ctx)
		if err != nil {
			return nil, fmt.Errorf("sweep: fresh token: %w", err)
		}
		req.Token = creds.AccessToken
	}
	h, err := l.inspector.Inspect(ctx, req)
	if err == nil && h == nil {
		err = fmt.Errorf("sweep: %q returned no health: %w", l.provider, reauth.ErrInvalidResponse)
	}
	return h, err
}

// wait blocks while the provider is paused and until its rate allows a
// request.
func (l *lane) wait(ctx context.Context) error {
	g := l.gate
	for {
		g.mu.Lock()
		until, served := g.pausedUntil, g.served
		g.mu.Unlock()
		d := time.Until(until)
		if until.Equal(served) || d <= 0 {
			break
		}
		if err := l.run.s.sleep(ctx, d); err != nil {
			return err
		}
		g.mu.Lock()
		if until.After(g.served) {
			g.served = until
		}
		g.mu.Unlock()
	}
	if g.limiter == nil {
		return ctx.Err()
	}
	return g.limiter.Wait(ctx)
}

func (g *gate) pause(d time.Duration) {
	until := time.Now().Add(d)
	g.mu.Lock()
	if until.After(g.pausedUntil) {
		g.pausedUntil = until
	}
	g.mu.Unlock()
}

func (r *run) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *run) release() { <-r.sem }
