package yapily

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// DefaultBaseURL is Yapily's API host. Yapily has no separate sandbox host:
// a sandbox is an application configured with sandbox institutions such as
// modelo-sandbox.
const DefaultBaseURL = "https://api.yapily.com"

// DefaultLeadTime is how long before a consent's expiresAt or reconfirmBy
// Inspect starts reporting reauth.ExpiringSoon.
const DefaultLeadTime = 7 * 24 * time.Hour

// DefaultFlowTTL is how long a flow returned by Begin stays valid. Yapily
// does not say how long an authorisationUrl works; the Open Banking request
// object in its example lives 30 minutes and banks keep their sessions for
// about as long, so an hour is a generous assumption. See WithFlowTTL.
const DefaultFlowTTL = time.Hour

// Credentials are a Yapily application's credentials, sent with HTTP Basic
// authentication on every call. ApplicationSecret is a secret: String,
// GoString and LogValue print REDACTED instead.
type Credentials struct {
	// ApplicationID is the application's id (the Basic auth username).
	ApplicationID string
	// ApplicationSecret is the application's secret (the Basic auth password).
	ApplicationSecret string
}

func (c Credentials) redacted() string {
	secret := ""
	if c.ApplicationSecret != "" {
		secret = reauth.Redacted
	}
	return fmt.Sprintf("yapily.Credentials{ApplicationID: %q, ApplicationSecret: %q}", c.ApplicationID, secret)
}

// String prints the credentials with the secret replaced by REDACTED.
func (c Credentials) String() string { return c.redacted() }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.redacted() }

// Format prints String under every verb.
func (c Credentials) Format(f fmt.State, verb rune) { formatAs(f, verb, c.redacted()) }

// LogValue logs the credentials with the secret replaced by REDACTED.
func (c Credentials) LogValue() slog.Value {
	secret := ""
	if c.ApplicationSecret != "" {
		secret = reauth.Redacted
	}
	return slog.GroupValue(slog.String("ApplicationID", c.ApplicationID), slog.String("ApplicationSecret", secret))
}

// Option configures a Client; see New.
type Option func(*config)

type config struct {
	http           httpx.Settings
	baseURL        string
	subApplication string
	leadTime       time.Duration
	flowTTL        time.Duration
	mode           CallbackMode
}

// WithHTTPClient sets the *http.Client used for every request. By default
// the Client uses its own pooled client with a timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.http.SetHTTPClient(hc) } }

// WithLogger logs requests (operation, status, duration; never a header,
// body or secret). By default the Client logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.http.SetLogger(l) } }

// WithRetries sets how often a failed request is retried (max, 0 disables)
// and the bounds of the wait between attempts. A Retry-After longer than
// maxWait is returned as reauth.ErrRateLimited instead of waited out.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return func(c *config) { c.http.SetRetries(max, minWait, maxWait) }
}

// WithUserAgent appends ua to the SDK's User-Agent.
func WithUserAgent(ua string) Option { return func(c *config) { c.http.SetUserAgent(ua) } }

// WithClock sets the clock used for flow expiry and health decisions (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.http.SetClock(now) } }

// WithBaseURL points the Client at another Yapily host, a proxy or a
// simulator (yapilytest). A path prefix is allowed; requests go below it.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithSubApplication sends the sub-application header (a UUID) on every
// request, for client sub-applications created with Application Management.
func WithSubApplication(id string) Option { return func(c *config) { c.subApplication = id } }

// WithLeadTime sets how long before expiresAt or reconfirmBy Inspect reports
// reauth.ExpiringSoon. The default is DefaultLeadTime (7 days).
func WithLeadTime(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.http.Fail("WithLeadTime: negative lead time")
			return
		}
		c.leadTime = d
	}
}

// WithFlowTTL sets how long a flow returned by Begin stays valid before
// Continue refuses it with reauth.ErrFlowExpired. The default is
// DefaultFlowTTL.
func WithFlowTTL(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.http.Fail("WithFlowTTL: must be positive")
			return
		}
		c.flowTTL = d
	}
}

// WithCallbackMode says what the application's callback or redirect
// receives after the bank (default CallbackModeConsentToken): own-licence
// customers, whose own redirect gets code and state, use
// CallbackModeAuthCode; applications whose authorisations ask for a
// oneTimeToken use CallbackModeOneTimeToken. Begin records the mode in the
// flow, so a flow continues the same way on any instance.
func WithCallbackMode(m CallbackMode) Option {
	return func(c *config) {
		switch m {
		case CallbackModeConsentToken, CallbackModeAuthCode, CallbackModeOneTimeToken:
			c.mode = m
		default:
			c.http.Fail("WithCallbackMode: unknown mode %q", m)
		}
	}
}

// Client calls Yapily's consent endpoints and implements
// reauth.Reauthenticator and reauth.Inspector. A Client is safe for
// concurrent use and immutable after New.
type Client struct {
	// The state sits behind a pointer so that a Client copied by value
	// prints as an address, never as its credentials.
	*clientCore
}

