package truelayer

import (
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// requestIDHeaders are the answer headers that carry TrueLayer's request
// id, in order of preference.
var requestIDHeaders = []string{"X-Tl-Correlation-Id", "X-Request-Id"}

// CheckResponse classifies the answer to the application's own Data API
// call (GET /data/v1/accounts and the like), in the manner of go-github's
// CheckResponse: nil for a 2xx, otherwise a *reauth.APIError read from
// TrueLayer's Data API v1 error ({"error", "error_description",
// "error_details"}) or v3 problem details (application/problem+json:
// "title", "detail", "trace_id"). The body is read up to 1 MiB and put
// back: the caller reads it whole afterwards. The access token of the
// request's Authorization header is scrubbed, in every encoded form, from
// every field of the error (TrueLayer may echo it in a description or in
// X-Tl-Correlation-Id).
//
// Branch with errors.Is: a 403 access_denied (consent expired or revoked),
// a v3 403 or a 400 "Invalid State" wraps reauth.ErrReauthRequired (start
// a re-authentication); a 401 invalid_token or unauthorized wraps
// [ErrAccessTokenExpired] (refresh the access token, e.g. through a
// [TokenSource], and call again); 429 reauth.ErrRateLimited (RetryAfter
// set; send X-PSU-IP when the user is present); 5xx and v3 502 Provider
// Error reauth.ErrProviderUnavailable; invalid_client reauth.ErrUnauthorized.
// sca_exceeded keeps its code and wraps no sentinel: other data still
// works. Use it as reauth.Transport's Check.
func CheckResponse(resp *http.Response) error {
	return httpx.CheckResponse(resp, httpx.CheckConfig{
		Provider:         provider,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
	})
}

// ErrAccessTokenExpired is the Kind of a 401 invalid_token or unauthorized
// from the Data API: the connection's access token expired (they live about
// an hour) or was superseded by a newer refresh. It is not the application's
// credentials and not yet a re-authentication: refresh the pair; only an
// invalid_grant from that refresh means the user must re-authenticate.
// reauth.NextAction reports ActionRetryLater for it.
var ErrAccessTokenExpired error = accessTokenExpired{}

type accessTokenExpired struct{}

func (accessTokenExpired) Error() string {
	return "truelayer: the access token is expired or invalid; refresh it"
}

// NextAction makes reauth.NextAction say "retry" (with a fresh token).
func (accessTokenExpired) NextAction() reauth.Action { return reauth.ActionRetryLater }
