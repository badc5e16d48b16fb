package yapily

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Keys of Flow.Resume. Their values are opaque to the application.
const (
	resumeAuthorizedAt = "authorized_at"  // authorizedAt before the re-auth (RFC 3339), may be empty
	resumeTokenHash    = "consent_sha256" // SHA-256 of the consent token, to recognise the callback
	resumeConsentState = "consent_state"  // the consent's institution state, may be empty
)

// Callback query parameters Yapily's auth service is assumed to send to the
// application's callback. Yapily does not document their names; these are
// the ones its sample callback page shows and are matched leniently.
const (
	// CallbackConsent carries the consent token (no one-time token).
	CallbackConsent = "consent"
	// CallbackConsentID carries the consent id, when present.
	CallbackConsentID = "consentId"
	// CallbackError carries an error code when the user did not authorise.
	CallbackError = "error"
	// CallbackErrorDescription carries the error's description.
	CallbackErrorDescription = "error-description"
)

// callbackIDKeys are the parameters that may identify the consent, tried
// in addition to CallbackConsent and state.
var callbackIDKeys = []string{CallbackConsentID, "consent-id", "consent_id"}

// Begin asks Yapily to re-authorise a consent and returns a redirect flow to
// its authorisationUrl. req.ConnectionID is the consent id and req.Token the
// consent token (both required); req.UserIP is sent as psu-ip-address.
// req.RedirectURI is not sent: Yapily returns the user to the callback of
// the consent's original authorisation. The flow's State is req.State or a
// random value; Yapily does not carry it, so Continue recognises the callback
// by the consent token, the consent id or a state parameter (see Continue).
// Flow.ExpiresAt is Begin's time plus the flow TTL (WithFlowTTL): Yapily does
// not say how long an authorisationUrl works. When Yapily's answer names
// another consent than req.ConnectionID (the token is another consent's),
// Begin fails with reauth.ErrInvalidRequest.
func (c *Client) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "ConnectionID")
	}
	if err := checkID("ConnectionID", req.ConnectionID); err != nil {
		return nil, err
	}
	if req.Token == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "Token")
	}
	auth, err := c.ReauthoriseConsent(ctx, req.Token, PSU{IPAddress: req.UserIP})
	if err != nil {
		return nil, err
	}
	const op = "PATCH /account-auth-requests"
	if auth.ID != "" && auth.ID != req.ConnectionID {
		// The caller's Token and ConnectionID disagree; Yapily has already
		// started re-authorising the token's consent.
		return nil, fmt.Errorf("yapily: %s: Token belongs to another consent than ConnectionID: %w", op, reauth.ErrInvalidRequest)
	}
	if auth.AuthorisationURL == "" {
		return nil, c.http.InvalidResponse(op, "no authorisationUrl in the answer")
	}
	now := c.now()
	resume := map[string]string{resumeTokenHash: tokenHash(req.Token)}
	if !auth.AuthorizedAt.IsZero() {
		resume[resumeAuthorizedAt] = auth.AuthorizedAt.UTC().Format(time.RFC3339Nano)
	}
	if auth.State != "" {
		resume[resumeConsentState] = auth.State
	}
	flow := flowx.Redirect(reauth.Yapily, req.ConnectionID, flowx.State(req), auth.AuthorisationURL, now.Add(c.flowTTL), now, resume)
	flow.QRCodeURL = auth.QRCodeURL
	return flow, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Continue finishes a re-authorisation. With the callback's query it first
// checks that the callback belongs to the flow, before any request: its
// consent token (compared by SHA-256, in constant time), consent id or
// state parameter must match, and a callback carrying none of them is
// refused with reauth.ErrStateMismatch unless it reports an error. A
// callback error ("error" parameter) is reauth.ErrUserCancelled (or
// reauth.ErrProviderUnavailable for server_error). Then it reads the consent:
//
//   - AUTHORIZED with an authorizedAt newer than before Begin: a done flow;
//     the consent id and token are unchanged (CredentialsChanged false);
//   - still awaiting (AWAITING_RE_AUTHORIZATION, ...), or AUTHORIZED without
//     a newer authorizedAt: the same flow, not an error (ask again later);
//   - REJECTED: a *ConsentStatusError wrapping reauth.ErrUserCancelled;
//     FAILED, EXPIRED, REVOKED and others: one wrapping
//     reauth.ErrReauthRequired.
//
// An empty Reply only asks "is it done yet?" and reads the consent.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	now := c.now()
	if err := flowx.Check(reauth.Yapily, flow, now); err != nil {
		return nil, err
	}
	if flow.Step != reauth.StepRedirect {
		return nil, reauth.InvalidInput(reauth.Yapily, "flow", "is not a Yapily redirect flow")
	}
	if len(reply.Callback) > 0 {
		if err := c.checkCallback(flow, reply.Callback); err != nil {
			return nil, err
		}
	}
	consent, err := c.GetConsent(ctx, flow.ConnectionID)
	if err != nil {
		return nil, err
	}
	switch st := consent.Status; {
	case st == StatusAuthorized:
		if !authorizedSince(consent.AuthorizedAt, flow.Resume[resumeAuthorizedAt]) {
			return flowx.Clone(flow), nil
		}
		done := flowx.Done(reauth.Yapily, flow.ConnectionID, reauth.Credentials{ExpiresAt: consent.ExpiresAt}, false, now)
		return done, nil
	case st.Awaiting():
		return flowx.Clone(flow), nil
	default:
		return nil, &ConsentStatusError{ConsentID: flow.ConnectionID, Status: st}
	}
}

