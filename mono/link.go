package mono

import (
	"cmp"
	"context"
	"net/http"
	"net/url"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// LinkRequest asks for a hosted re-auth link.
type LinkRequest struct {
	// AccountID is the existing Mono account. Required.
	AccountID string
	// RedirectURL is where Mono sends the user afterwards. Optional.
	RedirectURL string
	// Ref is your reference, echoed in the callback/webhook meta. Optional.
	Ref string
}

// InitiateReauthLink creates a hosted re-auth link (POST /v2/accounts/initiate
// {"account", "scope":"reauth", "redirect_url", "meta":{"ref"}}) and returns
// the URL (data.mono_url) to send the user to. Minting a link spends
// nothing, so the request is retried on network errors, 429, 502, 503 and
// 504. Mono's copy of the reauth answer was cut off: mono_url is read from
// data (or the top level), as in the linking variant.
//
// Mono API docs: https://docs.mono.co/api/bank-data/authorisation/initiate-account-reauth
func (c *Client) InitiateReauthLink(ctx context.Context, lr LinkRequest) (*Link, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if lr.AccountID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "AccountID")
	}
	if lr.RedirectURL != "" {
		if u, err := url.Parse(lr.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, reauth.InvalidInput(reauth.Mono, "RedirectURL", "must be an absolute http(s) URL")
		}
	}
	body := map[string]any{"account": lr.AccountID, "scope": "reauth"}
	if lr.RedirectURL != "" {
		body["redirect_url"] = lr.RedirectURL
	}
	if lr.Ref != "" {
		body["meta"] = map[string]string{"ref": lr.Ref}
	}
	req := &httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   "/v2/accounts/initiate",
		Header: c.header(),
	}
	if err := req.SetJSON(body); err != nil {
		return nil, err
	}
	var out struct {
		MonoURL jsonx.String `json:"mono_url"`
		Data    *wireData    `json:"data"`
	}
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	l := &Link{URL: string(out.MonoURL), Ref: lr.Ref, RedirectURL: lr.RedirectURL}
	if d := out.Data; d != nil {
		l.URL = cmp.Or(string(d.MonoURL), string(d.URL), l.URL)
		l.ID = string(d.ID)
		l.RedirectURL = cmp.Or(string(d.RedirectURL), l.RedirectURL)
		l.CreatedAt = d.CreatedAt.Time
		if d.Meta != nil && d.Meta.Ref != "" {
			l.Ref = string(d.Meta.Ref)
		}
	}
	if u, err := url.Parse(l.URL); l.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, c.http.InvalidResponse(req.Op(), "no usable mono_url in the answer")
	}
	return l, nil
}
