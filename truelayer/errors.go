package truelayer

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/reauth"
)

// TrueLayer error codes (the "error" field of an auth or Data API v1 error).
const (
	// CodeInvalidGrant: the refresh token is invalid, expired or revoked,
	// or the redirect URI does not match. Wraps reauth.ErrReauthRequired.
	CodeInvalidGrant = "invalid_grant"
	// CodeInvalidClient: the client id or secret is wrong. Wraps
	// reauth.ErrUnauthorized.
	CodeInvalidClient = "invalid_client"
	// CodeInvalidAuthorizationCode: the code is older than 5 minutes or
	// was already used; restart the flow. Wraps reauth.ErrFlowExpired (the
	// connection itself may be fine: this is not ErrReauthRequired).
	CodeInvalidAuthorizationCode = "invalid_authorization_code"
	// CodeUnauthorizedClient: wrong environment, client id or redirect URI.
	CodeUnauthorizedClient = "unauthorized_client"
	// CodeUnauthorized (401): the access token is not accepted; refresh
	// it. Wraps [ErrAccessTokenExpired].
	CodeUnauthorized = "unauthorized"
	// CodeInvalidToken (401): the access token is not accepted; refresh
	// it. Wraps [ErrAccessTokenExpired].
	CodeInvalidToken = "invalid_token"
	// CodeAccessDenied (403): consent expired or revoked. Wraps
	// reauth.ErrReauthRequired.
	CodeAccessDenied = "access_denied"
	// CodeSCAExceeded (403): this endpoint is only available shortly after
	// authentication; other data still works. Kept as is (no sentinel).
	CodeSCAExceeded = "sca_exceeded"
	// CodeInvalidCredentialsKey (403).
	CodeInvalidCredentialsKey = "invalid_credentials_key"
	// CodeAccountNotFound (404).
	CodeAccountNotFound = "account_not_found"
	// CodeProviderTooManyRequests (429): the bank's unattended-access
	// limit; send Request.UserIP when the user is present.
	CodeProviderTooManyRequests = "provider_too_many_requests"
	// CodeReauthUnavailable is set by this package when /v1/reauthuri
	// answers success:false or 401: the 90-day window has passed and the
	// user must authorise from scratch.
	CodeReauthUnavailable = "reauth_unavailable"
)

// v1Error is the auth server and Data API v1 error shape.
type v1Error struct {
	Error            json.RawMessage `json:"error"`
	ErrorDescription json.RawMessage `json:"error_description"`
	ErrorDetails     map[string]any  `json:"error_details"`
}

// problem is RFC 7807 problem+json (Data API v3, Verification, Payments v3).
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   json.Number    `json:"status"`
	Detail   string         `json:"detail"`
	TraceID  string         `json:"trace_id"`
	Instance string         `json:"instance"`
	Errors   map[string]any `json:"errors"`
}

// rawString returns a JSON string's text, or "" for anything else.
func rawString(b json.RawMessage) string {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s
	}
	return ""
}

// decodeError reads TrueLayer's two error shapes into e. invalid_grant and
// 403 access_denied (and a v3 403 or 400 "Invalid State") become
// reauth.ErrReauthRequired; invalid_client and unauthorized_client
// reauth.ErrUnauthorized; invalid_authorization_code reauth.ErrFlowExpired.
func decodeError(e *reauth.APIError, body []byte, _ http.Header) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return
	}
	if _, ok := raw["error"]; ok {
		var v v1Error
		_ = json.Unmarshal(body, &v)
		code := rawString(v.Error)
		if code == "" {
			// Some answers nest: {"error": {"code": ..., "message": ...}}.
			var nested struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			if json.Unmarshal(v.Error, &nested) == nil {
				code = nested.Code
				if nested.Message != "" {
					e.Message = nested.Message
				}
			}
		}
		e.Code = code
		if d := rawString(v.ErrorDescription); d != "" {
			e.Message = d
		}
		if len(v.ErrorDetails) > 0 {
			e.Details = map[string]any{"error_details": v.ErrorDetails}
		}
		applyKind(e)
		return
	}
	if _, ok := raw["title"]; ok || raw["type"] != nil {
		var p problem
		_ = json.Unmarshal(body, &p)
		e.Code = p.Title
		if p.Detail != "" {
			e.Message = p.Detail
		} else if p.Title != "" {
			e.Message = p.Title
		}
		d := map[string]any{}
		if p.Type != "" {
			d["type"] = p.Type
		}
		if p.TraceID != "" {
			d["trace_id"] = p.TraceID
			if e.RequestID == "" {
				e.RequestID = p.TraceID
			}
		}
		if p.Instance != "" {
			d["instance"] = p.Instance
		}
		if len(p.Errors) > 0 {
			d["errors"] = p.Errors
		}
		if len(d) > 0 {
			e.Details = d
		}
		switch {
		case e.StatusCode == http.StatusUnauthorized:
			e.Kind = ErrAccessTokenExpired
		case e.StatusCode == http.StatusForbidden:
			e.Kind = reauth.ErrReauthRequired
		case e.StatusCode == http.StatusBadRequest && strings.EqualFold(strings.TrimSpace(p.Title), "Invalid State"):
			e.Kind = reauth.ErrReauthRequired
		}
	}
}

func applyKind(e *reauth.APIError) {
	switch strings.ToLower(e.Code) {
	case CodeInvalidGrant:
		e.Kind = reauth.ErrReauthRequired
	case CodeAccessDenied:
		if e.StatusCode == http.StatusForbidden {
			e.Kind = reauth.ErrReauthRequired
		}
	case CodeInvalidClient, CodeUnauthorizedClient:
		e.Kind = reauth.ErrUnauthorized
	case CodeInvalidAuthorizationCode:
		e.Kind = reauth.ErrFlowExpired
	case CodeInvalidToken, CodeUnauthorized:
		if e.StatusCode == http.StatusUnauthorized {
			e.Kind = ErrAccessTokenExpired
		}
	}
}
