package yapily

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// MaxListLimit is the largest page GET /consents serves (its limit is
// 1..1000), and the page size InspectAll uses when the filter sets none.
const MaxListLimit = 1000

// ConsentFilter selects consents for ListConsents and InspectAll. Yapily
// requires at least one of ApplicationUserIDs, UserUUIDs or Limit; every
// non-empty list is sent as its filter[...] parameter.
type ConsentFilter struct {
	ApplicationUserIDs []string              // filter[applicationUserId]
	UserUUIDs          []string              // filter[userUuid]
	Institutions       []string              // filter[institution]
	Statuses           []AuthorisationStatus // filter[status], e.g. EXPIRED
	From, Before       time.Time             // from, before (zero: not sent)
	Limit              int                   // limit, 1..1000 (0: not sent)
	Offset             int                   // offset, records skipped
}

// ConsentPage is one page of GET /consents.
type ConsentPage struct {
	Consents []Consent
	// TotalCount is the number of consents the filter matches (the
	// answer's meta.pagination.totalCount), 0 when Yapily omits it.
	TotalCount int
	// Offset and Limit are the page's position, as requested.
	Offset, Limit int
	TracingID     string
}

// Next returns the filter for the page after p, and false when p was the
// last one (empty, shorter than its limit, or reaching TotalCount) or when
// neither a limit nor TotalCount says where the pages end.
func (p *ConsentPage) Next(f ConsentFilter) (ConsentFilter, bool) {
	if p == nil || len(p.Consents) == 0 || (p.Limit > 0 && len(p.Consents) < p.Limit) || (p.Limit == 0 && p.TotalCount == 0) {
		return f, false
	}
	f.Offset = p.Offset + len(p.Consents)
	if p.TotalCount > 0 && f.Offset >= p.TotalCount {
		return f, false
	}
	return f, true
}

func (f ConsentFilter) query() url.Values {
	q := url.Values{}
	add := func(key string, vs []string) {
		if len(vs) > 0 {
			q[key] = vs
		}
	}
	add("filter[applicationUserId]", f.ApplicationUserIDs)
	add("filter[userUuid]", f.UserUUIDs)
	add("filter[institution]", f.Institutions)
	for _, s := range f.Statuses {
		q.Add("filter[status]", string(s))
	}
	const layout = "2006-01-02T15:04:05.000Z0700"
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(layout))
	}
	if !f.Before.IsZero() {
		q.Set("before", f.Before.UTC().Format(layout))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Offset > 0 {
		q.Set("offset", strconv.Itoa(f.Offset))
	}
	return q
}

func (f ConsentFilter) check() error {
	switch {
	case f.Limit < 0 || f.Limit > MaxListLimit:
		return reauth.InvalidInput(reauth.Yapily, "ConsentFilter.Limit", "must be between 1 and 1000")
	case f.Offset < 0:
		return reauth.InvalidInput(reauth.Yapily, "ConsentFilter.Offset", "must not be negative")
	case len(f.ApplicationUserIDs) == 0 && len(f.UserUUIDs) == 0 && f.Limit == 0:
		return reauth.InvalidInput(reauth.Yapily, "ConsentFilter", "needs ApplicationUserIDs, UserUUIDs or Limit")
	}
	return nil
}

// ListConsents reads one page of consents (GET /consents) matching f, for
// sweeps: filter by status (EXPIRED, AWAITING_RE_AUTHORIZATION, ...) and
// walk the pages with ConsentPage.Next.
//
// Yapily API docs: https://docs.yapily.com/api-reference/consents/get-consents
func (c *Client) ListConsents(ctx context.Context, f ConsentFilter) (*ConsentPage, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	req := &httpx.Request{
		Method: http.MethodGet,
		Base:   c.base,
		Path:   "/consents",
		Query:  f.query(),
		Header: c.header(),
	}
	page, err := send(ctx, c, req, "consent list", decodeConsentList)
	if err != nil {
		return nil, err
	}
	page.Offset, page.Limit = f.Offset, f.Limit
	return page, nil
}

type wireConsentList struct {
	Meta *struct {
		TracingID  string `json:"tracingId"`
		Pagination *struct {
			TotalCount jsonx.Int `json:"totalCount"`
		} `json:"pagination"`
	} `json:"meta"`
	Data *[]wireConsent `json:"data"`
}

// decodeConsentList decodes ApiListResponseOfConsent.
func decodeConsentList(body []byte) (*ConsentPage, error) {
	var w wireConsentList
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.Data == nil {
		return nil, errNoData
	}
	page := &ConsentPage{Consents: make([]Consent, 0, len(*w.Data))}
	if w.Meta != nil {
		page.TracingID = w.Meta.TracingID
		if w.Meta.Pagination != nil {
			page.TotalCount = int(w.Meta.Pagination.TotalCount)
		}
	}
	for i := range *w.Data {
		c := consentOf(&wireEnvelope[wireConsent]{Data: &(*w.Data)[i]})
		c.TracingID = page.TracingID
		page.Consents = append(page.Consents, c)
	}
	return page, nil
}

// InspectAll walks GET /consents page by page (one request per page) and
// yields each consent's Health, the same one Inspect reports for it: a
// sweep source that does not read consents one at a time. The first filter
// is used (the zero filter when none: every consent, MaxListLimit per
// page); a filter without Limit pages by MaxListLimit. A failed page yields
// its error once and ends the walk; so does a nil or zero Client.
func (c *Client) InspectAll(ctx context.Context, filter ...ConsentFilter) iter.Seq2[reauth.Health, error] {
	return func(yield func(reauth.Health, error) bool) {
		var f ConsentFilter
		if len(filter) > 0 {
			f = filter[0]
		}
		if f.Limit == 0 {
			f.Limit = MaxListLimit
		}
		for {
			page, err := c.ListConsents(ctx, f)
			if err != nil {
				yield(reauth.Health{Provider: reauth.Yapily}, err)
				return
			}
			for i := range page.Consents {
				if !yield(*c.health(&page.Consents[i]), nil) {
					return
				}
			}
			var more bool
			if f, more = page.Next(f); !more {
				return
			}
		}
	}
}
