package atto

import (
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// CheckResponse classifies the answer to the application's own call to
// Atto's API (a Bank Data read such as GET
// /data/v2/consents/{consentId}/accounts, a stored-data call, ...), in the
// manner of go-github's CheckResponse: nil for a 2xx; otherwise an
// [*reauth.APIError] built from Atto's error body, the same way the
// client's own calls are:
//
//   - 403 consent_expired, consent_revoked, consent_denied, sca_error (and
//     a 403 {statusCode, message} saying revoked or expired): wraps
//     reauth.ErrReauthRequired: Begin a re-auth;
//   - 401 unauthorised_client: reauth.ErrUnauthorized (the application's
//     token or credentials: fetch a new token, no user is needed);
//   - 429: reauth.ErrRateLimited with RetryAfter from Retry-After;
//   - 5xx: reauth.ErrProviderUnavailable; 404 reauth.ErrNotFound;
//     400/422 reauth.ErrInvalidRequest.
//
// It reads at most the default body cap (1 MiB) of resp.Body and puts back
// what it read, so the caller still reads the whole body. The credential of
// resp.Request's Authorization header, should Atto echo it in any encoded
// form, is scrubbed from the error. Use it as the Check of a
// [reauth.Transport].
func CheckResponse(resp *http.Response) error {
	return httpx.CheckResponse(resp, httpx.CheckConfig{
		Provider:         reauth.Atto,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
	})
}
