package yapily

import (
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// CheckResponse classifies the answer to one of the application's own
// Yapily calls (GET /accounts, transactions, balances with the consent
// header), in the manner of go-github's CheckResponse: nil for a 2xx, a
// *reauth.APIError otherwise, decoded from whichever of Yapily's error
// envelopes it came in, exactly as the Client's own calls are. A 403 (the
// consent is no longer authorised) and a 401 that the body blames on the
// consent (source INSTITUTION or USER, or an institutionError: the bank
// refused the consent) wrap reauth.ErrReauthRequired; a 401 from Yapily's
// gateway (issue type CREDENTIALS) wraps reauth.ErrUnauthorized; 429 is
// reauth.ErrRateLimited with RetryAfter; 5xx reauth.ErrProviderUnavailable.
// The request's consent token and credentials, echoed in an error body, are
// scrubbed from the error. At most the SDK's body cap is read, and
// resp.Body still yields the whole body afterwards.
func CheckResponse(resp *http.Response) error {
	// The Authorization header's credential is scrubbed by the core; the
	// consent token travels in its own header.
	return httpx.CheckResponse(resp, httpx.CheckConfig{
		Provider:      reauth.Yapily,
		DecodeError:   decodeError,
		SecretHeaders: []string{"Consent"},
	})
}
