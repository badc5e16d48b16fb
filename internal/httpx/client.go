package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// ErrorDecoder reads a provider's error body into e. The core has already set
// Provider, Op, StatusCode, RequestID, RetryAfter, a default Message and the
// default Kind for the status; the decoder sets Code and Message and may
// change Kind (Finch 401 reauthenticate_user → ErrReauthRequired). It is
// called only for bodies that look like JSON objects, and must tolerate any
// of them.
type ErrorDecoder func(e *reauth.APIError, body []byte, h http.Header)

// Config describes one provider's use of the core.
type Config struct {
	Provider reauth.Provider
	Settings Settings
	// RequestIDHeaders are the response headers that carry the provider's
	// request id, in order of preference.
	RequestIDHeaders []string
	// DecodeError maps an error body to the APIError; nil keeps the defaults.
	DecodeError ErrorDecoder
	// Scrubber holds the client's own secrets (its client secret, in every
	// form: Add, AddBasic), scrubbed from every error besides each
	// request's Secrets.
	Scrubber *Scrubber
}

// Client sends requests for one provider. It is immutable after New and safe
// for concurrent use.
type Client struct {
	provider  reauth.Provider
	hc        *http.Client // a copy of the caller's, that never follows redirects
	retryMax  int
	waitMin   time.Duration
	userAgent string
	maxBody   int64
	logger    *slog.Logger
	now       func() time.Time
	idHeaders []string
	decodeErr ErrorDecoder
	scrub     *Scrubber
	waitMax   time.Duration
}

// UserAgentPrefix starts every User-Agent the SDK sends.
const UserAgentPrefix = "reauthkit-go"

// New returns a Client; it reports every invalid setting.
func New(cfg Config) (*Client, error) {
	s := cfg.Settings
	if err := s.Err(); err != nil {
		return nil, err
	}
	hc := s.HTTPClient
	if hc == nil {
		hc = NewDefaultHTTPClient()
	}
	if s.MaxBodyBytes <= 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	c := &Client{
		provider:  cfg.Provider,
		hc:        NoRedirects(hc),
		retryMax:  s.RetryMax,
		waitMin:   s.WaitMin,
		maxBody:   s.MaxBodyBytes,
		logger:    s.Logger,
		now:       s.Now,
		idHeaders: cfg.RequestIDHeaders,
		decodeErr: cfg.DecodeError,
		scrub:     cfg.Scrubber.clone(),
		waitMax:   s.WaitMax,
		userAgent: UserAgentPrefix,
	}
	if s.UserAgent != "" {
		c.userAgent += " " + s.UserAgent
	}
	return c, nil
}

// Now returns the configured clock's time.
func (c *Client) Now() time.Time {
	if c == nil || c.now == nil {
		return time.Now()
	}
	return c.now()
}

// Logger returns the configured logger, or nil when the client is silent.
func (c *Client) Logger() *slog.Logger {
	if c == nil {
		return nil
	}
	return c.logger
}

// Provider returns the provider this client talks to.
func (c *Client) Provider() reauth.Provider {
	if c == nil {
		return ""
	}
	return c.provider
}

// Request is one call to a provider endpoint.
type Request struct {
	Method string
	Base   *url.URL
	// Path is the escaped path below Base, e.g. "/consents/v1/" + url.PathEscape(id).
	Path string
	// Route names the endpoint in errors and logs when Path holds ids
	// ("/consents/v1/{id}"); empty means Path.
	Route  string
	Query  url.Values
	Header http.Header
	// Body is sent as is, with ContentType; see SetJSON and SetForm.
	Body        []byte
	ContentType string
	// OneTime marks a request that spends something that cannot be spent
	// twice (an authorisation code, an OTP): it is retried only when it
	// provably never left (a dial error) or on 429. Everything else is
	// retried on network errors, 429, 502, 503 and 504.
	OneTime bool
	// Secrets are values (tokens, codes, client secrets) scrubbed, in every
	// encoded form, from every error and log line this request produces. The
	// credential of an Authorization header is added without being listed.
	Secrets []string
	// Scrubber, when set, adds the forms its caller registered (AddBasic,
	// AddForm) to Secrets.
	Scrubber *Scrubber
	// ErrorStatuses lists 2xx statuses that carry no result for this
	// endpoint (Finch answers 202 data_sync_in_progress while it syncs):
	// they become an *reauth.APIError of the given kind, decoded like any
	// error answer.
	ErrorStatuses map[int]error
}

