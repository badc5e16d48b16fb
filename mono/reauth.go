package mono

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Keys of Flow.Resume.
const (
	resumeMode      = "mode"
	resumeSessionID = "session_id"
	modeHeadless    = "headless"
	modeLink        = "link"
)

// maxInputLength caps an answer whose field sets no maxLength.
const maxInputLength = 1024

// Begin starts a re-auth of the Mono account req.ConnectionID.
//
// Headless (default): Reauthorise then CreateSession. When Mono's
// background login works (99) the returned flow is already done. Otherwise
// it is a StepInput flow: Prompt is ui.title, Fields come from ui.form
// (Label = hint, Secret for contentType password, MaxLength, Options for a
// choice such as the 101 account selection), ExpiresAt is the session's, and
// Resume holds the session id.
//
// Link mode ([WithLinkMode]): req.RedirectURI is required; Begin calls
// InitiateReauthLink with redirect_url = RedirectURI plus a state query
// parameter, and returns a StepRedirect flow to the hosted page.
func (c *Client) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "ConnectionID")
	}
	if c.linkMode {
		return c.beginLink(ctx, req)
	}
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
	prompt := cmp.Or(s.UI.Title, s.Reauth.Message)
	return c.inputFlow("POST /v1/connect/session", req.ConnectionID, s.ID, s.Reauth.ResponseCode, prompt, s.UI, s.ExpiresAt, now)
}

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

// inputFlow builds a StepInput flow from a form.
func (c *Client) inputFlow(op, accountID, sessionID string, code ResponseCode, prompt string, ui UI, expires, now time.Time) (*reauth.Flow, error) {
	var fields []reauth.Field
	for _, el := range ui.Form {
		if el.Name == "" {
			continue
		}
		f := reauth.Field{
			Name:      el.Name,
			Label:     cmp.Or(el.Hint, el.Name),
			Secret:    strings.EqualFold(el.ContentType, ContentTypePassword),
			MaxLength: el.MaxLength,
		}
		for _, o := range el.Options {
			f.Options = append(f.Options, o.Value)
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return nil, c.http.InvalidResponse(op, fmt.Sprintf("response code %d without a form to answer", code))
	}
	if sessionID == "" {
		return nil, c.http.InvalidResponse(op, "no session id in the answer")
	}
	if prompt == "" {
		prompt = "Your bank needs more information to reconnect the account."
	}
	if !expires.IsZero() && !expires.After(now) {
		return nil, fmt.Errorf("mono: %s: session expired at once: %w", op, reauth.ErrFlowExpired)
	}
	return &reauth.Flow{
		Provider:     reauth.Mono,
		ConnectionID: accountID,
		Step:         reauth.StepInput,
		Prompt:       prompt,
		Fields:       fields,
		ExpiresAt:    expires,
		CreatedAt:    now,
		Resume:       map[string]string{resumeMode: modeHeadless, resumeSessionID: sessionID},
	}, nil
}

// Continue moves a flow on.
//
// Input flows: Reply.Inputs must answer every field of flow.Fields, and
// only those; a missing or empty answer is reauth.ErrMissingInput naming the
// field, one longer than MaxLength (or not among Options) is
// reauth.ErrInvalidRequest, both before any request. The answers are then
// committed once (see [Client.Commit]): the result is a done flow
// (Result.Credentials.Code = Mono's code; the account id does not change,
// so CredentialsChanged is false), another input flow (a security question,
// an account choice), or an error.
//
// A wrong answer returns a nil flow and an error wrapping
// [ErrInputRejected] (an [*InputRejectedError] with Mono's message): the
// session stays open, so ask the user again and call Continue with the same
// flow you passed in. An expired session is reauth.ErrFlowExpired (Begin
// again). After an ambiguous failure (5xx, dropped connection) the OTP may
// have been used: prefer asking the user for a fresh one before retrying.
//
// Redirect flows (link mode): Reply.Callback must carry the flow's state;
// an error or a cancelled/failed status is an error, anything else is done
// with the callback's code (when present) in Result.Credentials.Code.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if err := flowx.Check(reauth.Mono, flow, c.now()); err != nil {
		return nil, err
	}
	if flow.Step == reauth.StepRedirect {
		return c.continueLink(flow, reply)
	}
	sessionID := flow.Resume[resumeSessionID]
	if sessionID == "" {
		return nil, reauth.InvalidInput(reauth.Mono, "flow", "has no session id in Resume")
	}
	if err := validateInputs(flow.Fields, reply.Inputs); err != nil {
		return nil, err
	}
	res, err := c.Commit(ctx, sessionID, reply.Inputs)
	if err != nil {
		var ae *reauth.APIError
		if errors.As(err, &ae) && rejected(ae) {
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
			// Mono asks for the same form again.
			next := flowx.Clone(flow)
			next.CreatedAt = now
			if res.Message != "" {
				next.Prompt = res.Message
			}
			return next, nil
		}
		prompt := cmp.Or(res.UI.Title, res.Message)
		return c.inputFlow("POST /v1/connect/commit", flow.ConnectionID, sessionID, res.ResponseCode, prompt, res.UI, flow.ExpiresAt, now)
	}
	// A 2xx answer that is not one of the documented codes: a "failed"
	// status is Mono refusing the answers (or the session).
	ae := &reauth.APIError{Provider: reauth.Mono, Op: "POST /v1/connect/commit", StatusCode: http.StatusOK,
		Code: itoa(int(res.ResponseCode)), Message: clip(res.Message, 256), Kind: kindFor("", res.Message)}
	if ae.Kind == nil && strings.EqualFold(res.Status, "failed") {
		ae.Kind = reauth.ErrInvalidRequest
		return nil, &InputRejectedError{Fields: fieldNames(flow.Fields), Message: ae.Message, Err: ae}
	}
	if ae.Kind == nil {
		ae.Kind = reauth.ErrInvalidResponse
	}
	return nil, ae
}