// authorizedSince reports whether authorizedAt is newer than the one
// recorded at Begin (RFC 3339; empty when the consent had none).
func authorizedSince(authorizedAt time.Time, before string) bool {
	if authorizedAt.IsZero() {
		return false
	}
	if before == "" {
		return true
	}
	prev, err := time.Parse(time.RFC3339Nano, before)
	if err != nil {
		return true
	}
	return authorizedAt.After(prev)
}

// callbackID is what a callback says about which consent it belongs to.
type callbackID struct {
	token, id, state string
	errCode, errDesc string
}

// parseCallback reads the parameters Continue uses from a callback query.
func parseCallback(cb url.Values) callbackID {
	out := callbackID{token: cb.Get(CallbackConsent), state: cb.Get("state"), errCode: cb.Get(CallbackError)}
	for _, k := range callbackIDKeys {
		if v := cb.Get(k); v != "" {
			out.id = v
			break
		}
	}
	for _, k := range []string{CallbackErrorDescription, "error_description"} {
		if v := cb.Get(k); v != "" {
			out.errDesc = v
			break
		}
	}
	return out
}

func (c *Client) checkCallback(flow *reauth.Flow, cb url.Values) error {
	p := parseCallback(cb)
	identified := false
	if p.token != "" {
		if !constEq(flow.Resume[resumeTokenHash], tokenHash(p.token)) {
			return mismatch()
		}
		identified = true
	}
	if p.id != "" {
		if !constEq(flow.ConnectionID, p.id) {
			return mismatch()
		}
		identified = true
	}
	if p.state != "" {
		if !constEq(flow.State, p.state) && !constEq(flow.Resume[resumeConsentState], p.state) {
			return mismatch()
		}
		identified = true
	}
	if p.errCode != "" {
		err := flowx.NewCallbackError(reauth.Yapily, p.errCode, scrubCallback(p.errDesc, cb))
		if ae, ok := err.(*reauth.APIError); ok && ae.Kind == reauth.ErrInvalidRequest {
			// Yapily documents no callback error codes: any refusal at the
			// bank is the user's.
			ae.Kind = reauth.ErrUserCancelled
		}
		return err
	}
	if !identified {
		return mismatch()
	}
	return nil
}

// scrubCallback removes from a callback's error description every other
// value of the callback that could be a secret (the consent token, ids).
func scrubCallback(desc string, cb url.Values) string {
	for k, vs := range cb {
		if k == CallbackErrorDescription || k == "error_description" {
			continue
		}
		for _, v := range vs {
			if len(v) >= 8 {
				desc = strings.ReplaceAll(desc, v, reauth.Redacted)
			}
		}
	}
	return desc
}

func mismatch() error {
	return fmt.Errorf("yapily: callback does not belong to the flow: %w", reauth.ErrStateMismatch)
}

// constEq compares in constant time; an empty want never matches.
func constEq(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// Inspect reads the consent req.ConnectionID and reports its health:
// AUTHORIZED is Healthy, or ExpiringSoon within the lead time (WithLeadTime)
// of expiresAt or reconfirmBy, or NeedsReauth once one has passed; awaiting
// statuses are Pending; EXPIRED, REJECTED and FAILED are NeedsReauth;
// REVOKED, or a consent deleted by the institution, is Revoked; anything
// else is Unknown. A 403 from Yapily is returned as an error wrapping
// reauth.ErrReauthRequired.
func (c *Client) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "ConnectionID")
	}
	consent, err := c.GetConsent(ctx, req.ConnectionID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	h := &reauth.Health{
		Provider:       reauth.Yapily,
		ConnectionID:   req.ConnectionID,
		ProviderStatus: string(consent.Status),
		ExpiresAt:      consent.ExpiresAt,
		ReconfirmBy:    consent.ReconfirmBy,
		CheckedAt:      now,
	}
	h.State = healthState(consent, now, c.leadTime)
	return h, nil
}

func healthState(consent *Consent, now time.Time, lead time.Duration) reauth.HealthState {
	switch st := consent.Status; {
	case consent.IsDeletedByInstitution || st == StatusRevoked:
		return reauth.Revoked
	case st == StatusAuthorized:
		return reauth.ClassifyExpiry(now, consent.ExpiresAt, consent.ReconfirmBy, lead)
	case st.Awaiting():
		return reauth.Pending
	case st == StatusExpired || st == StatusRejected || st == StatusFailed:
		return reauth.NeedsReauth
	}
	return reauth.Unknown
}
