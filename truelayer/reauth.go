package truelayer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Keys of Flow.Resume.
const (
	resumeRedirectURI = "redirect_uri"
	resumeMode        = "mode"
	modeReauthURI     = "reauthuri"
	modeExtend        = "extend"
)

// Provider returns reauth.TrueLayer.
func (c *Client) Provider() reauth.Provider { return provider }

// Begin starts a re-authentication. req.Token is the connection's refresh
// token and req.RedirectURI the redirect URI of the original authorisation
// (both required); req.ConnectionID (the credentials id) is optional but
// recommended: Continue then checks that the new tokens belong to it;
// req.UserIP is sent as X-PSU-IP.
//
// With [WithExtendFlow] (TrueLayer's recommended path) Begin calls
// connections/extend: no_action_needed returns a done flow with the new
// pair at once, the other actions a redirect flow to user_input_link.
// Without it Begin calls the older POST /v1/reauthuri and returns a
// redirect flow to the bank.
//
// The flow's ExpiresAt is zero: TrueLayer does not say how long a bank link
// lives (the code it returns must be exchanged within 5 minutes).
func (c *Client) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req.Token == "" {
		return nil, reauth.MissingInput(provider, "Token")
	}
	if req.RedirectURI == "" {
		return nil, reauth.MissingInput(provider, "RedirectURI")
	}
	state := flowx.State(req)
	if c.extendUser != nil {
		return c.beginExtend(ctx, req, state)
	}
	link, err := c.ReauthURI(ctx, ReauthURIRequest{
		RefreshToken: req.Token, RedirectURI: req.RedirectURI, State: state, UserIP: req.UserIP,
	})
	if err != nil {
		return nil, err
	}
	now := c.now()
	return flowx.Redirect(provider, req.ConnectionID, state, link, time.Time{}, now, map[string]string{
		resumeRedirectURI: req.RedirectURI,
		resumeMode:        modeReauthURI,
	}), nil
}

func (c *Client) beginExtend(ctx context.Context, req reauth.Request, state string) (*reauth.Flow, error) {
	user, err := c.extendUser(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("truelayer: extend: looking up the user: %w", err)
	}
	res, err := c.ExtendConnection(ctx, ExtendRequest{
		RefreshToken: req.Token, RedirectURI: req.RedirectURI, UserHasReconfirmedConsent: true,
		User: user, State: state, UserIP: req.UserIP,
	})
	if err != nil {
		return nil, err
	}
	now := c.now()
	if res.ActionNeeded == NoActionNeeded {
		return flowx.Done(provider, req.ConnectionID, res.Token.Credentials(), true, now), nil
	}
	return flowx.Redirect(provider, req.ConnectionID, state, res.UserInputLink, time.Time{}, now, map[string]string{
		resumeRedirectURI: req.RedirectURI,
		resumeMode:        modeExtend,
	}), nil
}

// Continue finishes a flow with the callback's query. It checks, before any
// request: the flow (provider, expiry, step), the state (constant time;
// after connections/extend only when the callback carries one, as TrueLayer
// documents none there), the callback's error (access_denied →
// reauth.ErrUserCancelled), and that a code is present (code, or
// exchange_code after connections/extend). Then it exchanges the code with
// the flow's redirect URI. When the flow knows its connection
// (Request.ConnectionID at Begin, the credentials_id), it reads
// /data/v1/me with the new access token and refuses tokens of another
// connection with a *[ConnectionMismatchError] that carries them. It
// returns a done flow with the new pair (CredentialsChanged: true). An
// empty reply is reauth.ErrMissingInput: TrueLayer's completion shows only
// in the callback.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := flowx.Check(provider, flow, c.now()); err != nil {
		return nil, err
	}
	if flow.Step != reauth.StepRedirect {
		return nil, reauth.InvalidInput(provider, "flow", "is not a redirect step")
	}
	redirectURI := flow.Resume[resumeRedirectURI]
	if redirectURI == "" {
		return nil, reauth.InvalidInput(provider, "flow", "has no redirect URI in Resume")
	}
	cb := reply.Callback
	if len(cb) == 0 {
		return nil, reauth.MissingInput(provider, "code")
	}
	// TrueLayer documents state on the /v1/reauthuri redirect only. After
	// connections/extend a callback without one is accepted: the flow is
	// then bound by the single-use code, exchanged with the flow's redirect
	// URI, and by the credentials_id check below.
	if got := cb.Get("state"); got != "" || flow.Resume[resumeMode] != modeExtend {
		if err := flowx.CheckState(provider, flow.State, got); err != nil {
			return nil, err
		}
	}
	if err := flowx.CallbackError(provider, cb); err != nil {
		return nil, err
	}
	code := callbackCode(cb)
	if code == "" {
		return nil, reauth.MissingInput(provider, "code")
	}
	tok, err := c.ExchangeCode(ctx, code, redirectURI, "")
	if err != nil {
		return nil, err
	}
	if err := c.pin(ctx, flow.ConnectionID, tok, ""); err != nil {
		return nil, err
	}
	return flowx.Done(provider, flow.ConnectionID, tok.Credentials(), true, c.now()), nil
}

// callbackCode returns the callback's code: "code" after /v1/reauthuri,
// "exchange_code" after connections/extend (both accepted either way).
func callbackCode(cb map[string][]string) string {
	for _, k := range []string{"code", "exchange_code"} {
		if vs := cb[k]; len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			return vs[0]
		}
	}
	return ""
}

// Inspect reports the connection's health from GET /data/v1/me. Unlike
// Begin, it takes a current ACCESS token in req.Token (never the refresh
// token: refreshing here would rotate the pair behind the caller's back).
// consent_status Revoked is reauth.Revoked, Expired (or a 403
// access_denied) reauth.NeedsReauth; otherwise consent_expires_at decides,
// with ExpiringSoon inside the lead time ([WithLeadTime]). A 401 (access
// token expired) is returned as an error wrapping [ErrAccessTokenExpired]:
// refresh and ask again (a [TokenSource] does).
func (c *Client) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req.Token == "" {
		return nil, reauth.MissingInput(provider, "Token")
	}
	now := c.now()
	h := &reauth.Health{Provider: provider, ConnectionID: req.ConnectionID, CheckedAt: now}
	me, err := c.me(ctx, req.Token, req.UserIP)
	if err != nil {
		var apiErr *reauth.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == 403 && errors.Is(err, reauth.ErrReauthRequired) {
			h.State = reauth.NeedsReauth
			h.ProviderStatus = apiErr.Code
			h.Message = apiErr.Message
			return h, nil
		}
		return nil, err
	}
	if h.ConnectionID == "" {
		h.ConnectionID = me.CredentialsID
	}
	h.ProviderStatus = string(me.ConsentStatus)
	h.ExpiresAt = me.ConsentExpiresAt
	switch strings.ToLower(string(me.ConsentStatus)) {
	case "revoked":
		h.State = reauth.Revoked
	case "expired":
		h.State = reauth.NeedsReauth
	case "", "authorised", "authorized", "active":
		h.State = reauth.ClassifyExpiry(now, me.ConsentExpiresAt, time.Time{}, c.leadTime)
	default:
		h.State = reauth.Unknown
	}
	return h, nil
}
