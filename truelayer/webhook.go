package truelayer

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// TrueLayer's webhook JWKS URLs, the default allow-list for the jku header.
const (
	ProductionJWKSURL = "https://webhooks.truelayer.com/.well-known/jwks"
	SandboxJWKSURL    = "https://webhooks.truelayer-sandbox.com/.well-known/jwks"
)

// Webhook headers.
const (
	SignatureHeader = "Tl-Signature"
	TimestampHeader = "X-Tl-Webhook-Timestamp"
)

// DefaultTolerance is how far X-Tl-Webhook-Timestamp may be from the
// verifier's clock.
const DefaultTolerance = 5 * time.Minute

// maxSignatureLen caps the Tl-Signature header (a P-521 signature and a
// small header are well under 2 KiB).
const maxSignatureLen = 8 << 10

// WebhookOption configures a [WebhookVerifier]. An option that returns an
// error makes NewWebhookVerifier fail.
type WebhookOption func(*webhookConfig) error

type webhookConfig struct {
	jwksURLs   []string
	client     *http.Client
	now        func() time.Time
	tolerance  time.Duration
	cacheTTL   time.Duration
	minRefetch time.Duration
	path       string
}

// WithJWKSURLs replaces the allow-list of JWKS URLs (default: TrueLayer's
// production and sandbox URLs). A delivery whose jku is not exactly one of
// them is refused, and its keys are never fetched.
func WithJWKSURLs(urls ...string) WebhookOption {
	return func(c *webhookConfig) error {
		if len(urls) == 0 {
			return errors.New("WithJWKSURLs: no URL")
		}
		for _, u := range urls {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				return errors.New("WithJWKSURLs: URLs must be absolute http(s) URLs")
			}
		}
		c.jwksURLs = append([]string(nil), urls...)
		return nil
	}
}

// WithWebhookHTTPClient sets the client used to fetch JWKS. The verifier
// uses a copy that never follows a redirect: keys come from an
// allow-listed URL or not at all.
func WithWebhookHTTPClient(hc *http.Client) WebhookOption {
	return func(c *webhookConfig) error {
		if hc == nil {
			return errors.New("WithWebhookHTTPClient: nil *http.Client")
		}
		c.client = hc
		return nil
	}
}

