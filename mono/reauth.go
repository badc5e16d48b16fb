package mono

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	resumeStep      = "step"
	// modeHeadless is the legacy v1 flow (the name stored flows carry).
	modeHeadless = "headless"
	modeV2       = "v2"
	modeLink     = "link"
	stepLogin    = "login"
)

// maxInputLength caps an answer whose field sets no maxLength.
const maxInputLength = 1024

// Begin starts a re-auth of the Mono account req.ConnectionID.
//
// Default (Mono's current v2 Partners API): StartReauthSession. When
// Mono's background login works (99) the returned flow is already done,
// with Mono's code in Result.Credentials.Code. Otherwise it is a StepInput
// flow: for a 102, Prompt is data.userInput.title and Fields its form
// (Label = hint, Secret for contentType password, MaxLength); for a 101 one
// field, accountNumber, whose Options are the account numbers offered; when
// the bank wants the credentials again, the fields are username and
// password. Resume holds the session id.
//
// Legacy ([WithPartnersAPIV1]): Reauthorise then CreateSession, read the
// same way from the v1 ui object.
//
// Link mode ([WithLinkMode]): req.RedirectURI is required; Begin calls
// InitiateReauthLink with redirect_url = RedirectURI plus a state query
// parameter, and returns a StepRedirect flow to the hosted page.
func (c *Client) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "ConnectionID")
	}
	switch {
	case c.linkMode:
		return c.beginLink(ctx, req)
	case c.v1:
		return c.beginV1(ctx, req)
	}
	st, err := c.StartReauthSession(ctx, req.ConnectionID)
	if err != nil {
		return nil, err
	}
	return c.stepFlow("POST /v2/connect/reauth/session", req.ConnectionID, st, time.Time{})
}

// Continue moves a flow on.
//
// Input flows: Reply.Inputs must answer every field of flow.Fields, and
// only those; a missing or empty answer is reauth.ErrMissingInput naming the
// field, one longer than MaxLength (or not among Options) is
// reauth.ErrInvalidRequest, both before any request. The answers are then
// sent once: to CommitAnswers, or to ReauthLogin for a credentials step (v1
// flows: Commit). The result is a done flow (Result.Credentials.Code =
// Mono's code; the account id does not change, so CredentialsChanged is
// false), the next input flow (a security question, an account choice, a
// second OTP: each read from Mono's answer), or an error.
//
// A wrong answer returns a nil flow and an error wrapping
// reauth.ErrInputRejected (an [*InputRejectedError] with Mono's message):
// the session stays open, so ask the user again and call Continue with the
// same flow you passed in. Any other refusal (an error from the bank) is an
// *reauth.APIError that is not ErrInputRejected: do not tell the user the
// OTP was wrong. An expired session is reauth.ErrFlowExpired (Begin again).
// After an ambiguous failure (5xx, dropped connection) the OTP may have been
// used: prefer asking the user for a fresh one before retrying.
//
// Redirect flows (link mode): Reply.Callback must carry the flow's state;
// an error or a cancelled/failed status is an error. A success is a hint:
// Continue re-reads the account (GET /v2/accounts/{id}) and reports done
// only when it no longer needs re-auth.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if err := flowx.Check(reauth.Mono, flow, c.now()); err != nil {
		return nil, err
	}
	if flow.Step == reauth.StepRedirect {
		return c.continueLink(ctx, flow, reply)
	}
	sessionID := flow.Resume[resumeSessionID]
	if sessionID == "" {
		return nil, reauth.InvalidInput(reauth.Mono, "flow", "has no session id in Resume")
	}
	if err := validateInputs(flow.Fields, reply.Inputs); err != nil {
		return nil, err
	}
	if flow.Resume[resumeMode] == modeHeadless {
		return c.continueV1(ctx, flow, sessionID, reply.Inputs)
	}
	return c.continueV2(ctx, flow, sessionID, reply.Inputs)
}

// inputFlow builds a StepInput flow from fields.
func (c *Client) inputFlow(op, accountID string, fields []reauth.Field, prompt string, resume map[string]string, expires, now time.Time) (*reauth.Flow, error) {
	if len(fields) == 0 {
		return nil, c.http.InvalidResponse(op, "a step without a form to answer")
	}
	if resume[resumeSessionID] == "" {
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
		Resume:       resume,
	}, nil
}

// formFields turns a form into fields: Label = hint, Secret for a password
// content type, Options for a choice.
func formFields(ui UI) []reauth.Field {
	var fields []reauth.Field
	for _, el := range ui.Form {
		if el.Name == "" {
			continue
		}
		f := reauth.Field{
			Name:      el.Name,
			Label:     cmp.Or(el.Hint, el.Name),
			Secret:    strings.EqualFold(el.ContentType, ContentTypePassword) || strings.EqualFold(el.Name, FieldPassword),
			MaxLength: el.MaxLength,
		}
		for _, o := range el.Options {
			f.Options = append(f.Options, o.Value)
		}
		fields = append(fields, f)
	}
	return fields
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
		if len(f.Options) > 0 && !slices.Contains(f.Options, v) {
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

func fieldNames(fs []reauth.Field) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
