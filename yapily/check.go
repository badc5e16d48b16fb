package yapily

import (
	"errors"
	"net/http"
	"strings"

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
	err := httpx.CheckResponse(resp, httpx.CheckConfig{
		Provider:    reauth.Yapily,
		DecodeError: decodeError,
	})
	var ae *reauth.APIError
	if errors.As(err, &ae) && resp != nil && resp.Request != nil {
		scrubRequestSecrets(ae, resp.Request.Header)
	}
	return err
}

// scrubRequestSecrets removes the values a data call sends that are secrets
// (the consent header, the Basic credentials) from what the error shows.
func scrubRequestSecrets(e *reauth.APIError, h http.Header) {
	var secrets []string
	if v := h.Get("Consent"); v != "" {
		secrets = append(secrets, v)
	}
	if v := h.Get("Authorization"); v != "" {
		secrets = append(secrets, v, strings.TrimPrefix(v, "Basic "))
	}
	if len(secrets) == 0 {
		return
	}
	e.Code = httpx.Scrub(e.Code, secrets)
	e.Message = httpx.Scrub(e.Message, secrets)
	if e.Details != nil {
		e.Details, _ = httpx.ScrubAny(e.Details, secrets).(map[string]any)
	}
}
