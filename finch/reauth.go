package finch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Keys of Flow.Resume.
const (
	resumeRedirectURI = "redirect_uri"
	resumeSessionID   = "session_id"
)

// ConnectionMismatchError is returned by Continue when Finch issued the new
// token for a connection other than the flow's: the employer authenticated
// with different credentials, and Finch created (or reused) another
// connection instead of repairing this one. The flow's connection is still
// broken.
//
// Token is the code exchange's answer for that other connection. The
// application decides what to do with it: revoke it with
// [Client.Disconnect] (the usual choice: a stray connection), or keep it if
// the employer meant to switch. It is never printed: Error, String,
// GoString, Format and LogValue show only the two connection ids.
//
// It wraps reauth.ErrStateMismatch (the callback does not belong to this
// flow) and reauth.ErrNewConnectionRequired (re-authentication did not
// repair the connection: reauth.NextAction says new_connection).
type ConnectionMismatchError struct {
	// Want is the flow's connection id; Got the one the token belongs to.
	Want, Got string
	// Token is the other connection's new token. It is a pointer so that
	// even fmt's fallback printing of a wrapping error shows an address,
	// never the token.
	Token *Token
}

// Error names both connection ids (ids, not secrets).
func (e *ConnectionMismatchError) Error() string {
	if e == nil {
		return "finch: code belongs to another connection"
	}
	return fmt.Sprintf("finch: code belongs to connection %q, not to the flow's connection %q", e.Got, e.Want)
}

func (e *ConnectionMismatchError) redacted() reauth.RedactedValue {
	if e == nil {
		return reauth.Redact("*finch.ConnectionMismatchError")
	}
	v := reauth.Redact("finch.ConnectionMismatchError", reauth.Show("Want", e.Want), reauth.Show("Got", e.Got))
	if e.Token != nil {
		v.Fields = append(v.Fields, reauth.Show("Token", e.Token.redacted()))
	}
	return v
}

// String is Error.
func (e *ConnectionMismatchError) String() string { return e.Error() }

// GoString prints the ids, never the token.
func (e *ConnectionMismatchError) GoString() string { return e.redacted().GoString() }

// Format prints Error (GoString for %#v) under every verb.
func (e *ConnectionMismatchError) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		e.redacted().Format(f, verb)
		return
	}
	reauth.FormatError(f, verb, e)
}

// LogValue logs the ids, never the token.
func (e *ConnectionMismatchError) LogValue() slog.Value { return e.redacted().LogValue() }

// Unwrap returns reauth.ErrStateMismatch and reauth.ErrNewConnectionRequired.
func (e *ConnectionMismatchError) Unwrap() []error {
	return []error{reauth.ErrStateMismatch, reauth.ErrNewConnectionRequired}
}

// Begin opens a Finch Connect re-authentication session and returns a
// redirect flow: send the employer to flow.URL.
//
// req.ConnectionID names the connection. When only req.Token (the
// connection's access token, even a broken one) is known, Begin calls
// [Client.Introspect] first to find the connection id. req.RedirectURI is
// optional (Finch falls back to the Dashboard's); without it the
// application receives the code from the embedded Connect SDK and hands
// Continue a callback of its own making.
//
// The flow's State is appended to the Connect URL as a state parameter,
// which legacy Finch Connect echoes on the redirect; whether session-based
// Connect echoes it is not documented, so Continue checks it only when the
// callback carries one. The connection-id check in Continue guards the
// rest. ExpiresAt is the time the session was requested plus its
// minutes_to_expire.
func (c *Client) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	connID := req.ConnectionID
	if connID == "" && req.Token == "" {
		return nil, reauth.MissingInput(reauth.Finch, "ConnectionID")
	}
	if req.RedirectURI != "" {
		if err := checkRedirect(req.RedirectURI); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("finch: begin: %w", err)
	}
	if connID == "" {
		in, err := c.Introspect(ctx, req.Token)
		if err != nil {
			return nil, err
		}
		if in.ConnectionID == "" {
			return nil, c.http.InvalidResponse("GET /introspect", "answer without connection_id")
		}
		connID = in.ConnectionID
	}
	// The clock is read before the session is requested: Finch starts the
	// session's lifetime when it receives the request, so ExpiresAt must
	// not count the round trip.
	now := c.now()
	sess, err := c.NewReauthSession(ctx, ReauthSessionRequest{
		ConnectionID:    connID,
		MinutesToExpire: c.sessionMinutes,
		RedirectURI:     req.RedirectURI,
	})
	if err != nil {
		return nil, err
	}
	state := flowx.State(req)
	u, err := url.Parse(sess.ConnectURL)
	if err != nil || u.Host == "" {
		return nil, c.http.InvalidResponse("POST /connect/sessions/reauthenticate", "connect_url is not a URL")
	}
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	resume := map[string]string{resumeSessionID: sess.SessionID}
	if req.RedirectURI != "" {
		resume[resumeRedirectURI] = req.RedirectURI
	}
	expires := now.Add(time.Duration(c.sessionMinutes) * time.Minute)
	return flowx.Redirect(reauth.Finch, connID, state, u.String(), expires, now, resume), nil
}

