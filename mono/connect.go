package mono

import (
	"context"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// CreateSession creates a legacy Partners API v1 Connect session from a
// re-auth token (POST /v1/connect/session {"reauth_token"}); the current
// API is [Client.StartReauthSession]. Mono tries to log in in the
// background: Reauth.ResponseCode ResponseDone means nothing is asked of the
// user; ResponseInputRequired (102) and ResponseAccountSelection (101) mean
// UI.Form must be answered with Commit before ExpiresAt.
//
// The request is retried on network errors, 429, 502, 503 and 504
// (assumption: a re-auth token may be used for more than one session; a
// retry can make the bank send a second OTP, and only the latest session's
// is then valid).
//
// Mono API docs: https://docs.mono.co/docs/connect-partners-api-reauthorisation
func (c *Client) CreateSession(ctx context.Context, reauthToken string) (*Session, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if reauthToken == "" {
		return nil, reauth.MissingInput(reauth.Mono, "reauthToken")
	}
	req := &httpx.Request{
		Method:   http.MethodPost,
		Base:     c.base,
		Path:     "/v1/connect/session",
		Header:   c.header(),
		Scrubber: c.scrubber(reauthToken),
	}
	body := struct {
		ReauthToken string `json:"reauth_token"`
	}{reauthToken}
	if err := req.SetJSON(&body); err != nil {
		return nil, err
	}
	var w wireSession
	if _, err := c.http.DoJSON(ctx, req, &w); err != nil {
		return nil, err
	}
	s := w.decode()
	if s.ID == "" && s.Reauth.ResponseCode != ResponseDone {
		return nil, c.http.InvalidResponse(req.Op(), "no session id in the answer")
	}
	return s, nil
}

// Commit sends the user's answers to a legacy v1 session's form (POST
// /v1/connect/commit, header x-session-id; the current API is
// [Client.CommitAnswers]), one JSON key per form field
// name. Values are sent as JSON strings so that an OTP such as "0123" keeps
// its leading zero (Mono's docs show a number; a string is assumed to be
// accepted).
//
// Commit spends an OTP: it is never retried, except when the request
// provably never left (a dial error) or on 429, because sending an OTP twice
// can lock the bank account. After any other failure (5xx, a dropped
// connection) the OTP may or may not have been used.
//
// The answer's ResponseCode is ResponseDone with Code, or another form
// (102 again for a security question, 101 for an account choice). Mono
// refusing the answers is an *reauth.APIError (see the adapter's
// InputRejectedError). The key and the answers are scrubbed from Message,
// as from every error.
//
// Mono API docs: https://docs.mono.co/docs/connect-partners-api-reauthorisation
func (c *Client) Commit(ctx context.Context, sessionID string, inputs map[string]string) (*CommitResult, error) {
	req, err := c.commitRequest("/v1/connect/commit", sessionID, inputs)
	if err != nil {
		return nil, err
	}
	var w wireCommit
	if _, err := c.http.DoJSON(ctx, req, &w); err != nil {
		return nil, err
	}
	r := w.decode()
	r.Message = req.Scrubber.String(r.Message) // the core scrubs error answers only
	return r, nil
}
