// Package yapily re-authorises Yapily account consents: a typed client for
// the consent endpoints (PATCH /account-auth-requests, GET, extend and DELETE
// /consents/{id}) and a reauth.Reauthenticator and reauth.Inspector on top
// of it, plus a verifier for Yapily webhooks.
//
// A Yapily re-authorisation keeps the consent: Begin sends the consent token
// to PATCH /account-auth-requests and returns a redirect flow to the bank's
// authorisationUrl (and its qrCodeUrl); after the user comes back, Continue
// reads the consent until it is AUTHORIZED again with a newer authorizedAt.
// The consent id and token do not change (Result.CredentialsChanged is
// false; Result.Credentials.ExpiresAt is the consent's new expiresAt).
//
//	client, err := yapily.New(yapily.Credentials{ApplicationID: id, ApplicationSecret: secret})
//	if err != nil { ... }
//	flow, err := client.Begin(ctx, reauth.Request{ConnectionID: consentID, Token: consentToken, UserIP: ip})
//	if errors.Is(err, reauth.ErrReauthRequired) {
//		// the consent cannot be re-authorised (revoked): create a new one
//	}
//	// store flow (JSON), send the user to flow.URL; on the callback:
//	flow, err = client.Continue(ctx, flow, reauth.Reply{Callback: r.URL.Query()})
//	if err == nil && flow.Step == reauth.StepDone { /* consent works again */ }
//	// not done yet: Continue(ctx, flow, reauth.Reply{}) later polls the consent
//
// UK consents also need reconfirmation every 90 days without a bank visit:
// call ExtendConsent after the user reconfirmed, DeleteConsent if they opted
// out. Inspect reports a consent's reauth.Health (ExpiringSoon within
// WithLeadTime, default 7 days, of expiresAt or reconfirmBy).
//
// A Client is safe for concurrent use. It keeps no flow state: a Flow may be
// stored as JSON and continued on another instance. Flow.Resume holds the
// consent's previous authorizedAt, its institution state and a SHA-256 of
// the consent token, never the token itself.
//
// # Errors
//
// Every non-2xx answer is a *reauth.APIError, whichever of Yapily's three
// error shapes (ApiResponseError, ApiErrorResponse with issues, V2) it came
// in: Code is the first issue's code or the status text, RequestID the
// tracingId, and Details keep source, supportUrl, issues and the bank's
// institutionError (IssuesOf, InstitutionErrorOf). A 403 wraps
// reauth.ErrReauthRequired (the consent is no longer authorised) unless an
// issue names a missing scope or credentials (reauth.ErrUnauthorized); a 401
// wraps reauth.ErrUnauthorized; a 424 keeps its code and wraps no sentinel.
// Branch with errors.Is(err, reauth.ErrReauthRequired). No error, log line or
// printed value shows the application secret, a consent token or the query of
// an authorisation URL.
//
// # Assumptions (facts Yapily does not document)
//
//   - Callback parameters: the callback is recognised by "consent" (the
//     consent token, compared by hash), "consentId" or "state" (the flow's or
//     the consent's institution state); "error" and "error-description" (or
//     "error_description") report a refusal, mapped to
//     reauth.ErrUserCancelled. A callback without any of them is refused with
//     reauth.ErrStateMismatch; poll with an empty Reply instead.
//   - A PATCH takes no callback: the user returns to the callback of the
//     original authorisation, so Request.RedirectURI is not used.
//   - How long an authorisationUrl works is not documented: flows expire
//     after WithFlowTTL (default one hour).
//   - After a completed re-authorisation the consent is AUTHORIZED with a
//     newer authorizedAt (the reference marks this unconfirmed).
//   - Webhooks: HMAC-SHA256 of the raw body in header X-Yapily-Signature, hex
//     (optionally "sha256="-prefixed); both configurable. No consent webhook
//     category is published; see DefaultEventTypes and WithEventTypes.
//   - No rate limits or Retry-After are documented; 429 is retried and
//     Retry-After honoured when present.
//
// Links: https://docs.yapily.com/api-reference/authorisations/re-authorise-account-consent,
// https://docs.yapily.com/pages/key-concepts/account-data/account-consents,
// https://docs.yapily.com/pages/data/financial-data-resources/uk-data-consent-changes/,
// https://github.com/yapily/yapily-openapi.
package yapily