// Op is the operation as shown in errors: method and route, no host, query
// or id.
func (r *Request) Op() string {
	if r == nil {
		return ""
	}
	route := r.Route
	if route == "" {
		route = r.Path
	}
	return r.Method + " " + route
}

// SetJSON encodes v as the JSON body.
func (r *Request) SetJSON(v any) error {
	if r == nil {
		return errors.New("encoding request body: nil *Request")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding request body: %w", err)
	}
	r.Body, r.ContentType = b, "application/json"
	return nil
}

// SetForm sets an application/x-www-form-urlencoded body.
func (r *Request) SetForm(v url.Values) {
	if r == nil {
		return
	}
	r.Body, r.ContentType = []byte(v.Encode()), "application/x-www-form-urlencoded"
}

// Response is a 2xx answer, read whole (within the body cap).
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// RequestID is the provider's request id, when a configured header had one.
	RequestID string
}

// Do sends req with retries and returns the 2xx answer. A non-2xx answer is
// an *reauth.APIError; a transport failure wraps the cause (context errors
// stay visible to errors.Is) and ErrProviderUnavailable. No error contains
// req.Secrets, a header or a query string.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if c == nil || c.hc == nil || req == nil || ctx == nil {
		return nil, fmt.Errorf("httpx: nil client, request or context: %w", reauth.ErrInvalidRequest)
	}
	op := req.Op()
	if err := ctx.Err(); err != nil {
		return nil, c.transportError(op, err, nil)
	}
	if req.Base == nil {
		return nil, fmt.Errorf("%s: %s: no base URL: %w", c.provider, op, reauth.ErrInvalidRequest)
	}
	rawURL := joinRaw(req.Base, req.Path, req.Query)
	first, err := c.newAttempt(ctx, req, rawURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: building request: %w", c.provider, op, reauth.ErrInvalidRequest)
	}
	start := time.Now()
	resp, err := c.send(ctx, req, op, rawURL, first)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		sc := c.scrubber(req)
		c.log(ctx, slog.LevelWarn, "request failed", op, 0, start, sc, err)
		return nil, c.transportError(op, err, sc)
	}
	defer resp.Body.Close()
	out, readErr := c.readBody(resp.Body, resp.ContentLength)
	if readErr != nil && ctx.Err() != nil {
		// The caller's deadline or cancel, not a broken provider.
		sc := c.scrubber(req)
		readErr = fmt.Errorf("reading response body: %w", ctx.Err())
		c.log(ctx, slog.LevelWarn, "request failed", op, resp.StatusCode, start, sc, readErr)
		return nil, c.transportError(op, readErr, sc)
	}
	reqID := c.requestID(resp.Header)
	kind, isError := req.ErrorStatuses[resp.StatusCode]
	if resp.StatusCode < 200 || resp.StatusCode > 299 || isError {
		if !isError {
			kind = reauth.KindForStatus(resp.StatusCode)
		}
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			kind = reauth.ErrInvalidResponse // a redirect is never followed
		}
		sc := c.scrubber(req)
		apiErr := c.apiError(op, resp, out, reqID, kind, sc)
		c.log(ctx, slog.LevelDebug, "request answered with an error", op, resp.StatusCode, start, sc, apiErr)
		return nil, apiErr
	}
	if readErr != nil {
		sc := c.scrubber(req)
		c.log(ctx, slog.LevelWarn, "response unreadable", op, resp.StatusCode, start, sc, readErr)
		return nil, c.invalidResponse(op, readErr, sc)
	}
	c.log(ctx, slog.LevelDebug, "request done", op, resp.StatusCode, start, nil, nil)
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: out, RequestID: textx.Truncate(reqID, MaxRequestIDBytes)}, nil
}

// DoJSON is Do followed by DecodeJSON into out.
func (c *Client) DoJSON(ctx context.Context, req *Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := c.DecodeJSON(req.Op(), resp.Body, out); err != nil {
		return resp, err
	}
	return resp, nil
}

