package finch

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Defaults.
const (
	// DefaultBaseURL is Finch's API. Finch has no separate sandbox host: a
	// sandbox application is chosen by its client id and secret.
	DefaultBaseURL = "https://api.tryfinch.com"
	// DefaultConnectURL is Finch Connect, the hosted UI the legacy
	// [Client.AuthorizeURL] points to.
	DefaultConnectURL = "https://connect.tryfinch.com"
	// APIVersion is sent as Finch-API-Version on every request.
	APIVersion = "2020-09-17"
	// DefaultSessionMinutes is the lifetime of a re-authentication session
	// Begin asks for: 43,200 minutes (30 days), Finch's own default.
	DefaultSessionMinutes = 43200
	// MaxSessionMinutes is the longest session Finch accepts (90 days).
	MaxSessionMinutes = 129600
	// DefaultSessionTTL is DefaultSessionMinutes as a duration.
	DefaultSessionTTL = DefaultSessionMinutes * time.Minute
	// MaxSessionTTL is MaxSessionMinutes as a duration.
	MaxSessionTTL = MaxSessionMinutes * time.Minute
	// DefaultTimeout is the per-attempt timeout of the HTTP client New
	// builds when WithHTTPClient is not given. Finch's error guide says its
	// server may work on a request for up to 6 minutes and asks clients to
	// wait at least that long; 30 seconds are added for the network. The
	// ctx passed to each call still bounds the whole call, retries included.
	DefaultTimeout = 6*time.Minute + 30*time.Second
)

// Header names Finch uses.
const (
	headerVersion   = "Finch-Api-Version" // canonical form of Finch-API-Version
	headerRequestID = "Finch-Request-Id"
)

// Credentials are a Finch application's client id and secret, from the
// Finch Dashboard. The secret is never printed: every fmt verb and LogValue
// show REDACTED.
type Credentials struct {
	ClientID     string
	ClientSecret string
}

func (c Credentials) redacted() reauth.RedactedValue {
	return reauth.Redact("finch.Credentials",
		reauth.Show("ClientID", c.ClientID),
		reauth.Show("ClientSecret", reauth.RedactSecret(c.ClientSecret)))
}

// String prints the client id and REDACTED for the secret.
func (c Credentials) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.redacted().GoString() }

// Format prints the redacted form under every verb.
func (c Credentials) Format(f fmt.State, verb rune) { c.redacted().Format(f, verb) }

// LogValue logs the client id and REDACTED for the secret.
func (c Credentials) LogValue() slog.Value { return c.redacted().LogValue() }

// Client is a Finch API client and the Finch [reauth.Reauthenticator] and
// [reauth.Inspector]. It is immutable after [New] and safe for concurrent
// use.
type Client struct {
	creds          Credentials
	basicAuth      string // "Basic base64(client_id:client_secret)", built once
	base           *url.URL
	connect        *url.URL
	http           *httpx.Client
	httpClient     *http.Client // what http sends through (its Timeout applies)
	sessionMinutes int
	now            func() time.Time
}

var (
	_ reauth.Reauthenticator = (*Client)(nil)
	_ reauth.Inspector       = (*Client)(nil)
)

// Option configures a [Client]. An option may fail: [New] reports every
// failed option at once.
type Option func(*config) error

type config struct {
	httpx.Settings
	baseURL        string
	connectURL     string
	sessionMinutes int
}

// WithHTTPClient sends every request through c (its Transport and Timeout
// apply). By default the Client uses its own pooled *http.Client with a
// per-attempt timeout of [DefaultTimeout]; a client of your own should
// allow at least 6 minutes too (Finch's server limit).
func WithHTTPClient(c *http.Client) Option { return settings(func(o *config) { o.SetHTTPClient(c) }) }

// WithLogger logs requests (operation, status, duration; never a secret).
// By default the Client logs nothing.
func WithLogger(l *slog.Logger) Option { return settings(func(o *config) { o.SetLogger(l) }) }

// WithRetries sets how many times a retry-safe request is sent again and
// the wait bounds; max 0 disables retries. A Retry-After above maxWait is
// not waited for: the call fails with reauth.ErrRateLimited instead.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return settings(func(o *config) { o.SetRetries(max, minWait, maxWait) })
}

// WithUserAgent appends ua to the User-Agent header.
func WithUserAgent(ua string) Option { return settings(func(o *config) { o.SetUserAgent(ua) }) }

// WithClock sets the clock used for flow expiry (tests).
func WithClock(now func() time.Time) Option { return settings(func(o *config) { o.SetClock(now) }) }

// WithMaxResponseBytes caps how much of one answer the Client reads
// (default 1 MiB); a longer answer fails with reauth.ErrInvalidResponse
// instead of being read into memory. Raise it when a legitimate answer is
// larger. n must be positive.
func WithMaxResponseBytes(n int64) Option {
	return settings(func(o *config) { o.SetMaxResponseBytes(n) })
}

// settings wraps an option that sets the shared Settings, whose Set methods
// record their own problems (New collects them).
func settings(set func(*config)) Option {
	return func(o *config) error { set(o); return nil }
}

// WithBaseURL points the Client at another API host, such as a
// [github.com/reauthkit/reauthkit/finch/finchtest] server. A path prefix is
// kept: requests go below it.
func WithBaseURL(u string) Option { return settings(func(o *config) { o.baseURL = u }) }