// rejected reports whether a commit error means "these answers are wrong":
// a 400, 402 or 422 that is neither a re-auth nor a session-expiry signal.
func rejected(ae *reauth.APIError) bool {
	switch ae.StatusCode {
	case http.StatusBadRequest, http.StatusPaymentRequired, http.StatusUnprocessableEntity:
	default:
		return false
	}
	return !errors.Is(ae, reauth.ErrReauthRequired) && !errors.Is(ae, reauth.ErrFlowExpired)
}

// validateInputs checks the answers against the flow's fields, in field
// order, without revealing any value.
func validateInputs(fields []reauth.Field, inputs map[string]string) error {
	if len(fields) == 0 {
		return reauth.InvalidInput(reauth.Mono, "flow", "has no fields")
	}
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.Name] = true
		v := inputs[f.Name]
		if v == "" {
			return reauth.MissingInput(reauth.Mono, f.Name)
		}
		n := utf8.RuneCountInString(v)
		switch {
		case f.MaxLength > 0 && n > f.MaxLength:
			return reauth.InvalidInput(reauth.Mono, f.Name, fmt.Sprintf("is longer than %d characters", f.MaxLength))
		case n > maxInputLength:
			return reauth.InvalidInput(reauth.Mono, f.Name, fmt.Sprintf("is longer than %d characters", maxInputLength))
		case !utf8.ValidString(v):
			return reauth.InvalidInput(reauth.Mono, f.Name, "is not valid UTF-8")
		}
		if len(f.Options) > 0 && !contains(f.Options, v) {
			return reauth.InvalidInput(reauth.Mono, f.Name, "is not one of the offered options")
		}
	}
	for k := range inputs {
		if !known[k] {
			return reauth.InvalidInput(reauth.Mono, clip(k, 64), "is not a field of this flow")
		}
	}
	return nil
}

// Callback status values of the hosted link. Mono does not document the
// redirect's parameters; these are read case-insensitively.
var (
	linkCancelled = map[string]bool{"cancelled": true, "canceled": true, "abandoned": true, "closed": true, "exited": true}
	linkSucceeded = map[string]bool{"success": true, "successful": true, "reauthorised": true, "reauthorized": true,
		"linked": true, "completed": true, "complete": true}
)

func (c *Client) continueLink(flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
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
	return flowx.Done(reauth.Mono, flow.ConnectionID, reauth.Credentials{Code: code}, false, c.now()), nil
}

func fieldNames(fs []reauth.Field) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
