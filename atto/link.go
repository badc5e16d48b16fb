package atto

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Link is an Atto Connect re-auth link. URL holds the real link, with an
// api:consent access token in its fragment: it is a bearer credential for
// about an hour. Every fmt verb and slog print REDACTED for it.
type Link struct {
	// URL is https://connect.atto.co?consent_id=<id>#access_token=<token>.
	URL       string    `json:"url"`
	ConsentID string    `json:"consent_id"`
	ExpiresAt time.Time `json:"expires_at"` // when the token inside stops working
}

func (l Link) redacted() reauth.RedactedValue {
	return reauth.Redact("atto.Link",
		reauth.Show("URL", reauth.RedactSecret(l.URL)),
		reauth.Show("ConsentID", l.ConsentID),
		reauth.Show("ExpiresAt", l.ExpiresAt))
}

// Format prints the link with its URL redacted under every verb.
func (l Link) Format(s fmt.State, verb rune) { l.redacted().Format(s, verb) }

// String prints the link with its URL redacted.
func (l Link) String() string { return l.redacted().String() }

// GoString is String in Go syntax, for %#v.
func (l Link) GoString() string { return l.redacted().GoString() }

// LogValue logs the link with its URL redacted.
func (l Link) LogValue() slog.Value { return l.redacted().LogValue() }

// ReauthLink mints an Atto Connect link that re-authenticates (or, in the
// UK, reconfirms) a consent: the consent id in the query, a fresh
// api:consent token in the fragment. The token comes from the client's
// cache and is never older than needed: a link always has at least the
// minimum validity ([WithMinLinkValidity], 45 minutes by default) left,
// else a new token is fetched first. Should Atto issue tokens that live
// shorter than that minimum, three quarters of their lifetime is required
// instead (a fresh token is the best there is; the token cache applies
// that cap).
//
// Atto advises against emailing the link (it dies with its token after
// about an hour): email a link to a page of yours that calls ReauthLink and
// redirects the user there.
//
// Atto API docs: https://docs.atto.co/content/docs/guides/introduction/connect/reauthentication
func (c *Client) ReauthLink(ctx context.Context, consentID string) (*Link, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if err := checkConsentID(consentID); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("atto: reauth link: %w", err)
	}
	tok, err := c.consentTokens.TokenValidFor(ctx, c.minLinkValidity)
	if err != nil {
		return nil, err
	}
	u := c.connect.String() + "?" + url.Values{"consent_id": {consentID}}.Encode() +
		"#" + url.Values{"access_token": {tok.Value}}.Encode()
	return &Link{URL: u, ConsentID: consentID, ExpiresAt: tok.ExpiresAt}, nil
}
