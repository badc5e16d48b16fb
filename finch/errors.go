package finch

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Finch error codes (finch_code) and names (name) reauthkit recognises. An
// [*reauth.APIError] from this package carries finch_code as Code, or name
// when Finch sent no finch_code; name is also kept in Details["name"].
const (
	// CodeReauthenticateUser (401): the connection is broken; the employer
	// must go through Finch Connect again. Maps to reauth.ErrReauthRequired.
	CodeReauthenticateUser = "reauthenticate_user"
	// CodeAccountSetupRequired (401): "the user will need to connect their
	// employment system": the connection was never set up, so a
	// re-authentication cannot repair it. Maps to
	// reauth.ErrNewConnectionRequired (open one with
	// [Client.NewConnectSession]).
	CodeAccountSetupRequired = "account_setup_required"
	// CodePaymentRequired (402): the application has unpaid Finch
	// invoices. Maps to [ErrPaymentRequired].
	CodePaymentRequired = "payment_required"
	// CodeInsufficientAccountPermissions (403, name error_permissions): the
	// employer must update the permissions of the admin account Finch
	// uses. Maps to [ErrInsufficientPermissions].
	CodeInsufficientAccountPermissions = "insufficient_account_permissions"
	// CodeInvalidRequest (400).
	CodeInvalidRequest = "invalid_request"
	// CodeDataSyncInProgress (202 on some data endpoints).
	CodeDataSyncInProgress = "data_sync_in_progress"
	// CodeApplicationRateLimit is a rate-limit code (429): the
	// application's per-product limit.
	CodeApplicationRateLimit = "finch_application_rl"
	// CodeAPIIPRateLimit is a rate-limit code (429): the per-IP limit.
	CodeAPIIPRateLimit = "finch_api_ip_rl"
	// CodeAuthIPRateLimit is a rate-limit code (429): the per-IP limit of
	// authentication endpoints.
	CodeAuthIPRateLimit = "finch_auth_ip_rl"
	// CodeUpstreamRateLimit is a rate-limit code (429): the payroll
	// provider's own limit.
	CodeUpstreamRateLimit = "upstream_rate_limit_exceeded"
	// CodeUpstreamProviderError (502).
	CodeUpstreamProviderError = "upstream_provider_error"

	// NameAuthenticationError is the name of 401 reauthenticate_user and
	// account_setup_required.
	NameAuthenticationError = "authentication_error"
	// NameInvalidGrant (400): the authorization code is invalid.
	NameInvalidGrant = "invalid_grant_error"
	// NameInvalidClient (401): the application credentials are wrong.
	NameInvalidClient = "invalid_client_error"
	// NameInvalidToken (401): the connection's access token is wrong or
	// revoked (not the application's credentials). Maps to
	// reauth.ErrReauthRequired.
	NameInvalidToken = "invalid_token_error"
	// NameInvalidRequestError (401): the request does not match Finch's
	// documentation.
	NameInvalidRequestError = "invalid_request_error"
	// NameUnauthorizedRequest (401): the access token is missing.
	NameUnauthorizedRequest = "unauthorized_request_error"
	// NamePaymentRequired (402).
	NamePaymentRequired = "payment_required"
	// NameErrorPermissions (403): see CodeInsufficientAccountPermissions.
	NameErrorPermissions = "error_permissions"
	// NameInsufficientScope (403): the application's credentials do not
	// cover the product.
	NameInsufficientScope = "insufficient_scope_error"
	// NameClientConnectionClosed (408): the client gave up before Finch's
	// server answered (its limit is 6 minutes).
	NameClientConnectionClosed = "client_connection_closed"
	// NameRateLimitExceeded (429).
	NameRateLimitExceeded = "rate_limit_exceeded_error"
	// NameServerError (500).
	NameServerError = "server_error"
	// NameNotFound (404).
	NameNotFound = "not_found_error"
)

