package atto

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/tokencache"
	"github.com/reauthkit/reauthkit/reauth"
)

// Default endpoints and durations.
const (
	// DefaultBaseURL is Atto's UK API.
	DefaultBaseURL = "https://uk.api.atto.co"
	// USBaseURL is Atto's US API; pass it to [WithBaseURL].
	USBaseURL = "https://us.api.atto.co"
	// DefaultConnectURL is Atto Connect, where re-auth links point.
	DefaultConnectURL = "https://connect.atto.co"
	// DefaultMinLinkValidity is how long the token inside a link must still
	// be valid when the link is handed out (see [WithMinLinkValidity]).
	DefaultMinLinkValidity = 45 * time.Minute
	// DefaultLeadTime is how close to consentEnd a consent counts as
	// expiring soon (see [WithLeadTime]).
	DefaultLeadTime = 7 * 24 * time.Hour
	// DefaultTokenLifetime is the lifetime assumed when the token answer
	// carries no expires_in (Atto documents one hour).
	DefaultTokenLifetime = time.Hour
)

// Token scopes the client asks for.
const (
	// ScopeConsent is the scope of the Consent API and of Connect links.
	ScopeConsent = "api:consent"
	// ScopeStoredData is the scope of the stored-data refresh endpoint.
	ScopeStoredData = "api:stored_data"
)

// Credentials are the application's Atto client credentials. Every fmt
// verb and slog print the secret as REDACTED.
type Credentials struct {
	ClientID     string
	ClientSecret string
}

func (c Credentials) redacted() reauth.RedactedValue {
	return reauth.Redact("atto.Credentials",
		reauth.Show("ClientID", c.ClientID),
		reauth.Show("ClientSecret", reauth.RedactSecret(c.ClientSecret)))
}

// Format prints the credentials with the secret redacted under every verb.
func (c Credentials) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }

// String prints the credentials with the secret redacted.
func (c Credentials) String() string { return c.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (c Credentials) GoString() string { return c.redacted().GoString() }

// LogValue logs the client id and REDACTED for the secret.
func (c Credentials) LogValue() slog.Value { return c.redacted().LogValue() }

// config is what the options set.
type config struct {
	http            httpx.Settings
	baseURL         *url.URL
	connectURL      *url.URL
	leadTime        time.Duration
	minLinkValidity time.Duration
}

// Option configures a [Client]. An option that returns an error makes [New]
// fail with it.
type Option func(*config) error

// settings wraps a setter of the shared settings, which records its own
// problems for New.
func settings(set func(*httpx.Settings)) Option {
	return func(c *config) error { set(&c.http); return nil }
}

// WithHTTPClient sets the *http.Client for every request. The default has a
// timeout and a pooled transport sized for concurrent use. Redirects are
// never followed, whatever the client's CheckRedirect says.
func WithHTTPClient(hc *http.Client) Option {
	return settings(func(s *httpx.Settings) { s.SetHTTPClient(hc) })
}

// WithLogger logs each request (operation, status, duration; never a secret).
// The default logs nothing.
func WithLogger(l *slog.Logger) Option { return settings(func(s *httpx.Settings) { s.SetLogger(l) }) }

// WithRetries sets how many times a retry-safe request is repeated, and the
// wait bounds. A Retry-After longer than maxWait is returned as
// reauth.ErrRateLimited instead of slept. The default is 3, 0.5 s, 10 s.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return settings(func(s *httpx.Settings) { s.SetRetries(max, minWait, maxWait) })
}

// WithUserAgent appends ua to the User-Agent header.
func WithUserAgent(ua string) Option { return settings(func(s *httpx.Settings) { s.SetUserAgent(ua) }) }

// WithClock sets the clock used for token, link and flow expiry (tests).
func WithClock(now func() time.Time) Option {
	return settings(func(s *httpx.Settings) { s.SetClock(now) })
}

// WithMaxResponseBytes caps how much of one Atto answer the client reads
// (default 1 MiB). An answer larger than n is refused with an error
// wrapping reauth.ErrInvalidResponse; raise it when a legitimate answer (a
// large ListConsents page) is bigger. n must be positive.
func WithMaxResponseBytes(n int64) Option {
	return settings(func(s *httpx.Settings) { s.SetMaxResponseBytes(n) })
}

// WithBaseURL sets the API base URL (default [DefaultBaseURL]; [USBaseURL]
// for the US). A path prefix is kept.
func WithBaseURL(raw string) Option {
	return func(c *config) (err error) {
		c.baseURL, err = httpx.ParseBaseURL("WithBaseURL", raw)
		return err
	}
}

// WithConnectURL sets the Atto Connect URL re-auth links point to (default
// [DefaultConnectURL]). A path prefix is kept.
func WithConnectURL(raw string) Option {
	return func(c *config) (err error) {
		c.connectURL, err = httpx.ParseBaseURL("WithConnectURL", raw)
		return err
	}
}

