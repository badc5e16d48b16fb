package reauth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Every error reauthkit returns wraps at most one of them;
// branch with [errors.Is], read the details with [errors.As] on [*APIError]
// or [*InputError].
var (
	// ErrReauthRequired: the end user must re-authenticate (consent expired
	// or revoked, refresh token dead, provider asks for re-auth).
	ErrReauthRequired = errors.New("reauth: the user must re-authenticate")
	// ErrRateLimited: the provider refused the request for now; see
	// APIError.RetryAfter.
	ErrRateLimited = errors.New("reauth: rate limited")
	// ErrUnauthorized: the application's own credentials were refused.
	ErrUnauthorized = errors.New("reauth: application credentials refused")
	// ErrNotFound: the provider does not know the connection or resource.
	ErrNotFound = errors.New("reauth: not found")
	// ErrInvalidRequest: the request is malformed (provider 400/422, or a
	// bad argument caught before any request).
	ErrInvalidRequest = errors.New("reauth: invalid request")
	// ErrProviderUnavailable: the provider failed (5xx) or could not be
	// reached; retrying later may work.
	ErrProviderUnavailable = errors.New("reauth: provider unavailable")
	// ErrInvalidResponse: the provider's answer could not be used (too
	// large, truncated, not the documented JSON).
	ErrInvalidResponse = errors.New("reauth: invalid provider response")
	// ErrStateMismatch: the callback does not belong to this flow.
	ErrStateMismatch = errors.New("reauth: callback does not match the flow")
	// ErrFlowExpired: the flow's URL or session has expired; Begin again.
	ErrFlowExpired = errors.New("reauth: flow expired")
	// ErrUserCancelled: the user cancelled or denied at the provider.
	ErrUserCancelled = errors.New("reauth: user cancelled")
	// ErrMissingInput: a required value (request field, callback parameter
	// or answer) is missing. The error names it.
	ErrMissingInput = errors.New("reauth: missing input")
	// ErrWrongProvider: a flow was handed to another provider's
	// Reauthenticator.
	ErrWrongProvider = errors.New("reauth: flow belongs to another provider")
	// ErrUnknownProvider: a Registry holds no Reauthenticator for the
	// provider.
	ErrUnknownProvider = errors.New("reauth: unknown provider")
	// ErrInvalidSignature: a webhook delivery is not authentic (bad, missing
	// or stale signature).
	ErrInvalidSignature = errors.New("reauth: invalid webhook signature")
	// ErrInvalidPayload: an authentic webhook delivery could not be parsed.
	ErrInvalidPayload = errors.New("reauth: invalid webhook payload")
)

// APIError is a provider's non-2xx answer. Unwrap returns Kind, one of the
// sentinel errors, so errors.Is(err, ErrReauthRequired) works for every
// provider's own signal through any wrapping.
type APIError struct {
	Provider Provider
	// Op is the operation, as "POST /v1/reauthuri": no host, query, id or
	// secret.
	Op         string
	StatusCode int
	// Code is the provider's error code (Finch finch_code, TrueLayer error,
	// Atto Code, ...), empty when it sent none.
	Code string
	// Message is the provider's human-readable message, scrubbed of secrets.
	Message string
	// RequestID is the provider's id for the request, for its support desk.
	RequestID string
	// RetryAfter is how long the provider asked to wait; zero when it did not.
	RetryAfter time.Duration
	// Details keeps provider-specific extras (Yapily institutionError, ...).
	Details map[string]any
	// Kind is the sentinel this error wraps; nil when none fits.
	Kind error
}

// Error formats the error without any secret.
func (e *APIError) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(string(e.Provider))
	if e.Op != "" {
		b.WriteString(": ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
	} else {
		b.WriteString("error")
	}
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Format prints Error() under every verb.
func (e *APIError) Format(s fmt.State, verb rune) { FormatError(s, verb, e) }

// Unwrap returns the sentinel error this APIError is a kind of.
func (e *APIError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Kind
}

// KindForStatus is the sentinel a bare HTTP status maps to before a provider
// looks at the body: 400/422 invalid request, 401 unauthorized, 404 not
// found, 429 rate limited, 5xx provider unavailable, others nil.
func KindForStatus(status int) error {
	switch {
	case status == 400 || status == 422:
		return ErrInvalidRequest
	case status == 401:
		return ErrUnauthorized
	case status == 404:
		return ErrNotFound
	case status == 429:
		return ErrRateLimited
	case status >= 500:
		return ErrProviderUnavailable
	}
	return nil
}

// InputError is a missing or invalid value caught before any request was
// sent. Unwrap returns Kind: ErrMissingInput or ErrInvalidRequest.
type InputError struct {
	Provider Provider
	// Field names the value: a Request field ("ConnectionID"), a callback
	// parameter ("code") or an input field name ("otp").
	Field string
	// Reason says what is wrong with it, never its value.
	Reason string
	Kind   error
}

// Error formats the error; it never contains the value.
func (e *InputError) Error() string {
	if e == nil {
		return "<nil>"
	}
	return string(e.Provider) + ": " + e.Field + " " + e.Reason
}

// Format prints Error() under every verb.
func (e *InputError) Format(s fmt.State, verb rune) { FormatError(s, verb, e) }

// Unwrap returns the sentinel error this InputError is a kind of.
func (e *InputError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Kind
}

// MissingInput returns an [*InputError] for a required value that is empty.
func MissingInput(p Provider, field string) error {
	return &InputError{Provider: p, Field: field, Reason: "is required", Kind: ErrMissingInput}
}

// InvalidInput returns an [*InputError] for a value that is present but
// unusable; reason must not contain the value.
func InvalidInput(p Provider, field, reason string) error {
	return &InputError{Provider: p, Field: field, Reason: reason, Kind: ErrInvalidRequest}
}
