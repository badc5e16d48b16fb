package atto

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Callback parameters Atto Connect appends to the application's redirect.
const (
	// CallbackState is "success" or "error": the journey's outcome, not a
	// CSRF nonce.
	CallbackState = "state"
	// CallbackConsentID is the consent id (present on success).
	CallbackConsentID = "consent_id"
	// CallbackError is the error code (present on state=error).
	CallbackError = "error"
	// CallbackErrorDescription is an optional error text.
	CallbackErrorDescription = "error_description"
	// CallbackCustomerRef is the application's customer reference.
	CallbackCustomerRef = "customer_ref"

	stateSuccess = "success"
	stateError   = "error"
)

// Connect callback error codes.
const (
	ErrorAccessDenied               = "access_denied"
	ErrorProviderPermanentError     = "provider_permanent_error"
	ErrorProviderUnsupportedFeature = "provider_unsupported_feature"
	ErrorCustomerCancelled          = "customer_cancelled"
	ErrorUnexpectedError            = "unexpected_error"
)

// Provider returns reauth.Atto.
func (c *Client) Provider() reauth.Provider { return reauth.Atto }

// Begin starts the re-authentication of the consent req.ConnectionID: it
// reads the consent (so that Continue can tell a renewal: see there), mints
// a Connect link ([Client.ReauthLink]) and returns a redirect flow whose
// URL is the link and whose ExpiresAt is the expiry of the token in it. A
// consent Atto does not know is reauth.ErrNotFound.
//
// req.Token, req.RedirectURI and req.UserIP are not used: Atto support
// configures the redirect back to the application. Atto Connect does not
// echo a CSRF state; Flow.State (req.State, or a random value) is kept for
// the application's own use, and Continue matches the callback by its
// consent_id instead.
func (c *Client) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("atto: begin: %w", err)
	}
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Atto, "ConnectionID")
	}
	seen, err := c.observe(ctx, req.ConnectionID)
	if err != nil {
		return nil, err
	}
	link, err := c.ReauthLink(ctx, req.ConnectionID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	return flowx.Redirect(reauth.Atto, req.ConnectionID, flowx.State(req), link.URL, link.ExpiresAt, now, seen.resume()), nil
}

// Continue finishes a flow from Begin.
//
//   - The callback of Atto Connect (state=success&consent_id=…): a
//     consent_id other than the flow's is ErrStateMismatch (constant-time,
//     before any request); then the consent is read, and Active means done
//     (the consent keeps its id and the application's token is unchanged,
//     so Result.CredentialsChanged is false); any other status returns the
//     flow unchanged, to be asked again.
//   - state=error: a [*ConnectError] carrying Atto's code and
//     description; it wraps ErrUserCancelled for access_denied ("the
//     customer or the bank has denied": Atto does not say which, its
//     description may) and customer_cancelled.
//   - An empty Reply asks "is it done yet?": the consent is read, and it is
//     done when it shows a renewal since Begin: Active now and not Active
//     at Begin, or its consentEnd (or statusUpdated) later than Begin saw.
//     Re-authenticating an Active consent need not change its status, so
//     consentEnd moving forward is what shows it. Otherwise the same flow
//     comes back.
func (c *Client) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if err := flowx.Check(reauth.Atto, flow, c.now()); err != nil {
		return nil, err
	}
	if flow.Step != reauth.StepRedirect {
		return nil, reauth.InvalidInput(reauth.Atto, "flow", "is not a redirect step")
	}
	if flow.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Atto, "flow.ConnectionID")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("atto: continue: %w", err)
	}
	if len(reply.Callback) == 0 {
		return c.poll(ctx, flow)
	}
	if err := checkCallback(flow, reply.Callback); err != nil {
		return nil, scrubCallbackError(err, flow)
	}
	consent, err := c.GetConsent(ctx, flow.ConnectionID)
	if err != nil {
		return nil, err
	}
	if consent.ConsentStatus == StatusActive {
		return c.done(flow), nil
	}
	return flowx.Clone(flow), nil
}

// checkCallback validates Atto's callback against flow without any I/O.
func checkCallback(flow *reauth.Flow, cb url.Values) error {
	consentID := cb.Get(CallbackConsentID)
	if consentID != "" {
		if err := flowx.CheckState(reauth.Atto, flow.ConnectionID, consentID); err != nil {
			return err
		}
	}
	state := cb.Get(CallbackState)
	if state == stateError || cb.Has(CallbackError) {
		return callbackError(cb)
	}
	switch {
	case state == "":
		return reauth.MissingInput(reauth.Atto, CallbackState)
	case state != stateSuccess:
		return reauth.InvalidInput(reauth.Atto, CallbackState, "is neither success nor error")
	case consentID == "":
		return reauth.MissingInput(reauth.Atto, CallbackConsentID)
	}
	return nil
}

