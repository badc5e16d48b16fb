package finch

import (
	"encoding/json"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// checkConfig is how CheckResponse reads Finch's data API.
var checkConfig = httpx.CheckConfig{
	Provider:         reauth.Finch,
	RequestIDHeaders: []string{headerRequestID},
	DecodeError:      decodeError,
	Signal:           syncSignal,
}

// CheckResponse classifies the answer to one of the application's own
// Finch data calls (GET /employer/directory, /employer/individual, ...), in
// the manner of go-github's CheckResponse. It returns nil for a 2xx answer,
// and otherwise an [*reauth.APIError] built from Finch's error body
// ({code, name, finch_code, message}) and Finch-Request-Id, with the same
// sentinels as the Client's own calls:
//
//   - 401 reauthenticate_user and 401 invalid_token_error:
//     reauth.ErrReauthRequired (begin a re-authentication);
//   - 401 account_setup_required: reauth.ErrNewConnectionRequired;
//   - 403 error_permissions: [ErrInsufficientPermissions] (also
//     reauth.ErrReauthRequired);
//   - 402 payment_required: [ErrPaymentRequired] (also
//     reauth.ErrUnauthorized); 401 invalid_client_error and 403
//     insufficient_scope_error: reauth.ErrUnauthorized;
//   - 429: reauth.ErrRateLimited (RetryAfter when Finch sent Retry-After);
//   - 5xx: reauth.ErrProviderUnavailable (Finch says a revoked connection
//     can show as 500 server_error; retry hours later, not at once).
//
// A 202 whose body carries finch_code data_sync_in_progress (an assisted
// connection still syncing) holds no data: it is an *reauth.APIError with
// StatusCode 202 and reauth.ErrProviderUnavailable, so that
// reauth.NextAction says retry_later. Any other 2xx is nil, including
// Finch's batch answers whose items carry their own errors (read them from
// the body).
//
// The body is read through a 1 MiB cap only when it may hold an error, and
// always restored: the caller reads the whole body afterwards. A nil
// response is an error wrapping reauth.ErrInvalidResponse.
func CheckResponse(resp *http.Response) error {
	if resp != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 && resp.StatusCode != http.StatusAccepted {
		return nil // no need to peek at a data answer's body
	}
	return httpx.CheckResponse(resp, checkConfig)
}

// syncSignal reports a 202 data_sync_in_progress answer as
// reauth.ErrProviderUnavailable.
func syncSignal(e *reauth.APIError, body []byte, h http.Header) error {
	if e.StatusCode != http.StatusAccepted || !httpx.LooksLikeJSONObject(body) {
		return nil
	}
	var b struct {
		FinchCode string `json:"finch_code"`
	}
	if json.Unmarshal(body, &b) != nil || b.FinchCode != CodeDataSyncInProgress {
		return nil
	}
	decodeError(e, body, h)
	return reauth.ErrProviderUnavailable
}