type clientCore struct {
	http     *httpx.Client
	base     *url.URL
	auth     string // "Basic ..." header value
	creds    Credentials
	subApp   string
	leadTime time.Duration
	flowTTL  time.Duration
	mode     CallbackMode
	secrets  []string
}

var (
	_ reauth.Reauthenticator = (*Client)(nil)
	_ reauth.Inspector       = (*Client)(nil)
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// New returns a Client for the application creds. It validates the
// credentials and every option and reports all problems at once; it makes no
// network call and reads no environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{http: httpx.DefaultSettings(), baseURL: DefaultBaseURL, leadTime: DefaultLeadTime, flowTTL: DefaultFlowTTL, mode: CallbackModeConsentToken}
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i))
			continue
		}
		o(&cfg)
	}
	if err := cfg.http.Err(); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(creds.ApplicationID) == "" {
		errs = append(errs, errors.New("Credentials.ApplicationID is required"))
	} else if strings.ContainsAny(creds.ApplicationID, ":\r\n\x00") {
		errs = append(errs, errors.New("Credentials.ApplicationID must not contain ':' or control characters"))
	}
	if creds.ApplicationSecret == "" {
		errs = append(errs, errors.New("Credentials.ApplicationSecret is required"))
	} else if strings.ContainsAny(creds.ApplicationSecret, "\r\n\x00") {
		errs = append(errs, errors.New("Credentials.ApplicationSecret must not contain control characters"))
	}
	base, err := httpx.ParseBaseURL("WithBaseURL", cfg.baseURL)
	if err != nil {
		errs = append(errs, err)
	}
	if cfg.subApplication != "" && !uuidRE.MatchString(cfg.subApplication) {
		errs = append(errs, errors.New("WithSubApplication: not a UUID"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("yapily: new client: %w", errors.Join(errs...))
	}
	core, err := httpx.New(httpx.Config{
		Provider:    reauth.Yapily,
		Settings:    cfg.http,
		DecodeError: decodeError,
	})
	if err != nil {
		return nil, fmt.Errorf("yapily: new client: %w", err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	req.SetBasicAuth(creds.ApplicationID, creds.ApplicationSecret)
	auth := req.Header.Get("Authorization")
	return &Client{&clientCore{
		http:     core,
		base:     base,
		auth:     auth,
		creds:    creds,
		subApp:   cfg.subApplication,
		leadTime: cfg.leadTime,
		flowTTL:  cfg.flowTTL,
		mode:     cfg.mode,
		secrets:  []string{creds.ApplicationSecret, auth, strings.TrimPrefix(auth, "Basic ")},
	}}, nil
}

// errNilClient is returned by every method of a nil or zero Client.
var errNilClient = fmt.Errorf("yapily: client not created with New: %w", reauth.ErrInvalidRequest)

// usable reports whether c was made by New.
func (c *Client) usable() error {
	if c == nil || c.clientCore == nil || c.http == nil || c.base == nil {
		return errNilClient
	}
	return nil
}

// String describes the client without its credentials.
func (c *Client) String() string {
	if c.usable() != nil {
		return "yapily.Client{}"
	}
	return fmt.Sprintf("yapily.Client{ApplicationID: %q, BaseURL: %q}", c.creds.ApplicationID, c.base.String())
}

// GoString is String for %#v.
func (c *Client) GoString() string { return c.String() }

// Format prints String under every verb (%v, %+v, %#v, %s, %q, %d, %x,
// ...), so that no verb reaches the credentials. Its receiver is a value so
// that a Client printed by value is covered too; a nil *Client prints
// <nil>.
func (c Client) Format(f fmt.State, verb rune) { formatAs(f, verb, c.String()) }

// formatAs writes s (quoted for %q) whatever the verb: the Format of every
// type that holds a secret, so that %d, %x or %t cannot reach its fields.
func formatAs(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// LogValue logs the client without its credentials.
func (c *Client) LogValue() slog.Value {
	if c.usable() != nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(slog.String("applicationId", c.creds.ApplicationID), slog.String("baseUrl", c.base.String()))
}

// Provider returns reauth.Yapily (also on a nil Client).
func (c *Client) Provider() reauth.Provider { return reauth.Yapily }

func (c *Client) now() time.Time { return c.http.Now() }

// header returns the headers every call carries.
func (c *Client) header() http.Header {
	h := make(http.Header, 4)
	h["Authorization"] = []string{c.auth}
	if c.subApp != "" {
		h["Sub-Application"] = []string{c.subApp}
	}
	return h
}

// secretsWith returns the client's secrets plus more.
func (c *Client) secretsWith(more ...string) []string {
	out := make([]string, 0, len(c.secrets)+len(more))
	out = append(out, c.secrets...)
	return append(out, more...)
}
