// Package flowx holds the checks and constructors every provider adapter
// shares, so that the rules of the reauth contract (expired flow, state
// mismatch, cancelled callback, wrong provider) are written once.
package flowx

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Check validates a flow handed to Continue before any I/O: present, this
// provider's, not finished, not expired at now.
func Check(p reauth.Provider, flow *reauth.Flow, now time.Time) error {
	switch {
	case flow == nil:
		return reauth.MissingInput(p, "flow")
	case flow.Provider != p:
		return fmt.Errorf("%s: flow of provider %q: %w", p, flow.Provider, reauth.ErrWrongProvider)
	case flow.Step == reauth.StepDone:
		return reauth.InvalidInput(p, "flow", "is already done")
	case flow.Step != reauth.StepRedirect && flow.Step != reauth.StepInput:
		return reauth.InvalidInput(p, "flow", "has an unknown step")
	case !flow.ExpiresAt.IsZero() && !now.Before(flow.ExpiresAt):
		return fmt.Errorf("%s: flow expired at %s: %w", p, flow.ExpiresAt.UTC().Format(time.RFC3339), reauth.ErrFlowExpired)
	}
	return nil
}

// CheckState compares the callback's state with the flow's in constant time.
func CheckState(p reauth.Provider, want, got string) error {
	if !reauth.StateMatches(want, got) {
		return fmt.Errorf("%s: callback state does not match the flow: %w", p, reauth.ErrStateMismatch)
	}
	return nil
}

// State returns req's state, or a new random one when it is empty.
func State(req reauth.Request) string {
	if req.State != "" {
		return req.State
	}
	return reauth.NewState()
}

// cancelCodes are the callback error codes that mean the user said no.
var cancelCodes = map[string]bool{
	"access_denied": true, "user_cancelled": true, "user_canceled": true,
	"cancelled": true, "canceled": true, "consent_denied": true, "denied": true,
	"customer_cancelled": true,
}

// CallbackError turns a callback that carries a provider error (OAuth
// error=..., error_description=...) into an error, or returns nil. A refusal
// by the user wraps ErrUserCancelled; server_error and
// temporarily_unavailable wrap ErrProviderUnavailable; other codes
// ErrInvalidRequest. The APIError's Op is "callback".
func CallbackError(p reauth.Provider, cb url.Values) error {
	code := cb.Get("error")
	if code == "" {
		return nil
	}
	return NewCallbackError(p, code, cb.Get("error_description"))
}

// NewCallbackError builds the error for a callback error code; see
// CallbackError.
func NewCallbackError(p reauth.Provider, code, description string) error {
	kind := reauth.ErrInvalidRequest
	switch lc := strings.ToLower(code); {
	case cancelCodes[lc]:
		kind = reauth.ErrUserCancelled
	case lc == "server_error" || lc == "temporarily_unavailable":
		kind = reauth.ErrProviderUnavailable
	}
	return &reauth.APIError{
		Provider: p,
		Op:       "callback",
		Code:     textx.Truncate(code, 64),
		Message:  textx.Truncate(description, 256),
		Kind:     kind,
	}
}

// Redirect returns a redirect flow.
func Redirect(p reauth.Provider, connectionID, state, u string, expiresAt, now time.Time, resume map[string]string) *reauth.Flow {
	return &reauth.Flow{
		Provider:     p,
		ConnectionID: connectionID,
		Step:         reauth.StepRedirect,
		State:        state,
		URL:          u,
		ExpiresAt:    expiresAt,
		CreatedAt:    now,
		Resume:       resume,
	}
}

// Done returns a finished flow.
func Done(p reauth.Provider, connectionID string, creds reauth.Credentials, changed bool, now time.Time) *reauth.Flow {
	return &reauth.Flow{
		Provider:     p,
		ConnectionID: connectionID,
		Step:         reauth.StepDone,
		CreatedAt:    now,
		Result: &reauth.Result{
			Provider:           p,
			ConnectionID:       connectionID,
			Credentials:        creds,
			CredentialsChanged: changed,
			CompletedAt:        now,
		},
	}
}

// Clone returns a deep copy of flow, for returning "the same flow" without
// sharing its maps with the caller's value.
func Clone(flow *reauth.Flow) *reauth.Flow {
	if flow == nil {
		return nil
	}
	cp := *flow
	if flow.Resume != nil {
		cp.Resume = make(map[string]string, len(flow.Resume))
		for k, v := range flow.Resume {
			cp.Resume[k] = v
		}
	}
	cp.Fields = append([]reauth.Field(nil), flow.Fields...)
	if flow.Result != nil {
		r := *flow.Result
		cp.Result = &r
	}
	return &cp
}