// WithLeadTime sets how close to its consentEnd a consent counts as
// [reauth.ExpiringSoon] in Inspect and webhooks (default 7 days).
func WithLeadTime(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("WithLeadTime: negative duration")
		}
		c.leadTime = d
		return nil
	}
}

// WithMinLinkValidity sets how long the token inside a re-auth link must
// still be valid when the link is handed out (default 45 minutes): a cached
// token closer to its expiry is replaced first. It must be positive and is
// meant to be below Atto's token lifetime (one hour). Should Atto issue
// tokens that live shorter than d, no token can meet it: three quarters of
// their lifetime is required instead, so that a cached token still serves
// several links rather than every link fetching a new one.
func WithMinLinkValidity(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("WithMinLinkValidity: must be positive")
		}
		c.minLinkValidity = d
		return nil
	}
}

// Client talks to Atto's Consent API and builds Connect re-auth links. It
// implements [reauth.Reauthenticator] and [reauth.Inspector]. A Client is
// immutable after [New] and safe for concurrent use; its only mutable state
// is its token caches, where concurrent callers share one token fetch.
type Client struct {
	creds           Credentials
	http            *httpx.Client
	base            *url.URL
	connect         *url.URL
	leadTime        time.Duration
	minLinkValidity time.Duration
	consentTokens   *tokencache.Cache
	dataTokens      *tokencache.Cache
}

var (
	_ reauth.Reauthenticator = (*Client)(nil)
	_ reauth.Inspector       = (*Client)(nil)
)

// New returns a Client for creds. It validates every argument and option,
// reports all problems at once in one error ("atto: new client: ...",
// wrapping reauth.ErrInvalidRequest), makes no network call and reads no
// environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{
		http:            httpx.DefaultSettings(),
		leadTime:        DefaultLeadTime,
		minLinkValidity: DefaultMinLinkValidity,
	}
	b := httpx.NewBuilder(reauth.Atto)
	b.Credential("Credentials.ClientID", creds.ClientID)
	b.Secret("Credentials.ClientSecret", creds.ClientSecret)
	httpx.Apply(b, &cfg, opts...)
	b.Settings(&cfg.http)
	if cfg.baseURL == nil {
		cfg.baseURL = b.BaseURL("WithBaseURL", DefaultBaseURL)
	}
	if cfg.connectURL == nil {
		cfg.connectURL = b.BaseURL("WithConnectURL", DefaultConnectURL)
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	core, err := httpx.New(httpx.Config{
		Provider:         reauth.Atto,
		Settings:         cfg.http,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
		Scrubber:         httpx.NewScrubber(creds.ClientSecret),
	})
	if err != nil {
		b.Check(err)
		return nil, b.Err()
	}
	c := &Client{
		creds:           creds,
		http:            core,
		base:            cfg.baseURL,
		connect:         cfg.connectURL,
		leadTime:        cfg.leadTime,
		minLinkValidity: cfg.minLinkValidity,
	}
	c.consentTokens = tokencache.New(c.fetchToken(ScopeConsent), 0, core.Now)
	c.dataTokens = tokencache.New(c.fetchToken(ScopeStoredData), 0, core.Now)
	return c, nil
}

func (c *Client) now() time.Time { return c.http.Now() }

func (c *Client) redacted() reauth.RedactedValue {
	if c.unusable() {
		return reauth.Redact("atto.Client") // nil or zero: not made by New
	}
	return reauth.Redact("atto.Client",
		reauth.Show("BaseURL", c.base.String()),
		reauth.Show("ConnectURL", c.connect.String()),
		reauth.Show("Credentials", c.creds.redacted()))
}

// Format describes the client without its secret under every verb, for a
// Client value as for a pointer.
func (c Client) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }

// String describes the client without its secret; a nil Client is
// "atto.Client(nil)".
func (c *Client) String() string {
	if c == nil {
		return "atto.Client(nil)"
	}
	return c.redacted().String()
}

// GoString is String in Go syntax, for %#v.
func (c *Client) GoString() string {
	if c == nil {
		return "(*atto.Client)(nil)"
	}
	return c.redacted().GoString()
}

// LogValue logs the client's endpoints and client id, never its secret.
func (c *Client) LogValue() slog.Value { return c.redacted().LogValue() }

// TokenFetches reports how many token fetches the client has started, for
// all scopes, for metrics and tests.
func (c *Client) TokenFetches() int {
	if c == nil || c.consentTokens == nil || c.dataTokens == nil {
		return 0
	}
	return c.consentTokens.Fetches() + c.dataTokens.Fetches()
}

// errNilClient is what every method of a nil or zero *Client returns.
var errNilClient = errors.New("atto: nil or zero *Client: use atto.New")

// unusable reports a nil Client or one not made by New.
func (c *Client) unusable() bool {
	return c == nil || c.http == nil || c.base == nil || c.connect == nil
}
