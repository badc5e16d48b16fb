package mono

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// stepFlow turns a v2 Step into a flow: done, an account choice, a form, or
// a credentials step. expires is the previous step's end, kept when the
// answer names none.
func (c *Client) stepFlow(op, accountID string, st *Step, expires time.Time) (*reauth.Flow, error) {
	now := c.now()
	expires = cmp.Or(st.ExpiresAt, expires)
	resume := map[string]string{resumeMode: modeV2, resumeSessionID: st.SessionID}
	switch st.ResponseCode {
	case ResponseDone:
		return flowx.Done(reauth.Mono, accountID, reauth.Credentials{Code: st.Code}, false, now), nil
	case ResponseAccountSelection:
		if len(st.Accounts) == 0 {
			break // no accounts: read the form below, if any
		}
		f := reauth.Field{Name: FieldAccountNumber, Label: "Account to reconnect"}
		for _, a := range st.Accounts {
			f.Options = append(f.Options, a.AccountNumber)
		}
		prompt := cmp.Or(st.Form.Title, st.Message, "Choose the account to reconnect.")
		return c.inputFlow(op, accountID, []reauth.Field{f}, prompt, resume, expires, now)
	case ResponseInputRequired:
	default:
		return nil, c.unexpectedStep(op, st)
	}
	if isLoginForm(st.Form) {
		resume[resumeStep] = stepLogin
	}
	return c.inputFlow(op, accountID, formFields(st.Form), cmp.Or(st.Form.Title, st.Message), resume, expires, now)
}

// unexpectedStep is a 2xx answer that is none of the documented codes:
// {"status":"failed"} with Mono's message, or a code reauthkit does not know.
func (c *Client) unexpectedStep(op string, st *Step) error {
	ae := &reauth.APIError{Provider: reauth.Mono, Op: op, StatusCode: http.StatusOK,
		Code: strconv.Itoa(int(st.ResponseCode)), Message: clip(st.Message, 256), Kind: kindFor("", st.Message)}
	if ae.Kind == nil && strings.EqualFold(st.Status, "failed") {
		ae.Kind = reauth.ErrProviderUnavailable
	}
	if ae.Kind == nil {
		ae.Kind = reauth.ErrInvalidResponse
	}
	return ae
}

// continueV2 sends a v2 flow's answers: to the login endpoint for a
// credentials step, to commit otherwise.
func (c *Client) continueV2(ctx context.Context, flow *reauth.Flow, sessionID string, inputs map[string]string) (*reauth.Flow, error) {
	var (
		st  *Step
		err error
		op  = "POST /v2/connect/commit"
	)
	if flow.Resume[resumeStep] == stepLogin {
		op = "POST /v2/connect/reauth/login"
		st, err = c.ReauthLogin(ctx, sessionID, Login{Username: inputs[FieldUsername], Password: inputs[FieldPassword]})
	} else {
		st, err = c.CommitAnswers(ctx, sessionID, inputs)
	}
	if err == nil && strings.EqualFold(st.Status, "failed") && st.ResponseCode != ResponseDone {
		err = c.unexpectedStep(op, st) // a refusal inside a 2xx
	}
	if err != nil {
		return nil, classifyAnswerError(flow, err)
	}
	return c.stepFlow(op, flow.ConnectionID, st, flow.ExpiresAt)
}

// classifyAnswerError separates a wrong answer from the bank failing. Mono
// answers both with a 400 ("incorrect credentials or an error from the
// connected institution"): only a message that says the answer was wrong
// ("Invalid OTP Sent" and its kin) is an InputRejectedError; any other
// refusal is the bank's, an *reauth.APIError wrapping
// reauth.ErrProviderUnavailable.
func classifyAnswerError(flow *reauth.Flow, err error) error {
	var ae *reauth.APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case errors.Is(ae, reauth.ErrReauthRequired), errors.Is(ae, reauth.ErrFlowExpired), errors.Is(ae, reauth.ErrRateLimited):
		return err
	case ae.StatusCode != http.StatusBadRequest && ae.StatusCode != http.StatusUnprocessableEntity && ae.StatusCode != http.StatusOK:
		return err
	case wrongAnswer(ae.Code, ae.Message):
		ae.Kind = reauth.ErrInvalidRequest
		return &InputRejectedError{Fields: fieldNames(flow.Fields), Message: ae.Message, Err: ae}
	}
	ae.Kind = reauth.ErrProviderUnavailable
	return ae
}

// wrongAnswer reports whether Mono's message says the user's answer was
// wrong: "Invalid OTP Sent", "Incorrect OTP", "wrong password", "invalid
// credentials", "incorrect answer", "invalid account number selected", or a
// code such as INVALID_OTP. Read by whole words, case-insensitively.
func wrongAnswer(code, msg string) bool {
	switch strings.ToUpper(code) {
	case "INVALID_OTP", "INCORRECT_OTP", "INVALID_INPUT", "INVALID_CREDENTIALS", "INCORRECT_CREDENTIALS", "INVALID_ANSWER":
		return true
	}
	var bad, what bool
	for _, w := range strings.FieldsFunc(strings.ToLower(msg), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		switch w {
		case "invalid", "incorrect", "wrong", "mismatch", "mismatched":
			bad = true
		case "otp", "pin", "password", "credential", "credentials", "username", "answer", "selection", "number":
			what = true
		}
	}
	return bad && what
}
