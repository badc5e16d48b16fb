package yapily

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
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
// authentication on every call. ApplicationSecret is a secret: printing or
// logging Credentials shows REDACTED instead.
type Credentials struct {
	// ApplicationID is the application's id (the Basic auth username).
	ApplicationID string
	// ApplicationSecret is the application's secret (the Basic auth password).
	ApplicationSecret string
}

func (c Credentials) redacted() reauth.RedactedValue {
	return reauth.Redact("yapily.Credentials",
		reauth.Show("ApplicationID", c.ApplicationID),
		reauth.Show("ApplicationSecret", reauth.RedactSecret(c.ApplicationSecret)))
}

// Format prints the credentials with the secret replaced by REDACTED, under
// every verb.
func (c Credentials) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }

// String prints the credentials with the secret replaced by REDACTED.
func (c Credentials) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.redacted().GoString() }

// LogValue logs the credentials with the secret replaced by REDACTED.
func (c Credentials) LogValue() slog.Value { return c.redacted().LogValue() }

// Option configures a Client; see New. An option given an invalid value
// makes New fail.
type Option func(*config) error

type config struct {
	http           httpx.Settings
	baseURL        string
	subApplication string
	leadTime       time.Duration
	flowTTL        time.Duration
	mode           CallbackMode
}

// settings adapts one of httpx.Settings' Set methods, which record their
// own errors for the Builder, to an Option.
func settings(set func(*httpx.Settings)) Option {
	return func(c *config) error { set(&c.http); return nil }
}

// WithHTTPClient sets the *http.Client used for every request. By default
// the Client uses its own pooled client with a timeout.
func WithHTTPClient(hc *http.Client) Option {
	return settings(func(s *httpx.Settings) { s.SetHTTPClient(hc) })
}

// WithLogger logs requests (operation, status, duration; never a header,
// body or secret). By default the Client logs nothing.
func WithLogger(l *slog.Logger) Option { return settings(func(s *httpx.Settings) { s.SetLogger(l) }) }

// WithRetries sets how often a failed request is retried (max, 0 disables)
// and the bounds of the wait between attempts. A Retry-After longer than
// maxWait is returned as reauth.ErrRateLimited instead of waited out.
func WithRetries(max int, minWait, maxWait time.Duration) Option {
	return settings(func(s *httpx.Settings) { s.SetRetries(max, minWait, maxWait) })
}

// WithUserAgent appends ua to the SDK's User-Agent.
func WithUserAgent(ua string) Option { return settings(func(s *httpx.Settings) { s.SetUserAgent(ua) }) }

// WithClock sets the clock used for flow expiry and health decisions (tests).
func WithClock(now func() time.Time) Option {
	return settings(func(s *httpx.Settings) { s.SetClock(now) })
}

// WithMaxResponseBytes caps how much of one Yapily answer the Client reads
// (default 1 MiB). An answer over the cap is refused with
// reauth.ErrInvalidResponse, unread beyond it; raise the cap when a
// legitimate answer (a large GET /consents page) is bigger. n must be
// positive.
func WithMaxResponseBytes(n int64) Option {
	return settings(func(s *httpx.Settings) { s.SetMaxResponseBytes(n) })
}

// WithBaseURL points the Client at another Yapily host, a proxy or a
// simulator (yapilytest). A path prefix is allowed; requests go below it.
func WithBaseURL(u string) Option { return func(c *config) error { c.baseURL = u; return nil } }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// WithSubApplication sends the sub-application header (a UUID) on every
// request, for client sub-applications created with Application Management.
func WithSubApplication(id string) Option {
	return func(c *config) error {
		if id != "" && !uuidRE.MatchString(id) {
			return fmt.Errorf("WithSubApplication: not a UUID")
		}
		c.subApplication = id
		return nil
	}
}

// WithLeadTime sets how long before expiresAt or reconfirmBy Inspect reports
// reauth.ExpiringSoon. The default is DefaultLeadTime (7 days).
func WithLeadTime(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithLeadTime: negative lead time")
		}
		c.leadTime = d
		return nil
	}
}