// finchKind is a Finch-specific sentinel that is also a kind of a reauth
// sentinel, so both errors.Is checks hold.
type finchKind struct {
	msg    string
	parent error
}

func (k *finchKind) Error() string { return k.msg }
func (k *finchKind) Unwrap() error { return k.parent }

// Finch-specific sentinels an [*reauth.APIError] from this package may
// wrap.
var (
	// ErrPaymentRequired: Finch refuses the application until its unpaid
	// invoices are settled (402 payment_required). It is a kind of
	// reauth.ErrUnauthorized: the application, not the employer, must act.
	ErrPaymentRequired error = &finchKind{"finch: the application has unpaid invoices", reauth.ErrUnauthorized}
	// ErrInsufficientPermissions: the employer must update the permissions
	// of the admin account Finch uses in their payroll system (403
	// error_permissions / insufficient_account_permissions). It is a kind
	// of reauth.ErrReauthRequired: the employer must act, and Finch Connect
	// is where Finch tells them how.
	ErrInsufficientPermissions error = &finchKind{"finch: the employer must update the account's permissions", reauth.ErrReauthRequired}
)

// IsReauthRequired reports whether err says the employer must
// re-authenticate. It is exactly errors.Is(err, reauth.ErrReauthRequired),
// offered for discoverability; use either.
func IsReauthRequired(err error) bool { return errors.Is(err, reauth.ErrReauthRequired) }

// errorBody is Finch's error shape, plus the deprecated batch fields
// (error_name, error_message), decoded leniently.
type errorBody struct {
	Code         jsonx.Int    `json:"code"`
	Name         jsonx.String `json:"name"`
	FinchCode    jsonx.String `json:"finch_code"`
	Message      jsonx.String `json:"message"`
	ErrorName    jsonx.String `json:"error_name"`
	ErrorMessage jsonx.String `json:"error_message"`
}

// decodeError reads Finch's {code, name, finch_code, message} into e and
// picks the sentinel from Finch's error table (see [kindFor]).
func decodeError(e *reauth.APIError, body []byte, _ http.Header) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil {
		return
	}
	name := string(b.Name)
	if name == "" {
		name = string(b.ErrorName)
	}
	msg := string(b.Message)
	if msg == "" {
		msg = string(b.ErrorMessage)
	}
	code := string(b.FinchCode)
	if code == "" {
		code = name
	}
	e.Code = code
	if msg != "" {
		e.Message = msg
	}
	if name != "" {
		e.Details = map[string]any{"name": name}
	}
	if k := kindFor(e.StatusCode, name, string(b.FinchCode)); k != nil {
		e.Kind = k
	}
}

// kindFor maps Finch's documented (status, name, finch_code) rows to a
// sentinel; nil keeps the core's mapping by status (400/422
// ErrInvalidRequest, 404 ErrNotFound, 429 ErrRateLimited, 5xx
// ErrProviderUnavailable). A 500 server_error stays ErrProviderUnavailable
// although Finch says it can hide a revoked connection: only a later
// answer can tell, and Finch advises retrying hours later.
func kindFor(status int, name, finchCode string) error {
	switch status {
	case http.StatusUnauthorized:
		switch {
		case finchCode == CodeReauthenticateUser, name == NameInvalidToken:
			return reauth.ErrReauthRequired
		case finchCode == CodeAccountSetupRequired:
			return reauth.ErrNewConnectionRequired
		case name == NameInvalidRequestError, name == NameUnauthorizedRequest:
			return reauth.ErrInvalidRequest
		}
		return reauth.ErrUnauthorized // invalid_client_error and the rest
	case http.StatusPaymentRequired:
		return ErrPaymentRequired
	case http.StatusForbidden:
		if finchCode == CodeInsufficientAccountPermissions || name == NameErrorPermissions {
			return ErrInsufficientPermissions
		}
		return reauth.ErrUnauthorized // insufficient_scope_error: the application's credentials
	case http.StatusRequestTimeout:
		return reauth.ErrProviderUnavailable
	}
	return nil
}
