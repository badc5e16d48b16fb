package yapily

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Keys of Flow.Resume. Their values are opaque to the application.
const (
	resumeAuthorizedAt    = "authorized_at"     // authorizedAt in the PATCH answer (RFC 3339), may be empty
	resumeLastConfirmedAt = "last_confirmed_at" // lastConfirmedAt in the PATCH answer, may be empty
	resumeExpiresAt       = "expires_at"        // expiresAt in the PATCH answer, may be empty
	resumeReconfirmBy     = "reconfirm_by"      // reconfirmBy in the PATCH answer, may be empty
	resumeStatus          = "status"            // status in the PATCH answer; absent means AWAITING_RE_AUTHORIZATION
	resumeTokenHash       = "consent_sha256"    // SHA-256 of the consent token, to recognise the callback
	resumeConsentState    = "consent_state"     // the consent's institution state, may be empty
	resumeMode            = "callback_mode"     // the CallbackMode, absent for CallbackConsentToken
)

// movers are the consent fields Yapily documents to advance when a
// re-authorisation completes, with the Resume key their value at Begin is
// kept under.
var movers = []struct {
	key string
	get func(*Consent) time.Time
}{
	{resumeLastConfirmedAt, func(c *Consent) time.Time { return c.LastConfirmedAt }},
	{resumeExpiresAt, func(c *Consent) time.Time { return c.ExpiresAt }},
	{resumeReconfirmBy, func(c *Consent) time.Time { return c.ReconfirmBy }},
	{resumeAuthorizedAt, func(c *Consent) time.Time { return c.AuthorizedAt }},
}

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

// oneTimeTokenKeys are the parameters that may carry a one-time token;
// Yapily names none, CallbackOneTimeToken is tried first.
var oneTimeTokenKeys = []string{CallbackOneTimeToken, "oneTimeToken", "one_time_token"}

// CallbackOneTimeToken carries the one-time token on the callback of an
// application whose authorisations ask for one (CallbackModeOneTimeToken).
const CallbackOneTimeToken = "one-time-token"

// CallbackMode says what the application receives when the user comes back
// from the bank, and so how Continue completes a flow.
type CallbackMode string

// The callback modes; see WithCallbackMode.
const (
	// CallbackModeConsentToken: Yapily's auth service (redirect
	// https://auth.yapily.com/) sends the user to the consent's callback
	// with the consent token in "consent". The default.
	CallbackModeConsentToken CallbackMode = "consent_token"
	// CallbackModeAuthCode: an own-licence customer's own redirect receives
	// "code" and "state" from the bank; Continue exchanges them with POST
	// /consent-auth-code before the consent is AUTHORIZED.
	CallbackModeAuthCode CallbackMode = "auth_code"
	// CallbackModeOneTimeToken: the authorisation asked for a oneTimeToken,
	// so the callback carries a one-time token (CallbackOneTimeToken)
	// instead of the consent token; Continue exchanges it with POST
	// /consent-one-time-token.
	CallbackModeOneTimeToken CallbackMode = "one_time_token"
)