// WithFlowTTL sets how long a flow returned by Begin stays valid before
// Continue refuses it with reauth.ErrFlowExpired. The default is
// DefaultFlowTTL.
func WithFlowTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithFlowTTL: must be positive")
		}
		c.flowTTL = d
		return nil
	}
}

// WithCallbackMode says what the application's callback or redirect
// receives after the bank (default CallbackModeConsentToken): own-licence
// customers, whose own redirect gets code and state, use
// CallbackModeAuthCode; applications whose authorisations ask for a
// oneTimeToken use CallbackModeOneTimeToken. Begin records the mode in the
// flow, so a flow continues the same way on any instance.
func WithCallbackMode(m CallbackMode) Option {
	return func(c *config) error {
		switch m {
		case CallbackModeConsentToken, CallbackModeAuthCode, CallbackModeOneTimeToken:
			c.mode = m
			return nil
		}
		return fmt.Errorf("WithCallbackMode: unknown mode %q", m)
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
	appID    string
	subApp   string
	leadTime time.Duration
	flowTTL  time.Duration
	mode     CallbackMode
}

var (
	_ reauth.Reauthenticator = (*Client)(nil)
	_ reauth.Inspector       = (*Client)(nil)
)

// New returns a Client for the application creds. It validates the
// credentials and every option and reports all problems at once, as one
// error wrapping reauth.ErrInvalidRequest ("yapily: new client: ..."); it
// makes no network call and reads no environment variable.
func New(creds Credentials, opts ...Option) (*Client, error) {
	cfg := config{http: httpx.DefaultSettings(), baseURL: DefaultBaseURL, leadTime: DefaultLeadTime, flowTTL: DefaultFlowTTL, mode: CallbackModeConsentToken}
	b := httpx.NewBuilder(reauth.Yapily)
	httpx.Apply(b, &cfg, opts...)
	b.Settings(&cfg.http)
	b.Credential("Credentials.ApplicationID", creds.ApplicationID)
	if strings.Contains(creds.ApplicationID, ":") {
		b.Fail("Credentials.ApplicationID must not contain ':'") // Basic auth splits on it
	}
	b.Secret("Credentials.ApplicationSecret", creds.ApplicationSecret)
	base := b.BaseURL("WithBaseURL", cfg.baseURL)
	if err := b.Err(); err != nil {
		return nil, err
	}
	scrub := httpx.NewScrubber()
	scrub.AddBasic(creds.ApplicationID, creds.ApplicationSecret)
	core, err := httpx.New(httpx.Config{
		Provider:    reauth.Yapily,
		Settings:    cfg.http,
		DecodeError: decodeError,
		Scrubber:    scrub,
	})
	b.Check(err)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return &Client{&clientCore{
		http:     core,
		base:     base,
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.ApplicationID+":"+creds.ApplicationSecret)),
		appID:    creds.ApplicationID,
		subApp:   cfg.subApplication,
		leadTime: cfg.leadTime,
		flowTTL:  cfg.flowTTL,
		mode:     cfg.mode,
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

func (c *Client) redacted() reauth.RedactedValue {
	if c.usable() != nil {
		return reauth.Redact("yapily.Client")
	}
	return reauth.Redact("yapily.Client",
		reauth.Show("ApplicationID", c.appID),
		reauth.Show("BaseURL", reauth.RedactURL(c.base.String())))
}

// Format prints the client without its credentials under every verb (%v,
// %+v, %#v, %s, %q, %d, %x, ...). Its receiver is a value so that a Client
// printed by value is covered too; a nil *Client prints <nil>.
func (c Client) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }

// String describes the client without its credentials.
func (c *Client) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c *Client) GoString() string { return c.redacted().GoString() }

// LogValue logs the client without its credentials.
func (c *Client) LogValue() slog.Value { return c.redacted().LogValue() }

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