// callbackError turns a state=error callback into a [*ConnectError]: the
// refusals (access_denied, customer_cancelled, or no code at all) wrap
// ErrUserCancelled; unexpected_error ErrProviderUnavailable; others
// ErrInvalidRequest. flowx already treats access_denied and
// customer_cancelled as refusals; only Atto's unexpected_error needs its
// kind set here.
func callbackError(cb url.Values) error {
	code := cb.Get(CallbackError)
	if code == "" {
		return &ConnectError{api: &reauth.APIError{
			Provider: reauth.Atto, Op: "callback",
			Message: "the Connect journey ended with state=error", Kind: reauth.ErrUserCancelled,
		}}
	}
	var apiErr *reauth.APIError
	if !errors.As(flowx.NewCallbackError(reauth.Atto, code, cb.Get(CallbackErrorDescription)), &apiErr) {
		return reauth.InvalidInput(reauth.Atto, CallbackError, "is unreadable")
	}
	if strings.EqualFold(code, ErrorUnexpectedError) {
		apiErr.Kind = reauth.ErrProviderUnavailable
	}
	return &ConnectError{Code: apiErr.Code, Description: apiErr.Message, api: apiErr}
}

// scrubCallbackError removes the flow's secrets (the token in its URL,
// its state) from a callback error's code and message: the callback comes
// from the user's browser and may carry anything.
func scrubCallbackError(err error, flow *reauth.Flow) error {
	var apiErr *reauth.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var ce *ConnectError
	errors.As(err, &ce)
	sc := httpx.NewScrubber(flow.State)
	if u, perr := url.Parse(flow.URL); perr == nil {
		if frag, ferr := url.ParseQuery(u.EscapedFragment()); ferr == nil {
			sc.Add(frag.Get("access_token"))
		}
	}
	sc.APIError(apiErr)
	if ce != nil {
		ce.Code, ce.Description = apiErr.Code, apiErr.Message
	}
	return err
}

// poll answers an empty Reply.
func (c *Client) poll(ctx context.Context, flow *reauth.Flow) (*reauth.Flow, error) {
	consent, err := c.GetConsent(ctx, flow.ConnectionID)
	if err != nil {
		return nil, err
	}
	if renewed(flow, consent) {
		return c.done(flow), nil
	}
	return flowx.Clone(flow), nil
}

func (c *Client) done(flow *reauth.Flow) *reauth.Flow {
	return flowx.Done(reauth.Atto, flow.ConnectionID, reauth.Credentials{}, false, c.now())
}

// Inspect reads the consent req.ConnectionID and reports its health:
//
//   - Active: Healthy, or ExpiringSoon when consentEnd is within the lead
//     time ([WithLeadTime], 7 days), or NeedsReauth once it has passed;
//   - Expired, Abandoned, Failed: NeedsReauth;
//   - Pending: Pending;
//   - Revoked: Revoked. Atto can re-authenticate a revoked consent too
//     (Begin works; the user may have to re-select accounts), but a
//     revocation is usually the user's choice, so it is not reported as
//     needing action;
//   - anything else: Unknown.
//
// An answer that itself says the consent needs the user (403
// consent_expired, consent_denied, sca_error: NeedsReauth; 403
// consent_revoked: Revoked) is a Health with a nil error, as every
// [reauth.Inspector] answers; other failures are errors. ExpiresAt is
// consentEnd. ReconfirmBy stays zero: Atto's API does not expose the UK
// 90-day reconfirmation date.
func (c *Client) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Atto, "ConnectionID")
	}
	now := c.now()
	consent, err := c.GetConsent(ctx, req.ConnectionID)
	if err != nil {
		if h, ok := healthFromError(err, req.ConnectionID, now); ok {
			return h, nil
		}
		return nil, err
	}
	return health(consent, req.ConnectionID, now, c.leadTime), nil
}

// healthFromError turns Atto's 403 re-auth answers into a Health.
func healthFromError(err error, id string, now time.Time) (*reauth.Health, bool) {
	var apiErr *reauth.APIError
	if !errors.Is(err, reauth.ErrReauthRequired) || !errors.As(err, &apiErr) {
		return nil, false
	}
	state := reauth.NeedsReauth
	if strings.EqualFold(apiErr.Code, CodeConsentRevoked) {
		state = reauth.Revoked
	}
	return &reauth.Health{
		Provider: reauth.Atto, ConnectionID: id, State: state,
		ProviderStatus: apiErr.Code, CheckedAt: now, Message: apiErr.Message,
	}, true
}

func health(consent *Consent, id string, now time.Time, lead time.Duration) *reauth.Health {
	h := &reauth.Health{
		Provider:       reauth.Atto,
		ConnectionID:   id,
		ProviderStatus: string(consent.ConsentStatus),
		ExpiresAt:      consent.ConsentEnd,
		CheckedAt:      now,
		Message:        consent.StatusDetails,
	}
	switch consent.ConsentStatus {
	case StatusActive:
		h.State = reauth.ClassifyExpiry(now, consent.ConsentEnd, time.Time{}, lead)
	case StatusExpired, StatusAbandoned, StatusFailed:
		h.State = reauth.NeedsReauth
	case StatusPending:
		h.State = reauth.Pending
	case StatusRevoked:
		h.State = reauth.Revoked
	default:
		h.State = reauth.Unknown
	}
	return h
}
