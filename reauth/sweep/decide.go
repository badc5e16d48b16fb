package sweep

import (
	"context"
	"fmt"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// deadline is the earlier non-zero of h's ExpiresAt and ReconfirmBy.
func deadline(h *reauth.Health) time.Time {
	d := h.ExpiresAt
	if !h.ReconfirmBy.IsZero() && (d.IsZero() || h.ReconfirmBy.Before(d)) {
		d = h.ReconfirmBy
	}
	return d
}

// lead returns the notice h is due at now: Lead 0 for a connection that
// needs re-authentication, is revoked or whose deadline has passed; else
// the smallest lead the deadline has crossed. ok is false when no notice
// is due (healthy and far from its deadline, pending, or unknown).
func lead(h *reauth.Health, now time.Time, leads []time.Duration) (d time.Duration, ok bool) {
	dl := deadline(h)
	switch h.State {
	case reauth.NeedsReauth, reauth.Revoked:
		return 0, true
	case reauth.Pending, reauth.Unknown:
		return 0, false
	}
	if dl.IsZero() {
		// ExpiringSoon without a date: the provider saw a deadline it did
		// not share; the first stage is the honest guess.
		if h.State == reauth.ExpiringSoon && len(leads) > 0 {
			return leads[len(leads)-1], true
		}
		return 0, false
	}
	left := dl.Sub(now)
	if left <= 0 {
		return 0, true
	}
	for _, l := range leads { // ascending: the first crossed is the smallest
		if left <= l {
			return l, true
		}
	}
	return 0, false
}

// decide claims and sends the notice c is due, if any.
func (r *run) decide(ctx context.Context, c Connection, h *reauth.Health) {
	now := r.s.now()
	ld, ok := lead(h, now, r.s.leads)
	if !ok {
		return
	}
	if c.Provider == "" {
		c.Provider = h.Provider
	}
	id := c.id(h)
	if id == "" {
		r.fail(c, h, reauth.MissingInput("sweep", "ConnectionID"))
		return
	}
	n := Notice{Connection: c, Health: *h, Lead: ld}
	expiry := n.Expiry()
	until := expiry
	if !until.After(now) {
		until = now.Add(r.s.hold)
	}
	key := NoticeKey(c.Provider, id, ld, expiry)
	if err := r.acquire(ctx); err != nil {
		return
	}
	defer r.release()
	claimed, err := r.s.ledger.Claim(ctx, key, until)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			r.fail(c, h, fmt.Errorf("sweep: ledger claim: %w", err))
		}
		return
	case !claimed:
		r.tally.alreadySent()
		return
	}
	if err := r.notify(ctx, n); err != nil {
		r.giveBack(ctx, key)
		if ctx.Err() == nil {
			r.fail(c, h, fmt.Errorf("sweep: notify: %w", err))
		}
		return
	}
	r.tally.notified()
}

// giveBack releases a claim whose notice was not delivered, even when ctx
// has ended, so that the next Run retries it.
func (r *run) giveBack(ctx context.Context, key string) {
	rel, ok := r.s.ledger.(Releaser)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := rel.Release(ctx, key); err != nil {
		r.s.logger.Warn("sweep: ledger release failed; the notice is not retried until its claim ends", "error", err.Error())
	}
}
