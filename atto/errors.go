package atto

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Atto error codes (the Code field of an error answer). Source:
// https://docs.atto.co/content/docs/guides/platform-integration/errors
const (
	// CodeUnauthorisedClient (401): the client credentials or token were
	// refused. Not a user re-auth: the client drops its token and fetches a
	// new one once.
	CodeUnauthorisedClient = "unauthorised_client"
	// CodeConsentExpired (403): the consent expired; re-authenticate.
	CodeConsentExpired = "consent_expired"
	// CodeConsentRevoked (403): the consent was revoked; re-authenticate
	// (the user may have to re-select accounts).
	CodeConsentRevoked = "consent_revoked"
	// CodeConsentDenied (403): the bank denied access; re-authenticate.
	CodeConsentDenied = "consent_denied"
	// CodeSCAError (403): the SCA window elapsed; re-authenticate.
	CodeSCAError = "sca_error"
	// CodeAccountRefreshNotAllowed (403): refresh not allowed for this
	// account. Not a re-auth signal.
	CodeAccountRefreshNotAllowed = "account_refresh_not_allowed"
	// CodeConsentNotFound (404).
	CodeConsentNotFound = "consent_not_found"
	// CodeAccountNotFound (404).
	CodeAccountNotFound = "account_not_found"
	// CodeClientNotFound (404).
	CodeClientNotFound = "client_not_found"
	// CodeConfigurationNotFound (404).
	CodeConfigurationNotFound = "configuration_not_found"
	// CodeInvitationNotFound (404).
	CodeInvitationNotFound = "invitation_not_found"
	// CodeApplicationInvalid (400).
	CodeApplicationInvalid = "application_invalid"
	// CodeParametersInvalid (400).
	CodeParametersInvalid = "parameters_invalid"
	// CodeTemplateInvalid (400).
	CodeTemplateInvalid = "template_invalid"
	// CodeProviderUnsupportedFeature (422).
	CodeProviderUnsupportedFeature = "provider_unsupported_feature"
)

// reauthCodes are the 403 codes that mean "the user must re-authenticate".
var reauthCodes = map[string]bool{
	CodeConsentExpired: true, CodeConsentRevoked: true, CodeConsentDenied: true, CodeSCAError: true,
}

// requestIDHeaders are tried for the request id. Atto documents none
// (its error body carries CorrelationId, which wins when present); these
// are the usual names, an assumption.
var requestIDHeaders = []string{"X-Correlation-Id", "Correlation-Id", "X-Request-Id", "Request-Id"}

// errorBody is the union of Atto's two error shapes: the standard PascalCase
// {Code, Description, Details, CorrelationId} and the rate-limit / stored
// data {statusCode, message}. encoding/json matches keys case-insensitively,
// so code/description/correlationId decode too. Every field is raw, so that
// one field of an unexpected type (a numeric CorrelationId, an object
// message) cannot make the whole body unreadable and hide the Code.
type errorBody struct {
	Code          json.RawMessage `json:"Code"`
	Description   json.RawMessage `json:"Description"`
	Message       json.RawMessage `json:"message"`
	Error         json.RawMessage `json:"error"`
	Details       json.RawMessage `json:"Details"`
	CorrelationID json.RawMessage `json:"CorrelationId"`
}

// decodeError reads either Atto error shape into e and marks Atto's re-auth
// signals (403 consent_expired, consent_revoked, consent_denied, sca_error)
// as reauth.ErrReauthRequired. A 403 in the {statusCode, message} shape
// whose message says the consent or access "has been revoked" or "expired"
// (the stored-data refresh answer, which has no code) is treated as a
// re-auth signal too: an assumption from Atto's consent-refresh guide.
func decodeError(e *reauth.APIError, body []byte, _ http.Header) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil {
		return
	}
	code := cmp.Or(rawString(b.Code, false), rawString(b.Error, false))
	e.Code = code
	message := rawString(b.Message, false)
	if msg := cmp.Or(rawString(b.Description, false), message); msg != "" {
		e.Message = msg
	}
	if id := rawString(b.CorrelationID, false); id != "" {
		e.RequestID = id // the core scrubs and caps it
	}
	if d := rawString(b.Details, true); d != "" {
		e.Details = map[string]any{"details": d}
	}
	lc := strings.ToLower(code)
	switch {
	case e.StatusCode == http.StatusForbidden && reauthCodes[lc]:
		e.Kind = reauth.ErrReauthRequired
	case lc == CodeUnauthorisedClient:
		e.Kind = reauth.ErrUnauthorized
	case e.StatusCode == http.StatusForbidden && code == "" && revokedMessage(message):
		e.Kind = reauth.ErrReauthRequired
	}
}

func revokedMessage(m string) bool {
	m = strings.ToLower(m)
	return strings.Contains(m, "revoked") || strings.Contains(m, "expired")
}

// rawString returns a JSON string's text, a number's digits, an object or
// array as JSON text (capped) when objects is set, or "" for anything else.
func rawString(raw json.RawMessage, objects bool) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	if objects && (raw[0] == '{' || raw[0] == '[') {
		return textx.Truncate(string(raw), httpx.MaxMessageBytes)
	}
	return ""
}

// ConnectError is an Atto Connect journey that ended with state=error on
// the callback. Code is Atto's error code ([ErrorAccessDenied],
// [ErrorCustomerCancelled], ...), Description its error_description
// (scrubbed of the flow's secrets, capped at 256 bytes). access_denied is,
// in Atto's words, "the customer or the bank has denied": Atto does not
// say which, so show the user Description, or ask them to try again.
//
// It unwraps to an [*reauth.APIError] (Op "callback") whose Kind is
// reauth.ErrUserCancelled for access_denied, customer_cancelled and a
// state=error without a code; reauth.ErrProviderUnavailable for
// unexpected_error; reauth.ErrInvalidRequest for the others.
type ConnectError struct {
	Code        string
	Description string
	api         *reauth.APIError
}

// Error formats the error; it never contains a token.
func (e *ConnectError) Error() string {
	if e == nil || e.api == nil {
		return "atto: connect journey ended with an error"
	}
	return e.api.Error()
}

// Unwrap returns the [*reauth.APIError] behind the callback.
func (e *ConnectError) Unwrap() error {
	if e == nil || e.api == nil {
		return nil
	}
	return e.api
}

// CancelledByCustomer reports whether Atto says the customer cancelled
// (customer_cancelled). It is false for access_denied, which may be the
// customer or the bank.
func (e *ConnectError) CancelledByCustomer() bool {
	return e != nil && strings.EqualFold(e.Code, ErrorCustomerCancelled)
}
