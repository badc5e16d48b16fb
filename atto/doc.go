// Package atto repairs Atto (formerly DirectID) open-banking consents: a
// typed client for Atto's token endpoint, Consent API and stored-data
// refresh; Atto Connect re-auth links; a [reauth.Reauthenticator] and
// [reauth.Inspector] on *Client with a bulk sweep source
// ([Client.InspectAll]); [CheckResponse] for the application's own data
// calls; and a webhook verifier.
//
// Atto has no server-side "start re-auth" call. A re-auth is a link to Atto
// Connect carrying the consent id in its query and an api:consent access
// token in its fragment; the user re-authenticates at the bank, Connect
// redirects to the application's callback (configured by Atto support) with
// state=success&consent_id=…, and the consent is Active again with the same
// id and a later consentEnd. Nothing about the application's credentials
// changes.
//
//	c, err := atto.New(atto.Credentials{ClientID: id, ClientSecret: secret})
//	if err != nil { ... }
//	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consentID})
//	// store flow (JSON); redirect the user to flow.URL
//	// ... in the callback handler:
//	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: r.URL.Query()})
//	switch {
//	case errors.Is(err, reauth.ErrUserCancelled): // the customer or the bank said no
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
// {statusCode, message}. No error, log line or printed value (under any fmt
// verb, by value or by pointer, or through slog) contains the client
// secret, a token or a link.
//
// [New] reports every bad argument or option at once, in one error
// ("atto: new client: ...") that wraps reauth.ErrInvalidRequest. An
// answer is read up to 1 MiB; [WithMaxResponseBytes] raises the cap for a
// larger one (a big ListConsents page).
//
// A Connect journey that ended with state=error is a [*ConnectError]
// carrying Atto's code and error_description. Atto's access_denied means
// "the customer or the bank has denied": it matches
// reauth.ErrUserCancelled, as customer_cancelled does, and
// [ConnectError.CancelledByCustomer] tells the two codes apart; show
// Description when the app wants to say which.
//
// # Your own data calls
//
// [CheckResponse] classifies the answers of the calls the application
// makes itself (Bank Data, stored data) with the same codes, leaving the
// body readable; put it in a [reauth.Transport] to learn which connection
// broke:
//
//	hc := &http.Client{Transport: &reauth.Transport{Check: atto.CheckResponse, Notify: startReauth}}
//	req = req.WithContext(reauth.WithConnection(ctx, reauth.Atto, consentID))
//
// # Sweeps
//
// [Client.InspectAll] reports the health of every consent Atto lists,
// one request per page, mapped as [Client.Inspect] maps one.
//
// # The callback and Continue
//
// Atto's callback has no random state: state is the journey's outcome
// (success or error). Continue matches the callback to the flow by its
// consent_id, in constant time, before any request; a callback for another
// consent is reauth.ErrStateMismatch. On success it reads the consent and
// finishes when it is Active. Flow.State is still set (req.State or
// random) for the application's own use.
//
// An empty Reply asks "is it done?" and reads the consent too. Begin
// records the consent's status, consentEnd and statusUpdated in
// Flow.Resume; the flow is done once the consent is Active and was not at
// Begin, or its consentEnd (or statusUpdated) is later than Begin saw.
// Re-authenticating a consent that is still Active need not change its
// status, and Atto does not say that statusUpdated moves: consentEnd
// moving forward is what shows the renewal.
//
// # Webhooks
//
// Atto sends eventType "Consent" with consentJourney "Reauthentication"
// when a journey finishes, but documents no signature, no authentication
// of deliveries and no exact body. [NewWebhookVerifier] therefore never
// trusts the body. It first authenticates the delivery with a check that
// is the application's own convention, not Atto's: a shared-secret header
// ([WithSharedSecretHeader]) or HTTP Basic credentials ([WithBasicAuth])
// that the application sets up on its webhook with Atto, compared in
// constant time. It then takes only the consent id (and an event id for
// deduplication) from the body, re-reads the consent through the API and
// builds the [reauth.Event] from what the API says: that re-read is the
// real protection. A forged or replayed body can at worst make the
// application look at a consent again. The one exception: a body whose
// status is UpcomingExpiration (Atto's expiry notice) turns an Active
// consent's event into ConsentExpiring. The body's size is capped by
// [reauth.NewWebhookHandler], not by the verifier.
//
// # Assumptions
//
// Facts no Atto document settles, decoded leniently or chosen as below:
//
//   - Renewal: that a re-authentication of an Active consent shows in a
//     later consentEnd (or statusUpdated), not in its status, is inferred
//     from Atto's guides. A consent with no consentEnd that was already
//     Active at Begin can only finish through the callback. A flow begun
//     by an older version (no Resume) finishes on an empty Reply when the
//     consent is Active and its statusUpdated is missing or not older than
//     the flow (two minutes of skew allowed).
//   - Begin reads the consent first; a 403 re-auth answer there counts as
//     a consent that is not Active.
//   - access_denied (customer or bank) wraps reauth.ErrUserCancelled: for
//     the application both mean "not renewed; the user may try again".
//     provider_permanent_error and provider_unsupported_feature wrap
//     reauth.ErrInvalidRequest, unexpected_error
//     reauth.ErrProviderUnavailable.
//   - The token answer's casing: both snake_case (Atto's prose) and
//     camelCase (its OpenAPI sample) are accepted; expires_in defaults to
//     one hour when missing.
//   - The list answer is a bare array in Atto's reference; an object with
//     consents/items/data/results/value (and total/totalCount/count) is
//     accepted too. InspectAll pages with offset and limit and stops at a
//     short page, a page larger than asked for, or a page repeating the
//     previous one.
//   - A 403 consent_revoked answer is reported by Inspect as Revoked, the
//     other 403 re-auth codes as NeedsReauth.
//   - Revoke's answer body is undocumented and ignored.
//   - The webhook body's keys and casing are undocumented: see
//     [ParseNotification]. Atto documents no webhook signing: the
//     verifier's header and Basic checks are the application's own
//     convention.
//   - Atto documents no request-id header; CorrelationId from the error
//     body is used, else X-Correlation-Id or X-Request-Id.
//   - A 403 {statusCode, message} answer (stored-data refresh) whose
//     message says revoked or expired is treated as a re-auth signal.
//   - The Bank Data read the simulator serves and CheckResponse is tested
//     on is GET /data/v2/consents/{consentId}/accounts (scope api:data);
//     that it answers a broken consent with the 403 codes of Atto's error
//     guide is assumed, as is its body's shape.
//
// Atto docs: https://docs.atto.co/content/docs/guides/introduction/connect/reauthentication,
// https://docs.atto.co/content/apis/get-token, https://docs.atto.co/content/apis/get-consents,
// https://docs.atto.co/content/docs/guides/platform-integration/errors,
// https://docs.atto.co/content/apis/data-api-pagination.
package atto
