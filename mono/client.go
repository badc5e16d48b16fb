package mono

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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

func (c Credentials) redacted() string {
	if c.SecretKey == "" {
		return ""
	}
	return reauth.Redacted
}

// String prints the credentials with the secret key redacted.
func (c Credentials) String() string { return "Credentials{SecretKey: " + c.redacted() + "}" }

// GoString is String for %#v.
func (c Credentials) GoString() string {
	return fmt.Sprintf("mono.Credentials{SecretKey:%q}", c.redacted())
}

// LogValue logs the credentials with the secret key redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("SecretKey", c.redacted()))
}

// Client talks to Mono and implements [reauth.Reauthenticator]. It is
// immutable after [New]; a Client is safe for concurrent use.
type Client struct {
	http     *httpx.Client
	base     *url.URL
	key      string
	secrets  []string // {key}: read-only, shared by key-only requests
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

// Option configures a [Client].
type Option func(*config)

// WithHTTPClient sends every request through hc (its Transport, Timeout
// and redirect policy).
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.http.SetHTTPClient(hc) } }

// WithLogger logs each request's operation, status and duration (never a
// header, body or secret) at Debug, and failures at Warn. Nil is silent.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.http.SetLogger(l) } }

// WithRetries sets how many times a retry-safe request is repeated (max; 0
// disables retries) and the backoff bounds. A Retry-After longer than
// maxWait returns reauth.ErrRateLimited instead of sleeping.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return func(c *config) { c.http.SetRetries(max, minWait, maxWait) }
}

// WithUserAgent appends ua to the SDK's User-Agent.
func WithUserAgent(ua string) Option { return func(c *config) { c.http.SetUserAgent(ua) } }

// WithClock sets the clock used for flow expiry and timestamps (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.http.SetClock(now) } }

// WithBaseURL points the client at another Mono host (a simulator, a
// proxy). A path prefix is kept: requests go below it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithLinkMode makes Begin use Mono's hosted re-auth link (POST
// /v2/accounts/initiate) instead of the headless Partners API: Begin returns
// a redirect flow and Continue reads the callback. See package doc.
func WithLinkMode() Option { return func(c *config) { c.linkMode = true } }

// WithPartnersAPIV1 makes Begin use the legacy Partners API v1 flow
// (POST /accounts/{id}/reauthorise, POST /v1/connect/session, POST
// /v1/connect/commit) instead of the current v2 re-auth session. Mono
// deprecated v1 in February 2024; use it only for an app still on it.
func WithPartnersAPIV1() Option { return func(c *config) { c.v1 = true } }

// New returns a Client for creds. It validates every argument and option,
// reports all problems at once, makes no network call and reads no
// environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{http: httpx.DefaultSettings(), baseURL: DefaultBaseURL}
	for i, o := range opts {
		if o == nil {
			cfg.http.Fail("option %d is nil", i)
			continue
		}
		o(&cfg)
	}
	var errs []error
	if creds.SecretKey == "" {
		errs = append(errs, errors.New("Credentials.SecretKey is required"))
	} else if !validHeaderValue(creds.SecretKey) {
		errs = append(errs, errors.New("Credentials.SecretKey contains invalid characters"))
	}
	base, err := httpx.ParseBaseURL("WithBaseURL", cfg.baseURL)
	if err != nil {
		errs = append(errs, err)
	}
	if err := cfg.http.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("mono: new client: %w", errors.Join(errs...))
	}
	if cfg.http.Clock == nil {
		cfg.http.Clock = time.Now
	}
	core, err := httpx.New(httpx.Config{
		Provider:         reauth.Mono,
		Settings:         cfg.http,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
	})
	if err != nil {
		return nil, fmt.Errorf("mono: new client: %w", err)
	}
	return &Client{http: core, base: base, key: creds.SecretKey, secrets: []string{creds.SecretKey}, linkMode: cfg.linkMode, v1: cfg.v1}, nil
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

// String describes the client without its secret key. It has a value
// receiver so that a Client printed by value is redacted too.
func (c Client) String() string {
	base := ""
	if c.base != nil {
		base = reauth.RedactURL(c.base.String())
	}
	return fmt.Sprintf("mono.Client{BaseURL: %s, LinkMode: %t, PartnersAPIV1: %t, SecretKey: %s}", base, c.linkMode, c.v1, reauth.Redacted)
}

// GoString is String for %#v.
func (c Client) GoString() string { return c.String() }

// LogValue logs the client without its secret key.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("mono.Client(nil)")
	}
	base := ""
	if c.base != nil {
		base = reauth.RedactURL(c.base.String())
	}
	return slog.GroupValue(slog.String("BaseURL", base), slog.Bool("LinkMode", c.linkMode), slog.Bool("PartnersAPIV1", c.v1))
}
