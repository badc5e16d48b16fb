package truelayer

import (
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

func (c Credentials) render(goSyntax bool) string {
	secret := ""
	if c.ClientSecret != "" {
		secret = reauth.Redacted
	}
	if goSyntax {
		return fmt.Sprintf("truelayer.Credentials{ClientID:%q, ClientSecret:%q}", c.ClientID, secret)
	}
	return fmt.Sprintf("Credentials{ClientID: %s, ClientSecret: %s}", c.ClientID, secret)
}

// String prints the credentials with the secret replaced by REDACTED.
func (c Credentials) String() string { return c.render(false) }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.render(true) }

// Format prints the credentials without the secret under every verb.
func (c Credentials) Format(f fmt.State, verb rune) { format(f, verb, c) }

// LogValue logs the client id and REDACTED for the secret.
func (c Credentials) LogValue() slog.Value {
	secret := ""
	if c.ClientSecret != "" {
		secret = reauth.Redacted
	}
	return slog.GroupValue(slog.String("ClientID", c.ClientID), slog.String("ClientSecret", secret))
}

// Option configures a [Client].
type Option func(*config)

type config struct {
	http       httpx.Settings
	env        Environment
	authURL    string
	apiURL     string
	extendPath string
	leadTime   time.Duration
	extendUser ExtendUserFunc
	errs       []error
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// WithHTTPClient sets the *http.Client every request goes through.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.http.SetHTTPClient(hc) } }

// WithLogger logs each request (operation, status, duration; never a secret).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.http.SetLogger(l) } }

// WithRetries sets how many times retry-safe requests are retried and the
// backoff bounds; a Retry-After above maxWait is returned as
// reauth.ErrRateLimited instead of waited for.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return func(c *config) { c.http.SetRetries(max, minWait, maxWait) }
}

// WithUserAgent appends ua to the SDK's User-Agent.
func WithUserAgent(ua string) Option { return func(c *config) { c.http.SetUserAgent(ua) } }

// WithClock sets the clock used for token and flow expiry (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.http.SetClock(now) } }

// WithEnvironment selects the production (default) or sandbox hosts.
// WithAuthURL and WithAPIURL override it.
func WithEnvironment(env Environment) Option {
	return func(c *config) {
		if env != Production && env != Sandbox {
			c.fail("WithEnvironment: unknown environment %q", env)
			return
		}
		c.env = env
	}
}

// WithAuthURL sets the auth server's base URL (reauthuri, connect/token);
// a path prefix is allowed.
func WithAuthURL(u string) Option { return func(c *config) { c.authURL = u } }

// WithAPIURL sets the Data API's base URL (data/v1/me, connections/extend);
// a path prefix is allowed.
func WithAPIURL(u string) Option { return func(c *config) { c.apiURL = u } }

// WithExtendPath sets the path of the connections/extend endpoint below the
// API URL (default [DefaultExtendPath]).
func WithExtendPath(p string) Option {
	return func(c *config) {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#") {
			c.fail("WithExtendPath: must start with / and carry no query or fragment")
			return
		}
		c.extendPath = p
	}
}

// WithLeadTime sets how long before the consent expires Inspect reports
// reauth.ExpiringSoon (default 7 days).
func WithLeadTime(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.fail("WithLeadTime: negative lead time")
			return
		}
		c.leadTime = d
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
	return func(c *config) {
		if user == nil {
			c.fail("WithExtendFlow: nil user function")
			return
		}
		c.extendUser = user
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
// every argument and option and reports all problems at once; it makes no
// network call and reads no environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{http: httpx.DefaultSettings(), env: Production, extendPath: DefaultExtendPath, leadTime: DefaultLeadTime}
	for _, o := range opts {
		if o == nil {
			cfg.fail("nil Option")
			continue
		}
		o(&cfg)
	}
	errs := append([]error(nil), cfg.errs...)
	if strings.TrimSpace(creds.ClientID) == "" {
		errs = append(errs, errors.New("ClientID is required"))
	}
	if strings.TrimSpace(creds.ClientSecret) == "" {
		errs = append(errs, errors.New("ClientSecret is required"))
	}
	authURL, apiURL := ProductionAuthURL, ProductionAPIURL
	if cfg.env == Sandbox {
		authURL, apiURL = SandboxAuthURL, SandboxAPIURL
	}
	if cfg.authURL != "" {
		authURL = cfg.authURL
	}
	if cfg.apiURL != "" {
		apiURL = cfg.apiURL
	}
	authBase, err := httpx.ParseBaseURL("WithAuthURL", authURL)
	if err != nil {
		errs = append(errs, err)
	}
	apiBase, err := httpx.ParseBaseURL("WithAPIURL", apiURL)
	if err != nil {
		errs = append(errs, err)
	}
	if err := cfg.http.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("truelayer: invalid configuration: %w", errors.Join(errs...))
	}
	hc, err := httpx.New(httpx.Config{
		Provider:         provider,
		Settings:         cfg.http,
		RequestIDHeaders: requestIDHeaders,
		DecodeError:      decodeError,
	})
	if err != nil {
		return nil, fmt.Errorf("truelayer: invalid configuration: %w", err)
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

// String describes the client without its secret. (Without it, fmt would
// print the unexported credentials field raw: fmt does not call String on
// unexported fields.) A zero Client prints empty URLs.
func (c Client) String() string {
	return fmt.Sprintf("truelayer.Client{AuthURL: %q, APIURL: %q, Credentials: %s}", urlString(c.authBase), urlString(c.apiBase), c.creds.String())
}

// GoString is String for %#v.
func (c Client) GoString() string { return c.String() }

// Format prints the client without its secret under every verb.
func (c Client) Format(f fmt.State, verb rune) { format(f, verb, c) }

// LogValue logs the client's endpoints and client id, never its secret.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("AuthURL", urlString(c.authBase)),
		slog.String("APIURL", urlString(c.apiBase)),
		slog.Any("Credentials", c.creds),
	)
}

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