// DecodeJSON decodes a 2xx body leniently (unknown fields are ignored). A
// body that is empty or not the expected JSON is an error wrapping
// reauth.ErrInvalidResponse.
func (c *Client) DecodeJSON(op string, body []byte, out any) error {
	if c == nil {
		return fmt.Errorf("httpx: nil client: %w", reauth.ErrInvalidResponse)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return c.invalidResponse(op, errors.New("empty body"), nil)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return c.invalidResponse(op, err, nil)
	}
	return nil
}

// errTooLarge marks a body over the cap.
var errTooLarge = errors.New("response body over the size cap")

// readBody reads at most maxBody bytes; a longer body is errTooLarge and is
// not read further. A Content-Length over the cap is refused unread. The
// buffer doubles from 16 KiB, so a capped read allocates about twice the cap
// at worst.
func (c *Client) readBody(r io.Reader, contentLength int64) ([]byte, error) {
	if contentLength > c.maxBody {
		return nil, fmt.Errorf("%w (%d bytes)", errTooLarge, c.maxBody)
	}
	limit := c.maxBody + 1
	size := int64(16 << 10)
	if contentLength >= 0 {
		size = contentLength + 1 // +1 sees EOF without growing
	}
	buf := make([]byte, 0, min(size, limit))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf[:c.maxBody], fmt.Errorf("%w (%d bytes)", errTooLarge, c.maxBody)
			}
			grown := make([]byte, len(buf), min(int64(cap(buf))*2, limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, fmt.Errorf("reading body: %w", err)
		}
	}
}

func (c *Client) requestID(h http.Header) string { return requestID(h, c.idHeaders) }

func (c *Client) apiError(op string, resp *http.Response, body []byte, reqID string, kind error, sc *Scrubber) *reauth.APIError {
	e := newAPIError(c.provider, op, resp, reqID, kind, c.now())
	if c.decodeErr != nil && LooksLikeJSONObject(body) {
		c.decodeErr(e, body, resp.Header)
	}
	sc.APIError(e)
	return e
}

// scrubber is built only when a request failed: the forms of its secrets
// cost a few allocations a good call does not pay.
func (c *Client) scrubber(r *Request) *Scrubber {
	sc := c.scrub.clone()
	sc.merge(r.Scrubber)
	sc.Add(r.Secrets...)
	sc.addAuthorizations(r.Header)
	return sc
}

// LooksLikeJSONObject reports whether body starts, after spaces, with '{'.
func LooksLikeJSONObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '{'
}

// scrubbedError is a transport or decode error whose text has been cleaned
// of secrets and URLs; Unwrap still reaches the sentinel and the cause, so
// errors.Is(err, context.Canceled) keeps working.
type scrubbedError struct {
	msg   string
	kinds []error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.kinds }

// Format prints the scrubbed message under every verb: %d or %t would
// otherwise print the raw cause it keeps for errors.Is.
func (e *scrubbedError) Format(s fmt.State, verb rune) { reauth.FormatError(s, verb, e) }

func (c *Client) transportError(op string, err error, sc *Scrubber) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // its text holds the full URL; keep only the cause
	}
	msg := fmt.Sprintf("%s: %s: %s", c.provider, op, sc.String(cause.Error()))
	kinds := []error{cause}
	if !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		kinds = append(kinds, reauth.ErrProviderUnavailable)
	}
	return &scrubbedError{msg: msg, kinds: kinds}
}

func (c *Client) invalidResponse(op string, err error, sc *Scrubber) error {
	msg := fmt.Sprintf("%s: %s: invalid response: %s", c.provider, op, sc.String(err.Error()))
	return &scrubbedError{msg: msg, kinds: []error{reauth.ErrInvalidResponse}}
}

// InvalidResponse returns an error wrapping reauth.ErrInvalidResponse for a
// 2xx answer a provider package found unusable; why must hold no secret.
func (c *Client) InvalidResponse(op, why string) error {
	if c == nil {
		return fmt.Errorf("%s: invalid response: %s: %w", op, why, reauth.ErrInvalidResponse)
	}
	return c.invalidResponse(op, errors.New(why), nil)
}

func (c *Client) log(ctx context.Context, level slog.Level, msg, op string, status int, start time.Time, sc *Scrubber, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("provider", string(c.provider)),
		slog.String("op", op),
		slog.Duration("elapsed", time.Since(start)),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", sc.String(err.Error())))
	}
	c.logger.LogAttrs(ctx, level, "reauthkit: "+msg, attrs...)
}
