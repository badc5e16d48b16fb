package atto

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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

// Credentials are the application's Atto client credentials. String,
// GoString and LogValue print the secret as REDACTED.
type Credentials struct {
	ClientID     string
	ClientSecret string
}

func (c Credentials) redacted() string {
	return fmt.Sprintf("ClientID: %q, ClientSecret: %q", c.ClientID, reauth.RedactSecret(c.ClientSecret))
}

// String prints the credentials with the secret redacted.
func (c Credentials) String() string { return "atto.Credentials{" + c.redacted() + "}" }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.String() }

// Format prints the credentials with the secret redacted under every verb.
func (c Credentials) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.String(), c.GoString())
}

// LogValue logs the client id and REDACTED for the secret.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", c.ClientID), slog.String("client_secret", reauth.RedactSecret(c.ClientSecret)))
}

// config is what the options set.
type config struct {
	http            httpx.Settings
	baseURL         *url.URL
	connectURL      *url.URL
	leadTime        time.Duration
	minLinkValidity time.Duration
	errs            []error
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// Option configures a [Client].
type Option func(*config)

// WithHTTPClient sets the *http.Client for every request. The default has a
// timeout and a pooled transport sized for concurrent use.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.http.SetHTTPClient(hc) } }

// WithLogger logs each request (operation, status, duration; never a secret).
// The default logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.http.SetLogger(l) } }

// WithRetries sets how many times a retry-safe request is repeated, and the
// wait bounds. A Retry-After longer than maxWait is returned as
// reauth.ErrRateLimited instead of slept. The default is 3, 0.5 s, 10 s.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return func(c *config) { c.http.SetRetries(max, minWait, maxWait) }
}

// WithUserAgent appends ua to the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *config) { c.http.SetUserAgent(ua) } }

// WithClock sets the clock used for token, link and flow expiry (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.http.SetClock(now) } }

// WithBaseURL sets the API base URL (default [DefaultBaseURL]; [USBaseURL]
// for the US). A path prefix is kept.
func WithBaseURL(raw string) Option {
	return func(c *config) {
		u, err := httpx.ParseBaseURL("WithBaseURL", raw)
		if err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.baseURL = u
	}
}

// WithConnectURL sets the Atto Connect URL re-auth links point to (default
// [DefaultConnectURL]). A path prefix is kept.
func WithConnectURL(raw string) Option {
	return func(c *config) {
		u, err := httpx.ParseBaseURL("WithConnectURL", raw)
		if err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.connectURL = u
	}
}

// WithLeadTime sets how close to its consentEnd a consent counts as
// [reauth.ExpiringSoon] in Inspect and webhooks (default 7 days).
func WithLeadTime(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.fail("WithLeadTime: negative duration")
			return
		}
		c.leadTime = d
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
	return func(c *config) {
		if d <= 0 {
			c.fail("WithMinLinkValidity: must be positive")
			return
		}
		c.minLinkValidity = d
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
// reports all problems at once, makes no network call and reads no
// environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{
		http:            httpx.DefaultSettings(),
		leadTime:        DefaultLeadTime,
		minLinkValidity: DefaultMinLinkValidity,
	}
	var errs []error
	if strings.TrimSpace(creds.ClientID) == "" {
		errs = append(errs, errors.New("Credentials.ClientID is required"))
	} else if strings.ContainsAny(creds.ClientID, "\r\n\x00") {
		errs = append(errs, errors.New("Credentials.ClientID contains control characters"))
	}
	if creds.ClientSecret == "" {
		errs = append(errs, errors.New("Credentials.ClientSecret is required"))
	}
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i))
			continue
		}
		o(&cfg)
	}
	errs = append(errs, cfg.errs...)
	if err := cfg.http.Err(); err != nil {
		errs = append(errs, err)
	}
	if cfg.baseURL == nil {
		cfg.baseURL, _ = httpx.ParseBaseURL("WithBaseURL", DefaultBaseURL)
	}
	if cfg.connectURL == nil {
		cfg.connectURL, _ = httpx.ParseBaseURL("WithConnectURL", DefaultConnectURL)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("atto: new client: %w", errors.Join(errs...))
	}
	core, err := httpx.New(httpx.Config{
		Provider:         reauth.Atto,
		Settings:         cfg.http,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
	})
	if err != nil {
		return nil, fmt.Errorf("atto: new client: %w", err)
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

func (c *Client) describe() string {
	if c == nil {
		return "atto.Client(nil)"
	}
	if c.base == nil || c.connect == nil {
		return "atto.Client{}" // a zero Client, not made by New
	}
	return fmt.Sprintf("atto.Client{BaseURL: %q, ConnectURL: %q, Credentials: %s}",
		c.base.String(), c.connect.String(), c.creds.String())
}

// String describes the client without its secret.
func (c *Client) String() string { return c.describe() }

// GoString is String for %#v.
func (c *Client) GoString() string { return c.describe() }

// Format describes the client without its secret under every verb, for a
// Client value as for a pointer.
func (c Client) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.describe(), c.describe()) }

// LogValue logs the client's endpoints and client id, never its secret.
func (c *Client) LogValue() slog.Value {
	if c == nil || c.base == nil || c.connect == nil {
		return slog.StringValue(c.describe())
	}
	return slog.GroupValue(
		slog.String("base_url", c.base.String()),
		slog.String("connect_url", c.connect.String()),
		slog.Any("credentials", c.creds),
	)
}

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
func (c *Client) unusable() bool { return c == nil || c.http == nil }