// WithConnectURL points [Client.AuthorizeURL] at another Finch Connect host.
func WithConnectURL(u string) Option { return settings(func(o *config) { o.connectURL = u }) }

// WithSessionTTL sets the lifetime of the re-authentication sessions Begin
// opens, sent as minutes_to_expire (whole minutes: a remainder is dropped).
// It must lie between one minute and [MaxSessionTTL] (90 days); the
// default is [DefaultSessionTTL] (30 days). The flow's ExpiresAt follows it.
func WithSessionTTL(d time.Duration) Option {
	return func(o *config) error {
		if d < time.Minute || d > MaxSessionTTL {
			return fmt.Errorf("WithSessionTTL: %s is outside 1m..%s", d, MaxSessionTTL)
		}
		o.sessionMinutes = int(d / time.Minute)
		return nil
	}
}

// WithSessionMinutes sets the session lifetime in minutes.
//
// Deprecated: use [WithSessionTTL], which takes a time.Duration like every
// other duration option.
func WithSessionMinutes(m int) Option {
	if m < 1 || m > MaxSessionMinutes {
		return func(*config) error {
			return fmt.Errorf("WithSessionMinutes: %d is outside 1..%d", m, MaxSessionMinutes)
		}
	}
	return WithSessionTTL(time.Duration(m) * time.Minute)
}

// New returns a Client for the application creds. It checks every argument
// and option, reports all problems at once in one error
// ("finch: new client: ...", wrapping reauth.ErrInvalidRequest), and makes
// no network call.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{
		Settings:       httpx.DefaultSettings(),
		baseURL:        DefaultBaseURL,
		connectURL:     DefaultConnectURL,
		sessionMinutes: DefaultSessionMinutes,
	}
	b := httpx.NewBuilder(reauth.Finch)
	b.Credential("Credentials.ClientID", creds.ClientID)
	b.Secret("Credentials.ClientSecret", creds.ClientSecret)
	httpx.Apply(b, &cfg, opts...)
	base := b.BaseURL("WithBaseURL", cfg.baseURL)
	connect := b.BaseURL("WithConnectURL", cfg.connectURL)
	b.Settings(&cfg.Settings)
	if err := b.Err(); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = newDefaultHTTPClient()
	}
	// The secret travels as Basic base64(id:secret) and in the token body;
	// Finch may echo either form in an error.
	scrub := httpx.NewScrubber()
	scrub.AddBasic(creds.ClientID, creds.ClientSecret)
	hc, err := httpx.New(httpx.Config{
		Provider:         reauth.Finch,
		Settings:         cfg.Settings,
		RequestIDHeaders: []string{headerRequestID},
		DecodeError:      decodeError,
		Scrubber:         scrub,
	})
	if err != nil {
		b.Check(err)
		return nil, b.Err()
	}
	return &Client{
		creds:          creds,
		basicAuth:      "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.ClientID+":"+creds.ClientSecret)),
		base:           base,
		connect:        connect,
		http:           hc,
		httpClient:     cfg.HTTPClient,
		sessionMinutes: cfg.sessionMinutes,
		now:            hc.Now,
	}, nil
}

// newDefaultHTTPClient is the Client's own pooled *http.Client, with
// Finch's longer per-attempt timeout.
func newDefaultHTTPClient() *http.Client {
	hc := httpx.NewDefaultHTTPClient()
	hc.Timeout = DefaultTimeout
	return hc
}

// Provider returns reauth.Finch.
func (c *Client) Provider() reauth.Provider { return reauth.Finch }

// errNilClient is what every method of a nil or zero Client returns.
var errNilClient = fmt.Errorf("finch: nil or zero Client (use finch.New): %w", reauth.ErrInvalidRequest)

// ready reports whether c was built by New.
func (c *Client) ready() error {
	if c == nil || c.http == nil || c.base == nil {
		return errNilClient
	}
	return nil
}

func (c Client) redacted() reauth.RedactedValue {
	base := ""
	if c.base != nil {
		base = c.base.String()
	}
	return reauth.Redact("finch.Client",
		reauth.Show("BaseURL", base),
		reauth.Show("ClientID", c.creds.ClientID),
		reauth.Show("ClientSecret", reauth.RedactSecret(c.creds.ClientSecret)))
}

// String describes the client without its secret. It has a value receiver
// so that a Client printed by value is covered too.
func (c Client) String() string { return c.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (c Client) GoString() string { return c.redacted().GoString() }

// Format prints the redacted form under every verb, so no verb reaches the
// secret.
func (c Client) Format(f fmt.State, verb rune) { c.redacted().Format(f, verb) }

// LogValue logs the client without its secret.
func (c Client) LogValue() slog.Value { return c.redacted().LogValue() }

// bearer returns the headers of a data endpoint called with accessToken.
func bearer(accessToken string) http.Header {
	return http.Header{"Authorization": {"Bearer " + accessToken}, headerVersion: {APIVersion}}
}

// basic returns the headers of a connect-session endpoint.
func (c *Client) basic() http.Header {
	return http.Header{"Authorization": {c.basicAuth}, headerVersion: {APIVersion}}
}

// versionOnly returns the headers of /auth/token, whose credentials travel
// in the body.
func versionOnly() http.Header {
	return http.Header{headerVersion: {APIVersion}}
}
