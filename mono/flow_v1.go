package mono

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// beginV1 is the legacy Partners API v1 flow: reauthorise, then a session.
func (c *Client) beginV1(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	tok, err := c.reauthorise(ctx, req.ConnectionID)
	if err != nil {
		return nil, err
	}
	s, err := c.CreateSession(ctx, tok)
	if err != nil {
		return nil, err
	}
	now := c.now()
	if s.Reauth.ResponseCode == ResponseDone {
		return flowx.Done(reauth.Mono, req.ConnectionID, reauth.Credentials{Code: s.Code}, false, now), nil
	}
	return c.inputFlow("POST /v1/connect/session", req.ConnectionID, formFields(s.UI), cmp.Or(s.UI.Title, s.Reauth.Message),
		v1Resume(s.ID), s.ExpiresAt, now)
}

func v1Resume(sessionID string) map[string]string {
	return map[string]string{resumeMode: modeHeadless, resumeSessionID: sessionID}
}

// continueV1 commits a legacy v1 flow's answers.
func (c *Client) continueV1(ctx context.Context, flow *reauth.Flow, sessionID string, inputs map[string]string) (*reauth.Flow, error) {
	res, err := c.Commit(ctx, sessionID, inputs)
	if err != nil {
		var ae *reauth.APIError
		if errors.As(err, &ae) && rejectedV1(ae) {
			return nil, &InputRejectedError{Fields: fieldNames(flow.Fields), Message: ae.Message, Err: ae}
		}
		return nil, err
	}
	now := c.now()
	switch res.ResponseCode {
	case ResponseDone:
		return flowx.Done(reauth.Mono, flow.ConnectionID, reauth.Credentials{Code: res.Code}, false, now), nil
	case ResponseInputRequired, ResponseAccountSelection:
		if len(res.UI.Form) == 0 && res.ResponseCode == ResponseInputRequired {
			// v1 asks for the same form again.
			next := flowx.Clone(flow)
			next.CreatedAt = now
			if res.Message != "" {
				next.Prompt = res.Message
			}
			return next, nil
		}
		return c.inputFlow("POST /v1/connect/commit", flow.ConnectionID, formFields(res.UI), cmp.Or(res.UI.Title, res.Message),
			v1Resume(sessionID), flow.ExpiresAt, now)
	}
	// A 2xx answer that is not one of the documented codes: a "failed"
	// status is Mono refusing the answers (or the session).
	ae := &reauth.APIError{Provider: reauth.Mono, Op: "POST /v1/connect/commit", StatusCode: http.StatusOK,
		Code: strconv.Itoa(int(res.ResponseCode)), Message: clip(res.Message, 256), Kind: kindFor("", res.Message)}
	if ae.Kind == nil && strings.EqualFold(res.Status, "failed") {
		ae.Kind = reauth.ErrInvalidRequest
		return nil, &InputRejectedError{Fields: fieldNames(flow.Fields), Message: ae.Message, Err: ae}
	}
	if ae.Kind == nil {
		ae.Kind = reauth.ErrInvalidResponse
	}
	return nil, ae
}

// rejectedV1 reports whether a v1 commit error means "these answers are
// wrong": a 400, 402 or 422 that is neither a re-auth nor a session-expiry
// signal.
func rejectedV1(ae *reauth.APIError) bool {
	switch ae.StatusCode {
	case http.StatusBadRequest, http.StatusPaymentRequired, http.StatusUnprocessableEntity:
	default:
		return false
	}
	return !errors.Is(ae, reauth.ErrReauthRequired) && !errors.Is(ae, reauth.ErrFlowExpired) && !errors.Is(ae, reauth.ErrRateLimited)
}
