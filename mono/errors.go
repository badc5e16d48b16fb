package mono

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Error codes Mono sends (or that reauthkit gives to Mono's signals).
const (
	// CodeReauthorisationRequired: the account needs the user again (manual
	// sync of an MFA account, data calls). Maps to reauth.ErrReauthRequired.
	CodeReauthorisationRequired = "REAUTHORISATION_REQUIRED"
	// CodeSessionExpired: the Connect session is over. Maps to
	// reauth.ErrFlowExpired. Mono's exact code is undocumented: a message
	// mentioning an expired session is read the same way.
	CodeSessionExpired = "SESSION_EXPIRED"
	// CodeJobFailed is the Code of the error [CheckJobStatus] returns.
	CodeJobFailed = "JOB_FAILED"
)

// ErrInputRejected is wrapped by the error Continue returns when Mono
// refused the user's answers (a wrong OTP, a wrong security answer). The
// session is still open: ask the user again and call Continue with the
// same flow. See [InputRejectedError].
var ErrInputRejected = errors.New("mono: the answers were rejected")

// InputRejectedError is a commit Mono refused because of the answers. It
// wraps [ErrInputRejected] and the provider's [*reauth.APIError] (so
// errors.Is(err, reauth.ErrInvalidRequest) holds too). The flow handed to
// Continue is unchanged and stays usable until it expires: Continue returns
// no new flow, keep the one you have.
type InputRejectedError struct {
	// Fields names the inputs that were sent (never their values).
	Fields []string
	// Message is Mono's explanation, for the user ("Incorrect OTP").
	Message string
	// Err is Mono's answer.
	Err *reauth.APIError
}

// Error says which answers were refused and why, never their values.
func (e *InputRejectedError) Error() string {
	msg := "mono: " + strings.Join(e.Fields, ", ") + " rejected"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg + " (ask the user again and Continue with the same flow)"
}

// Unwrap returns ErrInputRejected and Mono's answer.
func (e *InputRejectedError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInputRejected}
	}
	return []error{ErrInputRejected, e.Err}
}

// errorBody is every error shape seen or expected from Mono: the v2
// envelope {status:"failed", message, data}, bare {message}, {error}, and
// a code in code/type. Mono documents no error schema: decoded leniently.
type errorBody struct {
	Status        jsonx.String    `json:"status"`
	Message       jsonx.String    `json:"message"`
	Error         json.RawMessage `json:"error"`
	Code          jsonx.String    `json:"code"`
	Type          jsonx.String    `json:"type"`
	ResponseCode  jsonx.Int       `json:"responseCode"`
	ResponseCode2 jsonx.Int       `json:"response_code"`
}

// decodeError is the httpx.ErrorDecoder for Mono.
func decodeError(e *reauth.APIError, body []byte, _ http.Header) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil {
		return
	}
	var errStr jsonx.String
	_ = json.Unmarshal(b.Error, &errStr) // {"error": {...}} is ignored
	code := string(b.Code)
	if code == "" {
		code = string(b.Type)
	}
	msg := string(b.Message)
	switch {
	case errStr == "":
	case code == "" && !strings.Contains(string(errStr), " "):
		code = string(errStr) // {"error":"not_found"}: a code
	case msg == "":
		msg = string(errStr) // {"error":"Session has expired"}: a message
	}
	if code != "" {
		e.Code = code
	}
	if msg != "" {
		e.Message = msg
	}
	details := map[string]any{}
	switch st := strings.ToLower(string(b.Status)); st {
	case "failed", "error", "successful", "success": // known values only: never an echo
		details["status"] = st
	}
	if rc := max(b.ResponseCode, b.ResponseCode2); rc != 0 {
		details["response_code"] = int(rc)
	}
	if len(details) > 0 {
		e.Details = details
	}
	if kind := kindFor(code, msg); kind != nil {
		e.Kind = kind
	}
}

// kindFor maps Mono's re-auth and session signals to sentinels; nil keeps
// the status's default.
func kindFor(code, msg string) error {
	lc, lm := strings.ToUpper(code), strings.ToLower(msg)
	switch {
	case lc == CodeReauthorisationRequired,
		strings.Contains(lm, "reauthorisation required"),
		strings.Contains(lm, "reauthorization required"):
		return reauth.ErrReauthRequired
	case lc == CodeSessionExpired,
		strings.Contains(lm, "session") && strings.Contains(lm, "expired"):
		return reauth.ErrFlowExpired
	}
	return nil
}

// CheckJobStatus reads the headers of a real-time data answer (request
// header x-realtime: true). Mono reports a job that needs the user as
// x-job-status: failed; CheckJobStatus turns that into an *reauth.APIError
// wrapping reauth.ErrReauthRequired (Code CodeJobFailed), so that
// errors.Is(err, reauth.ErrReauthRequired) works on data calls made outside
// this package. Any other status (finished, processing, none) returns nil.
//
// Assumption: Mono's docs say a failed job means "use the reauthorization
// endpoint"; a failed job for another cause reads the same way.
//
// Mono API docs: https://docs.mono.co/docs/financial-data/realtime-data
func CheckJobStatus(h http.Header) error {
	if !strings.EqualFold(strings.TrimSpace(h.Get(HeaderJobStatus)), "failed") {
		return nil
	}
	e := &reauth.APIError{
		Provider: reauth.Mono,
		Op:       "real-time job",
		Code:     CodeJobFailed,
		Message:  "x-job-status: failed; the account needs reauthorisation",
		Kind:     reauth.ErrReauthRequired,
	}
	if id := h.Get("x-job-id"); id != "" && len(id) <= 64 {
		e.RequestID = id
	}
	return e
}

// itoa is strconv.Itoa, for codes in messages.
func itoa(n int) string { return strconv.Itoa(n) }
