package mono

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// requestIDHeaders are the headers Mono's request id may come in.
var requestIDHeaders = []string{"x-request-id", "x-mono-request-id"}

// CheckResponse classifies the answer to one of your own Mono data calls
// (transactions, balance, statements), in the manner of go-github: nil for
// a 2xx that carries no re-auth signal, an *reauth.APIError otherwise.
// REAUTHORISATION_REQUIRED in the body (as code or status, of an error or
// of a 2xx) and the x-reauth-required response header wrap
// reauth.ErrReauthRequired; x-job-status: failed alone does not (a failed
// job, see [CheckJobStatus]); a 429 or Mono's rate-limit message wraps
// reauth.ErrRateLimited with RetryAfter; a 401/403 is the app's key
// (reauth.ErrUnauthorized); a 5xx reauth.ErrProviderUnavailable.
//
// At most 1 MiB of the body is read, and the body is put back: the caller
// can read all of it afterwards. It never panics, on a nil response
// included.
func CheckResponse(resp *http.Response) error {
	err := httpx.CheckResponse(resp, httpx.CheckConfig{
		Provider:         reauth.Mono,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
		Signal:           dataSignal,
		SecretHeaders:    []string{HeaderSecretKey}, // not Authorization: Mono has its own header
	})
	if e, ok := err.(*reauth.APIError); ok && resp != nil && reauthHeader(resp.Header) {
		e.Kind = reauth.ErrReauthRequired // the header wins over the status's default
		if e.Code == "" {
			e.Code = CodeReauthorisationRequired
		}
	}
	return err
}

// dataSignal finds a re-auth signal in a 2xx data answer: the header, or
// REAUTHORISATION_REQUIRED as the body's code, status or sync status (not
// anywhere in the body: a transaction's narration is no signal).
func dataSignal(e *reauth.APIError, body []byte, h http.Header) error {
	switch {
	case reauthHeader(h):
		e.Code, e.Message = CodeReauthorisationRequired, HeaderReauthRequired+" is set: the account needs re-authorisation"
		return reauth.ErrReauthRequired
	case !bytes.Contains(body, []byte(CodeReauthorisationRequired)) || !httpx.LooksLikeJSONObject(body):
		return nil
	}
	var b struct {
		signalFields
		Data *signalFields `json:"data"`
	}
	if json.Unmarshal(body, &b) != nil || !(b.signals() || (b.Data != nil && b.Data.signals())) {
		return nil
	}
	decodeError(e, body, h)
	if e.Kind != reauth.ErrReauthRequired { // the body's message is about something else
		e.Message = "the account needs re-authorisation"
	}
	e.Code = CodeReauthorisationRequired
	return reauth.ErrReauthRequired
}

// signalFields are where a 2xx body may say REAUTHORISATION_REQUIRED.
type signalFields struct {
	Code   jsonx.String `json:"code"`
	Status jsonx.String `json:"status"`
	Meta   *struct {
		SyncStatus jsonx.String `json:"sync_status"`
	} `json:"meta"`
}

func (f *signalFields) signals() bool {
	is := func(v jsonx.String) bool { return strings.EqualFold(string(v), CodeReauthorisationRequired) }
	return is(f.Code) || is(f.Status) || (f.Meta != nil && is(f.Meta.SyncStatus))
}

// reauthHeader reports x-reauth-required set to anything but false/0.
func reauthHeader(h http.Header) bool {
	v := strings.ToLower(strings.TrimSpace(h.Get(HeaderReauthRequired)))
	return v != "" && v != "false" && v != "0" && v != "no"
}

// CheckJobStatus reads the headers of a real-time data answer (request
// header x-realtime: true). x-job-status: failed is a failed job: an
// *reauth.APIError (Code CodeJobFailed) wrapping
// reauth.ErrProviderUnavailable, or reauth.ErrReauthRequired when Mono also
// sets x-reauth-required. Any other status (finished, processing, none)
// returns nil. Prefer [CheckResponse], which reads the body too.
//
// Mono API docs: https://docs.mono.co/docs/financial-data/realtime-data
func CheckJobStatus(h http.Header) error {
	if !strings.EqualFold(strings.TrimSpace(h.Get(HeaderJobStatus)), "failed") {
		return nil
	}
	e := &reauth.APIError{
		Provider: reauth.Mono,
		Op:       "real-time job",
		Code:     CodeJobFailed,
		Message:  "x-job-status: failed",
		Kind:     reauth.ErrProviderUnavailable,
	}
	if reauthHeader(h) {
		e.Message += "; the account needs reauthorisation"
		e.Kind = reauth.ErrReauthRequired
	}
	if id := h.Get("x-job-id"); id != "" && len(id) <= 64 {
		e.RequestID = id
	}
	return e
}
