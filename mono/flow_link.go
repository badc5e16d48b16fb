package mono

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

func (c *Client) beginLink(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if req.RedirectURI == "" {
		return nil, reauth.MissingInput(reauth.Mono, "RedirectURI")
	}
	u, err := url.Parse(req.RedirectURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, reauth.InvalidInput(reauth.Mono, "RedirectURI", "must be an absolute http(s) URL")
	}
	state := flowx.State(req)
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	link, err := c.InitiateReauthLink(ctx, LinkRequest{AccountID: req.ConnectionID, RedirectURL: u.String()})
	if err != nil {
		return nil, err
	}
	return flowx.Redirect(reauth.Mono, req.ConnectionID, state, link.URL, time.Time{}, c.now(),
		map[string]string{resumeMode: modeLink}), nil
}

// Callback status values of the hosted link. Mono does not document the
// redirect's parameters; these are read case-insensitively.
var (
	linkCancelled = map[string]bool{"cancelled": true, "canceled": true, "abandoned": true, "closed": true, "exited": true}
	linkSucceeded = map[string]bool{"success": true, "successful": true, "reauthorised": true, "reauthorized": true,
		"linked": true, "completed": true, "complete": true}
)

// continueLink reads the hosted page's callback. A success is only a hint
// (the redirect is undocumented, Mono confirms with a webhook): the account
// is re-read, and the flow is done only if it no longer needs re-auth.
func (c *Client) continueLink(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	cb := reply.Callback
	if len(cb) == 0 {
		return nil, reauth.MissingInput(reauth.Mono, "state")
	}
	if err := flowx.CheckState(reauth.Mono, flow.State, cb.Get("state")); err != nil {
		return nil, err
	}
	if err := flowx.CallbackError(reauth.Mono, cb); err != nil {
		return nil, err
	}
	status := strings.ToLower(cb.Get("status"))
	code := cb.Get("code")
	switch {
	case linkCancelled[status]:
		return nil, flowx.NewCallbackError(reauth.Mono, "user_cancelled", cb.Get("reason"))
	case status != "" && !linkSucceeded[status]:
		return nil, &reauth.APIError{Provider: reauth.Mono, Op: "callback", Code: clip(status, 64),
			Message: clip(cb.Get("reason"), 256), Kind: reauth.ErrReauthRequired}
	case status == "" && code == "":
		return nil, reauth.MissingInput(reauth.Mono, "status")
	}
	h, err := c.Inspect(ctx, reauth.Request{ConnectionID: flow.ConnectionID})
	if err != nil {
		return nil, err
	}
	switch h.State {
	case reauth.NeedsReauth:
		return nil, &reauth.APIError{Provider: reauth.Mono, Op: "GET /v2/accounts/{id}", Code: CodeReauthorisationRequired,
			Message: "the hosted page redirected back, but the account still needs re-authorisation", Kind: reauth.ErrReauthRequired}
	case reauth.Revoked:
		return nil, &reauth.APIError{Provider: reauth.Mono, Op: "GET /v2/accounts/{id}", Code: "ACCOUNT_UNLINKED",
			Message: "the account is no longer linked", Kind: reauth.ErrNewConnectionRequired}
	}
	return flowx.Done(reauth.Mono, flow.ConnectionID, reauth.Credentials{Code: code}, false, c.now()), nil
}
