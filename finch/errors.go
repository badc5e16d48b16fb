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
	// CodeAccountSetupRequired (401): the employer never finished
	// connecting. It keeps reauth.ErrUnauthorized: a re-authentication
	// session cannot fix a connection that was never set up.
	CodeAccountSetupRequired = "account_setup_required"
	// CodeInvalidRequest (400).
	CodeInvalidRequest = "invalid_request"
	// CodeDataSyncInProgress (202 on some data endpoints).
	CodeDataSyncInProgress = "data_sync_in_progress"
	// Rate-limit codes (429).
	CodeApplicationRateLimit = "finch_application_rl"
	CodeAPIIPRateLimit       = "finch_api_ip_rl"
	CodeAuthIPRateLimit      = "finch_auth_ip_rl"
	CodeUpstreamRateLimit    = "upstream_rate_limit_exceeded"
	// CodeUpstreamProviderError (502).
	CodeUpstreamProviderError = "upstream_provider_error"

	NameAuthenticationError = "authentication_error"
	NameInvalidGrant        = "invalid_grant_error"
	NameInvalidClient       = "invalid_client_error"
	NameInvalidToken        = "invalid_token_error"
	NameUnauthorizedRequest = "unauthorized_request_error"
	NameRateLimitExceeded   = "rate_limit_exceeded_error"
	NameServerError         = "server_error"
	NameNotFound            = "not_found_error"
	NameInsufficientScope   = "insufficient_scope_error"
)

// IsReauthRequired reports whether err says the employer must
// re-authenticate. It is exactly errors.Is(err, reauth.ErrReauthRequired),
// offered for discoverability; use either.
func IsReauthRequired(err error) bool { return errors.Is(err, reauth.ErrReauthRequired) }

// errorBody is Finch's error shape, plus the deprecated batch fields
// (error_name, error_message) and the rate-limit extras (statusCode,
// status), decoded leniently.
type errorBody struct {
	Code         jsonx.Int    `json:"code"`
	Name         jsonx.String `json:"name"`
	FinchCode    jsonx.String `json:"finch_code"`
	Message      jsonx.String `json:"message"`
	ErrorName    jsonx.String `json:"error_name"`
	ErrorMessage jsonx.String `json:"error_message"`
}

// decodeError reads Finch's {code, name, finch_code, message} into e. A 401
// with finch_code reauthenticate_user becomes ErrReauthRequired; other
// statuses keep the core's mapping (401 ErrUnauthorized, 429
// ErrRateLimited, 5xx ErrProviderUnavailable). Finch documents that a 500
// server_error can mean a revoked connection: its message is kept so the
// caller can see it, and it stays ErrProviderUnavailable.
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
	if e.StatusCode == http.StatusUnauthorized && string(b.FinchCode) == CodeReauthenticateUser {
		e.Kind = reauth.ErrReauthRequired
	}
}
