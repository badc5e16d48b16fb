// Package httpx is the HTTP core every provider package builds on: request
// building under a base URL, retries that know which operations are safe to
// repeat, Retry-After, a capped body reader, typed errors and scrubbing of
// secrets ([Scrubber]), and the checks of a provider's New ([Builder]). No
// user imports it; each provider wraps it in its own options.
//
// Redirects are never followed, whatever *http.Client the user passes: a
// 3xx is an *reauth.APIError (kind ErrInvalidResponse). The retry loop is
// our own (go-retryablehttp's closes idle connections after every failed
// call, emptying the pool other callers share); it keeps go-retryablehttp's
// classification of network errors.
package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for Settings.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultRetryMax     = 3
	DefaultWaitMin      = 500 * time.Millisecond
	DefaultWaitMax      = 10 * time.Second
	DefaultMaxBodyBytes = 1 << 20
)

// Settings are the options every provider Client shares. Provider option
// functions call the Set methods, which record invalid values so that the
// provider's New can report them all at once instead of panicking.
type Settings struct {
	HTTPClient   *http.Client
	Logger       *slog.Logger
	RetryMax     int
	WaitMin      time.Duration
	WaitMax      time.Duration
	UserAgent    string
	Clock        func() time.Time
	MaxBodyBytes int64

	errs []error
}

// DefaultSettings returns the defaults: our own pooled *http.Client, silent
// logging, 3 retries waiting 0.5 s to 10 s, a 1 MiB body cap, the real clock.
func DefaultSettings() Settings {
	return Settings{
		RetryMax:     DefaultRetryMax,
		WaitMin:      DefaultWaitMin,
		WaitMax:      DefaultWaitMax,
		MaxBodyBytes: DefaultMaxBodyBytes,
	}
}

// Fail records a problem found while applying an option.
func (s *Settings) Fail(format string, args ...any) {
	if s == nil {
		return
	}
	s.errs = append(s.errs, fmt.Errorf(format, args...))
}

// SetHTTPClient sets the client used for every request; nil is an error.
func (s *Settings) SetHTTPClient(c *http.Client) {
	if c == nil || s == nil {
		s.Fail("WithHTTPClient: nil *http.Client")
		return
	}
	s.HTTPClient = c
}

// SetLogger sets the logger; nil keeps the client silent.
func (s *Settings) SetLogger(l *slog.Logger) {
	if s != nil {
		s.Logger = l
	}
}

// SetRetries sets how often and how long to retry. max 0 disables retries.
func (s *Settings) SetRetries(max int, minWait, maxWait time.Duration) {
	switch {
	case s == nil:
	case max < 0:
		s.Fail("WithRetries: negative retry count %d", max)
	case minWait < 0 || maxWait < 0:
		s.Fail("WithRetries: negative wait")
	case maxWait < minWait:
		s.Fail("WithRetries: max wait %s below min wait %s", maxWait, minWait)
	default:
		s.RetryMax, s.WaitMin, s.WaitMax = max, minWait, maxWait
	}
}

// SetUserAgent sets the User-Agent suffix; control characters are an error.
func (s *Settings) SetUserAgent(ua string) {
	if s == nil || strings.ContainsAny(ua, "\r\n\x00") {
		s.Fail("WithUserAgent: control characters in user agent")
		return
	}
	s.UserAgent = ua
}

// SetClock sets the clock used for expiry decisions; nil is an error.
func (s *Settings) SetClock(now func() time.Time) {
	if now == nil || s == nil {
		s.Fail("WithClock: nil clock")
		return
	}
	s.Clock = now
}

// SetMaxResponseBytes caps how much of an answer is read (default 1 MiB),
// for providers' WithMaxResponseBytes; n <= 0 is an error.
func (s *Settings) SetMaxResponseBytes(n int64) {
	if n <= 0 {
		s.Fail("WithMaxResponseBytes: %d is not a positive size", n)
		return
	}
	s.MaxBodyBytes = n
}

// Err returns every problem recorded by the Set methods, joined.
func (s *Settings) Err() error {
	if s == nil {
		return nil
	}
	return errors.Join(s.errs...)
}

// Now returns the configured clock's time.
func (s *Settings) Now() time.Time {
	if s != nil && s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// NewDefaultHTTPClient returns the client used when the caller gives none: a
// per-attempt timeout and a transport of its own, pooled so that concurrent
// calls reuse connections instead of opening new ones.
func NewDefaultHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: DefaultTimeout,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        512,
			MaxIdleConnsPerHost: 256,
			// MaxConnsPerHost bounds churn: under a burst, net/http may dial
			// a new connection while a finished one is still on its way back
			// to the pool; with a cap, the request waits for it instead.
			MaxConnsPerHost:       256,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}

// ParseBaseURL validates a base URL option: absolute http(s), a host, no
// query, fragment or credentials. A path prefix is kept; a trailing slash is
// dropped so that request paths join cleanly.
func ParseBaseURL(option, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: not a URL", option)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%s: scheme must be http or https", option)
	case u.Host == "":
		return nil, fmt.Errorf("%s: no host", option)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("%s: must not carry a query or fragment", option)
	case u.User != nil:
		return nil, fmt.Errorf("%s: must not carry credentials", option)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}

// JoinURL returns base with the escaped path appended below its prefix and
// the query set.
func JoinURL(base *url.URL, escapedPath string, query url.Values) (*url.URL, error) {
	if base == nil {
		return nil, errors.New("no base URL")
	}
	return url.Parse(joinRaw(base, escapedPath, query))
}

// joinRaw is JoinURL as a string, without parsing: the request constructor
// parses it once.
func joinRaw(base *url.URL, escapedPath string, query url.Values) string {
	var b strings.Builder
	b.Grow(len(base.Scheme) + len(base.Host) + len(base.Path) + len(escapedPath) + 8)
	b.WriteString(base.Scheme)
	b.WriteString("://")
	b.WriteString(base.Host)
	b.WriteString(base.EscapedPath())
	if !strings.HasPrefix(escapedPath, "/") {
		b.WriteByte('/')
	}
	b.WriteString(escapedPath)
	if len(query) > 0 {
		b.WriteByte('?')
		b.WriteString(query.Encode())
	}
	return b.String()
}
