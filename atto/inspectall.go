package atto

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// DefaultPageSize is how many consents one [Client.InspectAll] request
// asks for.
const DefaultPageSize = 100

// InspectOption configures [Client.InspectAll]; one that returns an error
// ends the sequence with it.
type InspectOption func(*inspectConfig) error

type inspectConfig struct {
	filter   ListConsentsParams
	pageSize int
}

// WithFilter makes InspectAll list only the consents matching p (for
// example ConsentStatus or ConfigurationName). Its Offset and Limit are
// ignored: InspectAll pages itself.
func WithFilter(p ListConsentsParams) InspectOption {
	return func(c *inspectConfig) error { c.filter = p; return nil }
}

// WithPageSize sets how many consents each request asks for (default
// [DefaultPageSize]); it must be positive.
func WithPageSize(n int) InspectOption {
	return func(c *inspectConfig) error {
		if n <= 0 {
			return errors.New("WithPageSize: must be positive")
		}
		c.pageSize = n
		return nil
	}
}

// InspectAll reports the health of every consent Atto lists (GET
// /consents/v1, one request per page of [WithPageSize] consents), mapped
// exactly as [Client.Inspect] maps one: a sweep source that needs one
// request per page instead of one per consent. Each Health's ConnectionID
// is the consent id.
//
// The sequence ends after the last page (one shorter than the page size),
// when the caller stops, or with one error: a bad option, ctx ending, or a
// failed request (the Health beside it is zero). A page larger than asked
// for is taken as the whole listing, and a page that repeats the previous
// one ends the sequence, so a server that ignores offset or limit cannot
// make it loop.
func (c *Client) InspectAll(ctx context.Context, opts ...InspectOption) iter.Seq2[reauth.Health, error] {
	cfg := inspectConfig{pageSize: DefaultPageSize}
	b := httpx.NewBuilderFor(reauth.Atto, "inspect all")
	httpx.Apply(b, &cfg, opts...)
	optErr := b.Err()
	return func(yield func(reauth.Health, error) bool) {
		switch {
		case c.unusable():
			yield(reauth.Health{}, errNilClient)
			return
		case optErr != nil:
			yield(reauth.Health{}, optErr)
			return
		}
		p := cfg.filter
		p.Offset, p.Limit = 0, cfg.pageSize
		prevFirst := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(reauth.Health{}, fmt.Errorf("atto: inspect all: %w", err))
				return
			}
			page, err := c.ListConsents(ctx, p)
			if err != nil {
				yield(reauth.Health{}, err)
				return
			}
			n := len(page.Consents)
			if n == 0 || page.Consents[0].ConsentID == prevFirst {
				return
			}
			now := c.now()
			for i := range page.Consents {
				consent := &page.Consents[i]
				if !yield(*health(consent, consent.ConsentID, now, c.leadTime), nil) {
					return
				}
			}
			if n != p.Limit || (page.Total > 0 && p.Offset+n >= page.Total) {
				return
			}
			prevFirst = page.Consents[0].ConsentID
			p.Offset += n
		}
	}
}
