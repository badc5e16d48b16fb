package httpx

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// CheckConfig describes a provider's data-API answers for [CheckResponse].
type CheckConfig struct {
	Provider reauth.Provider
	// RequestIDHeaders are the response headers that carry the provider's
	// request id, in order of preference.
	RequestIDHeaders []string
	// DecodeError maps an error body to the APIError, as for a Client.
	DecodeError ErrorDecoder
	// Signal, when set, is asked about every 2xx answer: a provider may say
	// "re-authenticate" in a header or body of a successful answer (Mono's
	// x-reauth-required). It returns the error's Kind, or nil for none; e
	// has been filled in as for an error answer.
	Signal func(e *reauth.APIError, body []byte, h http.Header) error
	// MaxBodyBytes caps how much of the body is read; 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
	// Scrubber holds the secrets the application's call carried (its access
	// token); the credential of the request's Authorization header is added
	// without being listed. Nil still caps every field.
	Scrubber *Scrubber
	// SecretHeaders name the request headers besides Authorization whose
	// values are secrets (Mono's mono-sec-key, Yapily's consent): their
	// values are scrubbed from the error too.
	SecretHeaders []string
}

// CheckResponse classifies an answer to the application's own data call, in
// the manner of go-github's CheckResponse: nil for a 2xx that carries no
// signal, a *reauth.APIError otherwise. It reads at most the cap of the body
// and puts back what it read in front of the rest, so the caller reads the
// whole body afterwards as if nothing had happened. A nil response is an
// error wrapping reauth.ErrInvalidResponse.
func CheckResponse(resp *http.Response, cfg CheckConfig) error {
	if resp == nil {
		return &reauth.APIError{Provider: cfg.Provider, Message: "no response", Kind: reauth.ErrInvalidResponse}
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if ok && cfg.Signal == nil {
		return nil
	}
	limit := cfg.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body := peekBody(resp, limit)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	sc := cfg.Scrubber.clone()
	if resp.Request != nil {
		sc.addAuthorizations(resp.Request.Header)
		for _, h := range cfg.SecretHeaders {
			sc.Add(resp.Request.Header.Values(h)...)
		}
	}
	e := newAPIError(cfg.Provider, checkOp(resp), resp, requestID(resp.Header, cfg.RequestIDHeaders), reauth.KindForStatus(resp.StatusCode), now())
	if ok {
		kind := cfg.Signal(e, body, resp.Header)
		if kind == nil {
			return nil
		}
		e.Kind = kind
		sc.APIError(e)
		return e
	}
	if cfg.DecodeError != nil && LooksLikeJSONObject(body) {
		cfg.DecodeError(e, body, resp.Header)
	}
	sc.APIError(e)
	return e
}

// peekBody reads up to limit bytes of resp.Body and replaces the body with
// one that yields those bytes and then the unread rest, closing the original.
func peekBody(resp *http.Response, limit int64) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	orig := resp.Body
	read, err := io.ReadAll(io.LimitReader(orig, limit))
	var rest io.Reader = orig
	if err != nil {
		rest = errReader{err}
	}
	resp.Body = &restoredBody{Reader: io.MultiReader(bytes.NewReader(read), rest), closer: orig}
	return read
}

type restoredBody struct {
	io.Reader
	closer io.Closer
}

func (b *restoredBody) Close() error { return b.closer.Close() }

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// checkOp names a data call as "GET /data/v1/accounts": the request's method
// and path, without host or query.
func checkOp(resp *http.Response) string {
	req := resp.Request
	if req == nil || req.URL == nil {
		return ""
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	return method + " " + req.URL.EscapedPath()
}

func requestID(h http.Header, keys []string) string {
	for _, k := range keys {
		if v := h.Get(k); v != "" {
			return v // scrubbed before it is capped, so no secret is cut in half
		}
	}
	return ""
}

// newAPIError is the APIError every error answer starts from.
func newAPIError(p reauth.Provider, op string, resp *http.Response, reqID string, kind error, now time.Time) *reauth.APIError {
	e := &reauth.APIError{
		Provider:   p,
		Op:         op,
		StatusCode: resp.StatusCode,
		Message:    strings.ToLower(http.StatusText(resp.StatusCode)),
		RequestID:  reqID,
		Kind:       kind,
	}
	if d, ok := RetryAfter(resp.Header, now); ok {
		e.RetryAfter = d
	}
	return e
}