// WithWebhookClock sets the clock for the timestamp check and the JWKS
// cache (tests).
func WithWebhookClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error {
		if now == nil {
			return errors.New("WithWebhookClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithTolerance sets how far X-Tl-Webhook-Timestamp may be from now, either
// way (default 5 minutes).
func WithTolerance(d time.Duration) WebhookOption {
	return positive("WithTolerance", d, func(c *webhookConfig) { c.tolerance = d })
}

// WithJWKSCacheTTL sets how long fetched keys are used before a refetch
// (default 1 hour). An unknown kid or a failed verification refetches
// sooner, at most every 10 seconds.
func WithJWKSCacheTTL(d time.Duration) WebhookOption {
	return positive("WithJWKSCacheTTL", d, func(c *webhookConfig) { c.cacheTTL = d })
}

// positive is a duration option that refuses d <= 0.
func positive(name string, d time.Duration, set func(*webhookConfig)) WebhookOption {
	return func(c *webhookConfig) error {
		if d <= 0 {
			return fmt.Errorf("%s: %s is not positive", name, d)
		}
		set(c)
		return nil
	}
}

// WithWebhookPath sets the path TrueLayer signed (the path of your webhook
// URL as registered), for servers behind a proxy that rewrites it. By
// default the request's path is used.
func WithWebhookPath(p string) WebhookOption {
	return func(c *webhookConfig) error {
		if !strings.HasPrefix(p, "/") {
			return errors.New("WithWebhookPath: must start with /")
		}
		c.path = p
		return nil
	}
}

// WebhookVerifier checks TrueLayer webhook signatures (Tl-Signature: a
// detached JWS, ES512, tl_version 2) and normalises deliveries into
// reauth.Event. It is safe for concurrent use; its only state is the JWKS
// cache, where concurrent deliveries cause one fetch.
type WebhookVerifier struct {
	allow     []string
	now       func() time.Time
	tolerance time.Duration
	path      string
	keys      *jwksCache
}

var _ reauth.WebhookVerifier = (*WebhookVerifier)(nil)

// NewWebhookVerifier returns a verifier for TrueLayer webhooks. Every
// problem with the options is reported at once, in one error wrapping
// reauth.ErrInvalidRequest.
func NewWebhookVerifier(opts ...WebhookOption) (*WebhookVerifier, error) {
	cfg := webhookConfig{
		jwksURLs:   []string{ProductionJWKSURL, SandboxJWKSURL},
		now:        time.Now,
		tolerance:  DefaultTolerance,
		cacheTTL:   time.Hour,
		minRefetch: 10 * time.Second,
	}
	b := httpx.NewBuilderFor(provider, "new webhook verifier")
	httpx.Apply(b, &cfg, opts...)
	if err := b.Err(); err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	if cfg.client != nil {
		hc = cfg.client
	}
	// Keys come from the allow-listed URL itself: a redirect elsewhere
	// (answered 3xx, not followed) is a failed fetch.
	hc = httpx.NoRedirects(hc)
	return &WebhookVerifier{
		allow:     cfg.jwksURLs,
		now:       cfg.now,
		tolerance: cfg.tolerance,
		path:      cfg.path,
		keys:      newJWKSCache(hc, cfg.now, cfg.cacheTTL, cfg.minRefetch),
	}, nil
}

// jwsHeader is the protected header of a Tl-Signature.
type jwsHeader struct {
	Alg       string `json:"alg"`
	Kid       string `json:"kid"`
	TLVersion string `json:"tl_version"`
	TLHeaders string `json:"tl_headers"`
	JKU       string `json:"jku"`
}

// sigError is a delivery that is not authentic.
func sigError(why string) error {
	return fmt.Errorf("truelayer: webhook: %s: %w", why, reauth.ErrInvalidSignature)
}

// parseSignatureHeader decodes the JOSE header of a Tl-Signature value
// without verifying anything. It fails on anything but a compact detached
// JWS with a JSON object header.
func parseSignatureHeader(sig string) (*jwsHeader, error) {
	if sig == "" {
		return nil, sigError("no " + SignatureHeader + " header")
	}
	if len(sig) > maxSignatureLen {
		return nil, sigError("signature too long")
	}
	parts := strings.Split(sig, ".")
	if len(parts) != 3 || parts[1] != "" || parts[0] == "" || parts[2] == "" {
		return nil, sigError("signature is not a detached JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, sigError("signature header is not base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, sigError("signature header is not a JSON object")
	}
	return &h, nil
}

// Verify authenticates a delivery and returns its event. In order: the
// Tl-Signature header parses; alg is ES512 and tl_version "2"; jku is
// exactly one of the allow-listed URLs (no other URL is ever fetched);
// tl_headers includes X-Tl-Webhook-Timestamp and that timestamp is within
// the tolerance; the key is found by kid; the ES512 signature verifies over
// "POST <path>\n", each tl_headers header as "Name: value\n", and the raw
// body, retrying once with the path's trailing slash toggled. The path is
// the request target as received (r.RequestURI, percent-encoding intact)
// unless [WithWebhookPath] sets it. Only then is the body parsed. The body
// is trusted as given: cap it before (reauth.NewWebhookHandler does).
//
// An unknown kid, or a signature that fails with a cached key, refetches
// the JWKS, as TrueLayer's signing guide says. Every fetch, failed or not,
// opens a 10-second window without fetches; inside it such a delivery is
// answered with an error wrapping reauth.ErrProviderUnavailable (the
// handler answers 503 and TrueLayer retries), never as not authentic: a
// key rotated moments after an attacker forced a refetch is found on the
// retry.
//
// Errors wrap reauth.ErrInvalidSignature (not authentic),
// reauth.ErrInvalidPayload (authentic but not a JSON object), or
// reauth.ErrProviderUnavailable (keys unavailable: try again later).
//
// No TrueLayer Data API v1 webhook signals a consent expiry or re-auth, so
// every event's Type is reauth.Other, with ProviderType set to event_type
// (or type, as Payments v3 bodies name it) and ID to event_id.
func (v *WebhookVerifier) Verify(ctx context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
	if v == nil || v.keys == nil {
		return nil, sigError("verifier not created with NewWebhookVerifier")
	}
	if r == nil {
		return nil, sigError("no request")
	}
	sig := r.Header.Get(SignatureHeader)
	h, err := parseSignatureHeader(sig)
	if err != nil {
		return nil, err
	}
	if h.Alg != string(jose.ES512) {
		return nil, sigError("alg must be ES512")
	}
	if h.TLVersion != "2" {
		return nil, sigError("tl_version must be 2")
	}
	if !slices.Contains(v.allow, h.JKU) {
		return nil, sigError("jku is not an allow-listed JWKS URL")
	}
	if h.Kid == "" {
		return nil, sigError("no kid")
	}
	names := splitHeaders(h.TLHeaders)
	signedTS := false
	for _, n := range names {
		if strings.EqualFold(n, TimestampHeader) {
			signedTS = true
		}
		if len(r.Header.Values(n)) == 0 {
			return nil, sigError("signed header " + n + " is missing")
		}
	}
	if !signedTS {
		return nil, sigError("tl_headers does not cover " + TimestampHeader)
	}
	ts, err := time.Parse(time.RFC3339, strings.TrimSpace(r.Header.Get(TimestampHeader)))
	if err != nil {
		return nil, sigError(TimestampHeader + " is not RFC 3339")
	}
	now := v.now()
	if d := now.Sub(ts); d > v.tolerance || d < -v.tolerance {
		return nil, sigError(TimestampHeader + " is outside the tolerance")
	}
	path := v.signedPath(r)
	signed := func(k *ecdsa.PublicKey) bool {
		return verifyES512(sig, k, payload(path, names, r.Header, body)) ||
			verifyES512(sig, k, payload(toggleSlash(path), names, r.Header, body))
	}
	k, err := v.keys.key(ctx, h.JKU, h.Kid, -1)
	if err != nil {
		return nil, err
	}
	if !signed(k.key) {
		if k.new {
			return nil, sigError("signature does not verify")
		}
		// The cached key may be stale (TrueLayer rotated it under the same
		// kid): refetch, rate-limited, and try the newer key.
		if k, err = v.keys.key(ctx, h.JKU, h.Kid, k.gen); err != nil {
			return nil, err
		}
		if !signed(k.key) {
			return nil, sigError("signature does not verify")
		}
	}
	return parseEvent(body, ts)
}

// signedPath is the path TrueLayer signed: WithWebhookPath, else the
// request target as received (r.RequestURI, still percent-encoded), else
// the URL's escaped path for a request built by hand.
func (v *WebhookVerifier) signedPath(r *http.Request) string {
	switch {
	case v.path != "":
		return v.path
	case strings.HasPrefix(r.RequestURI, "/"):
		return r.RequestURI
	case r.RequestURI != "":
		// Absolute form ("POST http://host/path"): keep its path as sent.
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.EscapedPath() != "" {
			return u.RequestURI()
		}
	case r.URL != nil && r.URL.EscapedPath() != "":
		return r.URL.RequestURI()
	}
	return "/"
}

func splitHeaders(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func toggleSlash(p string) string {
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		return strings.TrimSuffix(p, "/")
	}
	return p + "/"
}

// payload builds the signed bytes: "POST <path>\n", each header as
// "<name as in tl_headers>: <value>\n", then the raw body.
func payload(path string, names []string, h http.Header, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("POST ")
	b.WriteString(path)
	b.WriteByte('\n')
	for _, n := range names {
		b.WriteString(n)
		b.WriteString(": ")
		b.WriteString(h.Get(n))
		b.WriteByte('\n')
	}
	b.Write(body)
	return b.Bytes()
}

func verifyES512(sig string, key *ecdsa.PublicKey, payload []byte) bool {
	jws, err := jose.ParseDetached(sig, payload, []jose.SignatureAlgorithm{jose.ES512})
	if err != nil {
		return false
	}
	return jws.DetachedVerify(payload, key) == nil
}

type eventJSON struct {
	EventType jsonx.String `json:"event_type"`
	// Type names the event in Payments v3 bodies.
	Type          jsonx.String `json:"type"`
	EventID       jsonx.String `json:"event_id"`
	CredentialsID jsonx.String `json:"credentials_id"`
	Timestamp     jsonx.Time   `json:"timestamp"`
}

func parseEvent(body []byte, ts time.Time) (*reauth.Event, error) {
	var e eventJSON
	// json.Unmarshal accepts "null" into a struct: require an object.
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &e) != nil {
		return nil, fmt.Errorf("truelayer: webhook: body is not the expected JSON object: %w", reauth.ErrInvalidPayload)
	}
	occurred := e.Timestamp.Time
	if occurred.IsZero() {
		occurred = ts.UTC()
	}
	return &reauth.Event{
		ID:           string(e.EventID),
		Provider:     provider,
		Type:         reauth.Other,
		ProviderType: cmp.Or(string(e.EventType), string(e.Type)),
		ConnectionID: string(e.CredentialsID),
		OccurredAt:   occurred,
		Raw:          append(json.RawMessage(nil), body...),
	}, nil
}
