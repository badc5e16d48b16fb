package mono

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// ErrInputRejected is reauth.ErrInputRejected, wrapped by the error
// Continue returns when Mono refused the user's answers (a wrong OTP, a
// wrong security answer). The session is still open: ask the user again and
// call Continue with the same flow. See [InputRejectedError].
var ErrInputRejected = reauth.ErrInputRejected

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
	if e == nil {
		return "mono: answers rejected"
	}
	msg := "mono: " + strings.Join(e.Fields, ", ") + " rejected"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg + " (ask the user again and Continue with the same flow)"
}

// Unwrap returns ErrInputRejected and Mono's answer.
func (e *InputRejectedError) Unwrap() []error {
	if e == nil || e.Err == nil {
		return []error{ErrInputRejected}
	}
	return []error{ErrInputRejected, e.Err}
}

// Format prints Error under every verb, so that %d or %x never reach the
// fields behind it.
func (e *InputRejectedError) Format(f fmt.State, verb rune) { reauth.FormatError(f, verb, e) }

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
	if rateLimited(code, msg) {
		e.Kind = reauth.ErrRateLimited
		if e.RetryAfter == 0 {
			e.RetryAfter = retryAfterIn(msg)
		}
	}
}

// rateLimited reports Mono refusing a request for its rate (one real-time
// session per account every 5 minutes, one manual sync every 2), whatever
// the status it comes with.
func rateLimited(code, msg string) bool {
	c, m := strings.ToUpper(code), strings.ToLower(msg)
	return c == "RATE_LIMITED" || c == "TOO_MANY_REQUESTS" || strings.Contains(m, "too many") ||
		strings.Contains(m, "rate limit") || strings.Contains(m, "try again in")
}

// retryAfterIn reads "try again in 42 seconds" / "in 5 minutes" from a
// message; 0 when it says no duration.
func retryAfterIn(msg string) time.Duration {
	words := strings.Fields(strings.ToLower(msg))
	for i := 0; i+2 < len(words); i++ {
		if words[i] != "in" {
			continue
		}
		n, err := strconv.Atoi(words[i+1])
		if err != nil || n <= 0 || n > 24*3600 {
			continue
		}
		switch unit := strings.Trim(words[i+2], ".,;:)"); {
		case strings.HasPrefix(unit, "sec"):
			return time.Duration(n) * time.Second
		case strings.HasPrefix(unit, "min"):
			return time.Duration(n) * time.Minute
		}
	}
	return 0
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