// CallbackID returns what a Yapily callback carries to name its consent
// without a secret in the clear: the hex SHA-256 of the consent token in
// its "consent" parameter, or "" when it has none (an error, a one-time
// token or an own-licence code). It equals the hex SHA-256 of the
// Request.Token given to Begin, so an application that stored that hash
// finds a flow finished on another device (the QR code) without its cookie.
func CallbackID(callback url.Values) string {
	if t := callback.Get(CallbackConsent); t != "" {
		return tokenHash(t)
	}
	return ""
}

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
	if err := c.usable(); err != nil {
		return nil, err
	}
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
	for _, m := range movers {
		if t := m.get(&auth.Consent); !t.IsZero() {
			resume[m.key] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	if auth.Status != StatusAwaitingReAuthorization && auth.Status != "" {
		resume[resumeStatus] = string(auth.Status)
	}
	if auth.State != "" {
		resume[resumeConsentState] = auth.State
	}
	if c.mode != CallbackModeConsentToken {
		resume[resumeMode] = string(c.mode)
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
// reauth.ErrProviderUnavailable for server_error). In CallbackModeAuthCode
// the callback's code and state (the consent's state, checked first) are
// exchanged with POST /consent-auth-code; in CallbackModeOneTimeToken its
// one-time token with POST /consent-one-time-token, and the consent it
// names must be the flow's. Otherwise Continue reads the consent:
//
//   - AUTHORIZED again after the PATCH (which left it
//     AWAITING_RE_AUTHORIZATION), or with lastConfirmedAt, expiresAt,
//     reconfirmBy or authorizedAt later than in the PATCH answer: a done
//     flow; the consent id and token are unchanged (CredentialsChanged
//     false);
//   - still awaiting (AWAITING_RE_AUTHORIZATION, ...) with none of those
//     fields moved: the same flow, not an error (ask again later);
//   - REJECTED: a *ConsentStatusError wrapping reauth.ErrUserCancelled;
//     FAILED, EXPIRED, REVOKED and others: one wrapping
//     reauth.ErrReauthRequired.
//
// An empty Reply only asks "is it done yet?" and reads the consent.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	now := c.now()
	if err := flowx.Check(reauth.Yapily, flow, now); err != nil {
		return nil, err
	}
	if flow.Step != reauth.StepRedirect {
		return nil, reauth.InvalidInput(reauth.Yapily, "flow", "is not a Yapily redirect flow")
	}
	var consent *Consent
	if len(reply.Callback) > 0 {
		p, err := c.checkCallback(flow, reply.Callback)
		if err != nil {
			return nil, err
		}
		if consent, err = c.exchangeCallback(ctx, flow, p); err != nil {
			return nil, err
		}
	}
	if consent == nil {
		var err error
		if consent, err = c.GetConsent(ctx, flow.ConnectionID); err != nil {
			return nil, err
		}
	}
	switch st := consent.Status; {
	case st == StatusAuthorized && (beganAwaiting(flow) || advanced(consent, flow.Resume)),
		st.Awaiting() && advanced(consent, flow.Resume):
		creds := reauth.Credentials{ExpiresAt: consent.ExpiresAt}
		changed := consent.ConsentToken != "" && !httpx.MatchesAny(tokenHash(consent.ConsentToken), flow.Resume[resumeTokenHash])
		if changed {
			// Yapily keeps the token across a re-authorisation; should an
			// exchange hand back another, the application must store it.
			creds.AccessToken = consent.ConsentToken
		}
		return flowx.Done(reauth.Yapily, flow.ConnectionID, creds, changed, now), nil
	case st == StatusAuthorized || st.Awaiting():
		return flowx.Clone(flow), nil
	default:
		return nil, &ConsentStatusError{ConsentID: flow.ConnectionID, Status: st}
	}
}

// exchangeCallback spends the callback's code or one-time token when the
// flow's mode calls for it and returns the consent Yapily answered with, or
// nil when there is nothing to exchange.
func (c *Client) exchangeCallback(ctx context.Context, flow *reauth.Flow, p callbackID) (*Consent, error) {
	var consent *Consent
	var err error
	switch {
	case flowMode(flow) == CallbackModeAuthCode && p.code != "":
		consent, err = c.ExchangeAuthCode(ctx, p.code, p.state)
	case flowMode(flow) == CallbackModeOneTimeToken && p.oneTime != "":
		consent, err = c.ExchangeOneTimeToken(ctx, p.oneTime)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if consent.ID != "" && !httpx.MatchesAny(consent.ID, flow.ConnectionID) {
		return nil, fmt.Errorf("yapily: the callback authorised another consent than the flow's: %w", reauth.ErrStateMismatch)
	}
	return consent, nil
}

func flowMode(flow *reauth.Flow) CallbackMode {
	if m := flow.Resume[resumeMode]; m != "" {
		return CallbackMode(m)
	}
	return CallbackModeConsentToken
}

// beganAwaiting reports whether the PATCH answer left the consent awaiting
// re-authorisation (flows stored before the status was kept did).
func beganAwaiting(flow *reauth.Flow) bool {
	st := flow.Resume[resumeStatus]
	return st == "" || AuthorisationStatus(st).Awaiting()
}

// advanced reports whether one of the documented movers is later than in
// the PATCH answer; a field the answer lacked does not count.
func advanced(consent *Consent, resume map[string]string) bool {
	for _, m := range movers {
		before, ok := resume[m.key]
		if !ok {
			continue
		}
		prev, err := time.Parse(time.RFC3339Nano, before)
		if err == nil && m.get(consent).After(prev) {
			return true
		}
	}
	return false
}

// callbackID is what a callback says about which consent it belongs to.
type callbackID struct {
	token, id, state string
	code, oneTime    string
	errCode, errDesc string
}

// parseCallback reads the parameters Continue uses from a callback query.
func parseCallback(cb url.Values) callbackID {
	out := callbackID{token: cb.Get(CallbackConsent), state: cb.Get("state"), code: cb.Get("code"), errCode: cb.Get(CallbackError)}
	for _, k := range oneTimeTokenKeys {
		if v := cb.Get(k); v != "" {
			out.oneTime = v
			break
		}
	}
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

func (c *Client) checkCallback(flow *reauth.Flow, cb url.Values) (callbackID, error) {
	p := parseCallback(cb)
	err := c.matchCallback(flow, p, cb)
	return p, err
}

func (c *Client) matchCallback(flow *reauth.Flow, p callbackID, cb url.Values) error {
	identified := false
	switch flowMode(flow) {
	case CallbackModeAuthCode:
		// The code is spent by the exchange: it needs the consent's state
		// beside it, checked here first.
		if p.code != "" && p.state == "" {
			return mismatch()
		}
	case CallbackModeOneTimeToken:
		// The one-time token names its consent only once exchanged;
		// exchangeCallback checks that it is the flow's.
		identified = p.oneTime != ""
	}
	if p.token != "" {
		if !httpx.MatchesAny(tokenHash(p.token), flow.Resume[resumeTokenHash]) {
			return mismatch()
		}
		identified = true
	}
	if p.id != "" {
		if !httpx.MatchesAny(p.id, flow.ConnectionID) {
			return mismatch()
		}
		identified = true
	}
	if p.state != "" {
		if !httpx.MatchesAny(p.state, flow.State, flow.Resume[resumeConsentState]) {
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
	var sc httpx.Scrubber
	for k, vs := range cb {
		if k == CallbackErrorDescription || k == "error_description" {
			continue
		}
		for _, v := range vs {
			if len(v) >= 8 { // shorter values are codes and words, not secrets
				sc.Add(v)
			}
		}
	}
	return sc.String(desc)
}

func mismatch() error {
	return fmt.Errorf("yapily: callback does not belong to the flow: %w", reauth.ErrStateMismatch)
}

// Inspect reads the consent req.ConnectionID and reports its health:
// AUTHORIZED is Healthy, or ExpiringSoon within the lead time (WithLeadTime)
// of expiresAt or reconfirmBy, or NeedsReauth once one has passed; awaiting
// statuses are Pending; EXPIRED, REJECTED and FAILED are NeedsReauth;
// REVOKED, or a consent deleted by the institution, is Revoked; anything
// else is Unknown. A 403 that says the consent is no longer authorised is a
// NeedsReauth health with a nil error, like every reauth.Inspector; other
// failures are errors.
func (c *Client) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "ConnectionID")
	}
	consent, err := c.GetConsent(ctx, req.ConnectionID)
	if h := c.forbiddenHealth(req.ConnectionID, err); h != nil {
		return h, nil
	}
	if err != nil {
		return nil, err
	}
	h := c.health(consent)
	h.ConnectionID = req.ConnectionID
	return h, nil
}

// forbiddenHealth turns a 403 "consent no longer authorised" into a
// NeedsReauth health; nil for any other outcome.
func (c *Client) forbiddenHealth(id string, err error) *reauth.Health {
	var ae *reauth.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden || !errors.Is(err, reauth.ErrReauthRequired) {
		return nil
	}
	return &reauth.Health{
		Provider: reauth.Yapily, ConnectionID: id, State: reauth.NeedsReauth,
		ProviderStatus: ae.Code, CheckedAt: c.now(), Message: ae.Message,
	}
}

// health maps a consent to the Health that Inspect and InspectAll report.
func (c *Client) health(consent *Consent) *reauth.Health {
	now := c.now()
	return &reauth.Health{
		Provider:       reauth.Yapily,
		ConnectionID:   consent.ID,
		State:          healthState(consent, now, c.leadTime),
		ProviderStatus: string(consent.Status),
		ExpiresAt:      consent.ExpiresAt,
		ReconfirmBy:    consent.ReconfirmBy,
		CheckedAt:      now,
	}
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
