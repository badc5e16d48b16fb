package truelayer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// provider is this package's reauth.Provider.
const provider = reauth.TrueLayer

// Environment selects TrueLayer's production or sandbox hosts.
type Environment string

// The environments.
const (
	// Production is auth.truelayer.com and api.truelayer.com.
	Production Environment = "production"
	// Sandbox is auth.truelayer-sandbox.com and api.truelayer-sandbox.com.
	Sandbox Environment = "sandbox"
)

// The hosts of each environment.
const (
	ProductionAuthURL = "https://auth.truelayer.com"
	ProductionAPIURL  = "https://api.truelayer.com"
	SandboxAuthURL    = "https://auth.truelayer-sandbox.com"
	SandboxAPIURL     = "https://api.truelayer-sandbox.com"
)

// DefaultExtendPath is the path of the connections/extend endpoint below the
// API URL. TrueLayer's reference pages disagree ("/data/v1/connections/extend"
// and "/connections/extend"); every third-party client seen uses this one.
// [WithExtendPath] changes it.
const DefaultExtendPath = "/data/v1/connections/extend"

// DefaultLeadTime is how long before the consent expires Inspect reports
// reauth.ExpiringSoon.
const DefaultLeadTime = 7 * 24 * time.Hour

// Credentials are the application's TrueLayer client credentials.
type Credentials struct {
	ClientID     string
	ClientSecret string
}

// Option configures a [Client]. An option that returns an error makes
// New fail; New reports every such error at once.
type Option func(*config) error

type config struct {
	http       httpx.Settings
	env        Environment
	authURL    string
	apiURL     string
	extendPath string
	leadTime   time.Duration
	extendUser ExtendUserFunc
}

// settings wraps an option that only sets shared settings; the Set methods
// record their own problems, which New reports.
func settings(set func(*httpx.Settings)) Option {
	return func(c *config) error { set(&c.http); return nil }
}

// WithHTTPClient sets the *http.Client every request goes through.
func WithHTTPClient(hc *http.Client) Option {
	return settings(func(s *httpx.Settings) { s.SetHTTPClient(hc) })
}

// WithLogger logs each request (operation, status, duration; never a secret).
func WithLogger(l *slog.Logger) Option {
	return settings(func(s *httpx.Settings) { s.SetLogger(l) })
}

// WithRetries sets how many times retry-safe requests are retried and the
// backoff bounds; a Retry-After above maxWait is returned as
// reauth.ErrRateLimited instead of waited for.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return settings(func(s *httpx.Settings) { s.SetRetries(max, minWait, maxWait) })
}

// WithUserAgent appends ua to the SDK's User-Agent.
func WithUserAgent(ua string) Option {
	return settings(func(s *httpx.Settings) { s.SetUserAgent(ua) })
}

// WithClock sets the clock used for token and flow expiry (tests).
func WithClock(now func() time.Time) Option {
	return settings(func(s *httpx.Settings) { s.SetClock(now) })
}

// WithMaxResponseBytes caps how much of an answer from TrueLayer's auth
// server or Data API the client reads (default 1 MiB). A longer answer is
// refused with an error wrapping reauth.ErrInvalidResponse, unread; raise
// the cap when a legitimate answer is larger. n must be positive.
func WithMaxResponseBytes(n int64) Option {
	return settings(func(s *httpx.Settings) { s.SetMaxResponseBytes(n) })
}

// WithEnvironment selects the production (default) or sandbox hosts.
// WithAuthURL and WithAPIURL override it.
func WithEnvironment(env Environment) Option {
	return func(c *config) error {
		if env != Production && env != Sandbox {
			return fmt.Errorf("WithEnvironment: unknown environment %q", env)
		}
		c.env = env
		return nil
	}
}

// WithAuthURL sets the auth server's base URL (reauthuri, connect/token);
// a path prefix is allowed.
func WithAuthURL(u string) Option { return func(c *config) error { c.authURL = u; return nil } }

// WithAPIURL sets the Data API's base URL (data/v1/me, connections/extend);
// a path prefix is allowed.
func WithAPIURL(u string) Option { return func(c *config) error { c.apiURL = u; return nil } }

