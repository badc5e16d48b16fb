// Package atto repairs Atto (formerly DirectID) open-banking consents: a
// typed client for Atto's token endpoint, Consent API and stored-data
// refresh; Atto Connect re-auth links; a [reauth.Reauthenticator] and
// [reauth.Inspector] on *Client; and a webhook verifier.
//
// Atto has no server-side "start re-auth" call. A re-auth is a link to Atto
// Connect carrying the consent id in its query and an api:consent access
// token in its fragment; the user re-authenticates at the bank, Connect
// redirects to the application's callback (configured by Atto support) with
// state=success&consent_id=…, and the consent is Active again with the same
// id. Nothing about the application's credentials changes.
//
//	c, err := atto.New(atto.Credentials{ClientID: id, ClientSecret: secret})
//	if err != nil { ... }
//	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consentID})
//	// store flow (JSON); redirect the user to flow.URL
//	// ... in the callback handler:
//	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: r.URL.Query()})
//	switch {
//	case errors.Is(err, reauth.ErrUserCancelled): // the user said no
//	case err != nil: // ...
//	case flow.Step == reauth.StepDone: // consent Active again: resume fetching
//	}
//
// A Client is safe for concurrent use. Its one mutable part is a token
// cache per scope: however many goroutines call at once, one token fetch
// runs, and the token is reused until it gets close to expiry. A link is
// never handed out with less than 45 minutes of token validity left
// ([WithMinLinkValidity]; three quarters of the token lifetime should Atto
// issue shorter-lived tokens). A 401 unauthorised_client drops the cached
// token and the request is sent once more with a fresh one. Stored-data
// refresh ([Client.RefreshStoredData]) uses a separate api:stored_data
// token, cached the same way.
//
// # Sending users to Connect
//
// The token in a link is a bearer credential that dies after about an hour.
// Following Atto's advice, do not email links: email a link to a page of
// your own that calls [Client.ReauthLink] (or Begin) and redirects. [Link]
// and [reauth.Flow] print REDACTED instead of the URL; their fields hold
// the real URL.
//
// # Errors
//
// Every failure from Atto is an [*reauth.APIError] (Code is Atto's code,
// RequestID its CorrelationId). Atto's re-auth signals (403
// consent_expired, consent_revoked, consent_denied, sca_error) match
// reauth.ErrReauthRequired:
//
//	if errors.Is(err, reauth.ErrReauthRequired) { flow, err := c.Begin(ctx, ...) }
//
// 401 unauthorised_client matches reauth.ErrUnauthorized (the application's
// credentials), 429 reauth.ErrRateLimited with RetryAfter, 404
// reauth.ErrNotFound, 5xx reauth.ErrProviderUnavailable. Both of Atto's
// error shapes decode: {Code, Description, Details, CorrelationId} and
// {statusCode, message}. No error, log line or printed value contains the
// client secret, a token or a link.
//
// # The callback and Continue
//
// Atto's callback has no random state: state is the journey's outcome
// (success or error). Continue matches the callback to the flow by its
// consent_id, in constant time, before any request; a callback for another
// consent is reauth.ErrStateMismatch. On success it reads the consent and
// finishes when it is Active. An empty Reply asks "is it done?" and reads
// the consent too. Flow.State is still set (req.State or random) for the
// application's own use.
//
// # Webhooks
//
// Atto sends eventType "Consent" with consentJourney "Reauthentication"
// when a journey finishes, but documents no signature and no exact body.
// [NewWebhookVerifier] therefore never trusts the body: it first
// authenticates the delivery with a check the caller chooses and configures
// on the webhook at Atto (a shared-secret header, or HTTP Basic
// credentials; compared in constant time), takes only the consent id (and
// an event id for deduplication) from the body, then re-reads the consent
// through the API and builds the [reauth.Event] from what the API says.
// A forged or replayed body can at worst make the application look at a
// consent again. The one exception: a body whose status is
// UpcomingExpiration (Atto's expiry notice) turns an Active consent's
// event into ConsentExpiring.
//
// # Assumptions about undocumented facts
//
//   - The token answer's casing: both snake_case (Atto's prose) and
//     camelCase (its OpenAPI sample) are accepted; expires_in defaults to
//     one hour when missing.
//   - The list answer's envelope is undocumented: a bare array, or an
//     object with consents/items/data/results/value, is accepted.
//   - Revoke's answer body is undocumented and ignored.
//   - The webhook body's keys and casing are undocumented: see
//     [ParseNotification].
//   - Atto documents no request-id header; CorrelationId from the error
//     body is used, else X-Correlation-Id or X-Request-Id.
//   - A 403 {statusCode, message} answer (stored-data refresh) whose
//     message says revoked or expired is treated as a re-auth signal.
//   - Whether statusUpdated changes on a re-auth is undocumented; an empty
//     Reply counts an Active consent as renewed when statusUpdated is not
//     older than the flow (two minutes of skew allowed) or missing.
//
// Atto docs: https://docs.atto.co/content/docs/guides/introduction/connect/reauthentication,
// https://docs.atto.co/content/apis/get-token, https://docs.atto.co/content/apis/get-consents,
// https://docs.atto.co/content/docs/guides/platform-integration/errors.
package atto
