package mono

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// DefaultBaseURL is Mono's API, for test and live keys alike: the key
// chooses the environment.
const DefaultBaseURL = "https://api.withmono.com"

// Header names Mono uses.
const (
	// HeaderSecretKey carries the application's secret key on every call.
	HeaderSecretKey = "mono-sec-key"
	// HeaderSessionID names the Connect session a commit answers.
	HeaderSessionID = "x-session-id"
	// HeaderWebhookSecret carries the shared webhook secret on deliveries.
	HeaderWebhookSecret = "mono-webhook-secret"
	// HeaderJobStatus is set on real-time data answers: finished,
	// processing or failed.
	HeaderJobStatus = "x-job-status"
	// HeaderReauthRequired is set on a data answer when the account needs
	// the user to re-authenticate.
	HeaderReauthRequired = "x-reauth-required"
)

// Credentials are the application's Mono credentials. SecretKey is a secret:
// String, GoString and LogValue print REDACTED.
type Credentials struct {
	// SecretKey is the app's secret key (test_sk_… or live_sk_…), sent as
	// the mono-sec-key header.
	SecretKey string
}

func (c Credentials) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.Credentials", reauth.Show("SecretKey", reauth.RedactSecret(c.SecretKey)))
}

// Format prints the credentials redacted under every verb.
func (c Credentials) Format(f fmt.State, verb rune) { c.redacted().Format(f, verb) }

// String prints the credentials with the secret key redacted.
func (c Credentials) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.redacted().GoString() }

// LogValue logs the credentials with the secret key redacted.
func (c Credentials) LogValue() slog.Value { return c.redacted().LogValue() }

// Client talks to Mono and implements [reauth.Reauthenticator]. It is
// immutable after [New]; a Client is safe for concurrent use.
type Client struct {
	http     *httpx.Client
	base     *url.URL
	key      string
	linkMode bool
	v1       bool
}

var _ reauth.Reauthenticator = (*Client)(nil)

type config struct {
	http     httpx.Settings
	baseURL  string
	linkMode bool
	v1       bool
}

// Option configures a [Client]. An option may fail: [New] reports it.
type Option func(*config) error

// set wraps an option that cannot fail.
func set(f func(*config)) Option { return func(c *config) error { f(c); return nil } }

// WithHTTPClient sends every request through hc (its Transport, Timeout
// and redirect policy).
func WithHTTPClient(hc *http.Client) Option { return set(func(c *config) { c.http.SetHTTPClient(hc) }) }

// WithLogger logs each request's operation, status and duration (never a
// header, body or secret) at Debug, and failures at Warn. Nil is silent.
func WithLogger(l *slog.Logger) Option { return set(func(c *config) { c.http.SetLogger(l) }) }

// WithRetries sets how many times a retry-safe request is repeated (max; 0
// disables retries) and the backoff bounds. A Retry-After longer than
// maxWait returns reauth.ErrRateLimited instead of sleeping.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return set(func(c *config) { c.http.SetRetries(max, minWait, maxWait) })
}

// WithUserAgent appends ua to the SDK's User-Agent.
func WithUserAgent(ua string) Option { return set(func(c *config) { c.http.SetUserAgent(ua) }) }

// WithClock sets the clock used for flow expiry and timestamps (tests).
func WithClock(now func() time.Time) Option { return set(func(c *config) { c.http.SetClock(now) }) }

// WithBaseURL points the client at another Mono host (a simulator, a
// proxy). A path prefix is kept: requests go below it.
func WithBaseURL(u string) Option { return set(func(c *config) { c.baseURL = u }) }

// WithLinkMode makes Begin use Mono's hosted re-auth link (POST
// /v2/accounts/initiate) instead of the headless Partners API: Begin returns
// a redirect flow and Continue reads the callback. See package doc.
func WithLinkMode() Option { return set(func(c *config) { c.linkMode = true }) }

// WithPartnersAPIV1 makes Begin use the legacy Partners API v1 flow
// (POST /accounts/{id}/reauthorise, POST /v1/connect/session, POST
// /v1/connect/commit) instead of the current v2 re-auth session. Mono
// deprecated v1 in February 2024; use it only for an app still on it.
func WithPartnersAPIV1() Option { return set(func(c *config) { c.v1 = true }) }

// WithMaxResponseBytes caps how much of one Mono answer is read (default
// 1 MiB); a longer answer is refused with reauth.ErrInvalidResponse. Raise
// it for an account with a very long transaction page. n <= 0 is an error.
func WithMaxResponseBytes(n int64) Option {
	return set(func(c *config) { c.http.SetMaxResponseBytes(n) })
}

// New returns a Client for creds. It validates every argument and option,
// reports all problems at once, makes no network call and reads no
// environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{http: httpx.DefaultSettings(), baseURL: DefaultBaseURL}
	b := httpx.NewBuilder(reauth.Mono)
	httpx.Apply(b, &cfg, opts...)
	b.Secret("Credentials.SecretKey", creds.SecretKey)
	if !validHeaderValue(creds.SecretKey) && !strings.ContainsAny(creds.SecretKey, "\r\n\x00") {
		b.Fail("Credentials.SecretKey contains control characters") // those the builder lets through
	}
	base := b.BaseURL("WithBaseURL", cfg.baseURL)
	b.Settings(&cfg.http)
	if err := b.Err(); err != nil {
		return nil, err
	}
	core, err := httpx.New(httpx.Config{
		Provider:         reauth.Mono,
		Settings:         cfg.http,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
		Scrubber:         httpx.NewScrubber(creds.SecretKey),
	})
	if err != nil { // unreachable: the builder checked the settings
		b.Check(err)
		return nil, b.Err()
	}
	return &Client{http: core, base: base, key: creds.SecretKey, linkMode: cfg.linkMode, v1: cfg.v1}, nil
}

// Provider returns reauth.Mono.
func (c *Client) Provider() reauth.Provider { return reauth.Mono }

// errNilClient is what every method of a nil or zero *Client returns.
var errNilClient = fmt.Errorf("mono: nil client (use mono.New): %w", reauth.ErrInvalidRequest)

// usable reports an error for a nil or zero Client.
func (c *Client) usable() error {
	if c == nil || c.http == nil || c.base == nil {
		return errNilClient
	}
	return nil
}

func (c *Client) now() time.Time { return c.http.Now() }

// header returns the headers every call carries.
func (c *Client) header() http.Header {
	h := make(http.Header, 2)
	h.Set(HeaderSecretKey, c.key)
	return h
}

// validHeaderValue rejects control characters, which would break or smuggle
// headers.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return false
		}
	}
	return true
}

func (c Client) redacted() reauth.RedactedValue {
	base := ""
	if c.base != nil {
		base = reauth.RedactURL(c.base.String())
	}
	return reauth.Redact("mono.Client", reauth.Show("BaseURL", base), reauth.Show("LinkMode", c.linkMode),
		reauth.Show("PartnersAPIV1", c.v1), reauth.Show("SecretKey", reauth.RedactSecret(c.key)))
}

// Format prints the client redacted under every verb. It and String have
// value receivers so that a Client printed by value is redacted too.
func (c Client) Format(f fmt.State, verb rune) { c.redacted().Format(f, verb) }

// String describes the client without its secret key.
func (c Client) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Client) GoString() string { return c.redacted().GoString() }

// LogValue logs the client without its secret key.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("mono.Client(nil)")
	}
	return c.redacted().LogValue()
}