// WithExtendPath sets the path of the connections/extend endpoint below the
// API URL (default [DefaultExtendPath]).
func WithExtendPath(p string) Option {
	return func(c *config) error {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#") {
			return errors.New("WithExtendPath: must start with / and carry no query or fragment")
		}
		c.extendPath = p
		return nil
	}
}

// WithLeadTime sets how long before the consent expires Inspect reports
// reauth.ExpiringSoon (default 7 days).
func WithLeadTime(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("WithLeadTime: negative lead time")
		}
		c.leadTime = d
		return nil
	}
}

// ExtendUserFunc returns the end user's details for a connections/extend
// request. The application calls Begin only after its own reconfirmation of
// consent screen, so returning without error means the user has reconfirmed.
type ExtendUserFunc func(ctx context.Context, req reauth.Request) (User, error)

// WithExtendFlow makes Begin use POST connections/extend, TrueLayer's
// recommended path, instead of POST /v1/reauthuri. user supplies the end
// user's id, name and email or phone, which extend requires. TrueLayer
// answers every extend request with 400 ([ErrExtendRefused]) until it has
// reviewed and approved the app's own reconfirmation-of-consent screen.
func WithExtendFlow(user ExtendUserFunc) Option {
	return func(c *config) error {
		if user == nil {
			return errors.New("WithExtendFlow: nil user function")
		}
		c.extendUser = user
		return nil
	}
}

// Client talks to TrueLayer's auth server and Data API. A Client is
// immutable after New and safe for concurrent use.
type Client struct {
	creds      Credentials
	http       *httpx.Client
	authBase   *url.URL
	apiBase    *url.URL
	extendPath string
	leadTime   time.Duration
	extendUser ExtendUserFunc
	locks      *LocalLocker // TokenSources' default Locker
}

var (
	_ reauth.Reauthenticator = (*Client)(nil)
	_ reauth.Inspector       = (*Client)(nil)
)

// New returns a Client for the application's credentials. It validates
// every argument and option and reports all problems at once, in one error
// ("truelayer: new client: ...") wrapping reauth.ErrInvalidRequest; it
// makes no network call and reads no environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{http: httpx.DefaultSettings(), env: Production, extendPath: DefaultExtendPath, leadTime: DefaultLeadTime}
	b := httpx.NewBuilder(provider)
	httpx.Apply(b, &cfg, opts...)
	b.Credential("Credentials.ClientID", creds.ClientID)
	b.Secret("Credentials.ClientSecret", creds.ClientSecret)
	authURL, apiURL := ProductionAuthURL, ProductionAPIURL
	if cfg.env == Sandbox {
		authURL, apiURL = SandboxAuthURL, SandboxAPIURL
	}
	authBase := b.BaseURL("WithAuthURL", cmp.Or(cfg.authURL, authURL))
	apiBase := b.BaseURL("WithAPIURL", cmp.Or(cfg.apiURL, apiURL))
	b.Settings(&cfg.http)
	if err := b.Err(); err != nil {
		return nil, err
	}
	hc, err := httpx.New(httpx.Config{
		Provider:         provider,
		Settings:         cfg.http,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
		// The client secret travels in form and JSON bodies, never as Basic.
		Scrubber: httpx.NewScrubber(creds.ClientSecret),
	})
	if err != nil {
		b.Check(err)
		return nil, b.Err()
	}
	return &Client{
		creds:      creds,
		http:       hc,
		authBase:   authBase,
		apiBase:    apiBase,
		extendPath: cfg.extendPath,
		leadTime:   cfg.leadTime,
		extendUser: cfg.extendUser,
		locks:      &LocalLocker{},
	}, nil
}

func (c *Client) now() time.Time { return c.http.Now() }

func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}

// errNilClient is what every method of a nil or zero *Client returns.
var errNilClient = errors.New("truelayer: nil or zero Client: create it with New")

// ready reports whether c was made by New.
func (c *Client) ready() error {
	if c == nil || c.http == nil {
		return errNilClient
	}
	return nil
}

// psuHeader returns the X-PSU-IP header for userIP, or nil when it is
// empty (no allocation on the common path).
func psuHeader(userIP string) http.Header {
	if userIP == "" {
		return nil
	}
	return http.Header{"X-Psu-Ip": {userIP}}
}