// Continue finishes a flow with the query of Finch's redirect back to the
// application (Reply.Callback: code, and state when it was echoed).
//
// In order, before any request: the flow must be Finch's, unfinished and
// unexpired; a state in the callback must equal the flow's (constant-time);
// a callback error (error=access_denied, ...) is returned as
// reauth.ErrUserCancelled or an *reauth.APIError; a missing code is
// reauth.ErrMissingInput (an empty Reply included: Finch has no status to
// poll). Then the code is exchanged, once. A token for another connection
// is a [*ConnectionMismatchError]. The done flow carries the new access
// token with CredentialsChanged true: store it, the old one is stale.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := flowx.Check(reauth.Finch, flow, c.now()); err != nil {
		return nil, err
	}
	if flow.Step != reauth.StepRedirect {
		return nil, reauth.InvalidInput(reauth.Finch, "flow", "is not a redirect step")
	}
	if flow.ConnectionID == "" {
		return nil, reauth.InvalidInput(reauth.Finch, "flow", "has no connection id")
	}
	cb := reply.Callback
	if cb.Has("state") {
		if err := flowx.CheckState(reauth.Finch, flow.State, cb.Get("state")); err != nil {
			return nil, err
		}
	}
	if err := flowx.CallbackError(reauth.Finch, cb); err != nil {
		return nil, err
	}
	code := cb.Get("code")
	if code == "" {
		return nil, reauth.MissingInput(reauth.Finch, "code")
	}
	tok, err := c.ExchangeCode(ctx, code, flow.Resume[resumeRedirectURI])
	if err != nil {
		return nil, err
	}
	switch {
	case tok.ConnectionID == "":
		return nil, c.http.InvalidResponse("POST /auth/token", "answer without connection_id")
	case tok.ConnectionID != flow.ConnectionID:
		return nil, &ConnectionMismatchError{Want: flow.ConnectionID, Got: tok.ConnectionID, Token: tok}
	}
	now := c.now()
	return flowx.Done(reauth.Finch, tok.ConnectionID, reauth.Credentials{AccessToken: tok.AccessToken}, true, now), nil
}

// Inspect reports a connection's health from GET /introspect. It needs
// req.Token (the connection's access token); Finch has no lookup by
// connection id.
//
// Mapping of Finch's connection status: connected → Healthy; reauth and
// error_reauth → NeedsReauth; error_permissions → NeedsReauth too (the
// employer must act: update the permissions of the admin account Finch
// uses); pending and processing → Pending; disconnected and
// error_no_account_setup → Revoked (a new connection is needed:
// [Client.NewConnectSession]); anything else → Unknown, always with
// ProviderStatus and Message set. The result is NeedsReauth as well when
// only an authentication method or an entity reports reauth under a
// connection that is not disconnected (ProviderStatus and Message are then
// that part's).
//
// An answer that itself says the connection is broken is a Health with a
// nil error, not an error: 401 reauthenticate_user or invalid_token_error
// and 403 error_permissions are NeedsReauth, 401 account_setup_required is
// Revoked (ProviderStatus is Finch's code). Other failures (rate limits,
// Finch down, the application's own credentials) are errors.
//
// Finch publishes no expiry date for a connection, and nothing that warns
// ahead of time: the result is never ExpiringSoon, and ExpiresAt and
// ReconfirmBy are zero. A sweep learns of a broken Finch connection when
// it breaks (or from the account.updated webhook).
func (c *Client) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req.Token == "" {
		return nil, reauth.MissingInput(reauth.Finch, "Token")
	}
	in, err := c.Introspect(ctx, req.Token)
	now := c.now()
	if err != nil {
		return brokenHealth(req.ConnectionID, err, now)
	}
	status, msg := in.Status(), in.ConnectionStatus.Message
	if st := healthState(status); st != reauth.NeedsReauth && st != reauth.Revoked {
		if s, m, ok := in.brokenPart(); ok {
			status, msg = s, m
		}
	}
	h := &reauth.Health{
		Provider:       reauth.Finch,
		ConnectionID:   in.ConnectionID,
		State:          healthState(status),
		ProviderStatus: string(status),
		CheckedAt:      now,
		Message:        msg,
	}
	if h.ConnectionID == "" {
		h.ConnectionID = req.ConnectionID
	}
	return h, nil
}

// brokenHealth turns an error answer that describes the connection into a
// Health (the Inspector rule), and returns any other error as it is.
func brokenHealth(connID string, err error, now time.Time) (*reauth.Health, error) {
	var apiErr *reauth.APIError
	if !errors.As(err, &apiErr) {
		return nil, err
	}
	var state reauth.HealthState
	switch {
	case errors.Is(err, reauth.ErrReauthRequired):
		state = reauth.NeedsReauth
	case errors.Is(err, reauth.ErrNewConnectionRequired):
		state = reauth.Revoked
	default:
		return nil, err
	}
	return &reauth.Health{
		Provider:       reauth.Finch,
		ConnectionID:   connID,
		State:          state,
		ProviderStatus: apiErr.Code,
		CheckedAt:      now,
		Message:        apiErr.Message,
	}, nil
}

func healthState(s ConnectionStatus) reauth.HealthState {
	switch {
	case s == StatusConnected:
		return reauth.Healthy
	case s.NeedsReauth(), s == StatusErrorPermissions:
		return reauth.NeedsReauth
	case s == StatusPending || s == StatusProcessing:
		return reauth.Pending
	case s == StatusDisconnected, s == StatusErrorNoAccountSetup:
		return reauth.Revoked
	}
	return reauth.Unknown
}
