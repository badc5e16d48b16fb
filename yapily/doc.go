// Package yapily re-authorises Yapily account consents: a typed client for
// the consent endpoints (PATCH /account-auth-requests, GET, extend and DELETE
// /consents/{id}) and a reauth.Reauthenticator and reauth.Inspector on top
// of it, plus a verifier for Yapily webhooks.
//
// A Yapily re-authorisation keeps the consent: Begin sends the consent token
// to PATCH /account-auth-requests and returns a redirect flow to the bank's
// authorisationUrl (and its qrCodeUrl); after the user comes back, Continue
// finds the consent AUTHORIZED again (the PATCH left it
// AWAITING_RE_AUTHORIZATION), or its lastConfirmedAt, expiresAt or
// reconfirmBy moved on. The consent id and token do not change
// (Result.CredentialsChanged is false; Result.Credentials.ExpiresAt is the
// consent's new expiresAt). Own-licence customers, whose own redirect gets
// code and state from the bank, and applications whose callbacks carry a
// one-time token, set WithCallbackMode: Continue then exchanges what the
// callback carries (POST /consent-auth-code, POST /consent-one-time-token).
// A flow finished on another device (the QR code) is found by CallbackID.
// UK consents also need reconfirmation every 90 days without a bank visit:
// call ExtendConsent after the user reconfirmed, DeleteConsent if they opted
// out. Inspect reports a consent's reauth.Health (ExpiringSoon within
// WithLeadTime, default 7 days, of expiresAt or reconfirmBy; a 403 is a
// NeedsReauth health, not an error). For sweeps, ListConsents reads GET
// /consents with filter[status] and paging, and InspectAll turns its pages
// into Healths, one request per page.
//
// # Your own data calls
//
// CheckResponse classifies the answers to the application's own calls (GET
// /accounts with the consent header, ...) the way the Client classifies its
// own; with reauth.Transport it tells the application which consent needs
// re-authorisation:
//
//	hc := &http.Client{Transport: &reauth.Transport{Check: yapily.CheckResponse, Notify: notify}}
//	req = req.WithContext(reauth.WithConnection(ctx, reauth.Yapily, consentID))
//
// New checks the credentials and every option and reports all problems at
// once ("yapily: new client: ...", wrapping reauth.ErrInvalidRequest). One
// answer is read up to 1 MiB; WithMaxResponseBytes raises the cap.
//
// Printing a Client, Credentials, Consent, AccountAuthorisation or
// WebhookVerifier, under any fmt verb, by value or pointer, or logging it
// with slog shows its Go field names with secrets as REDACTED; encoding/json
// keeps the real values (a Consent stored as JSON keeps its token).
//
// A Client is safe for concurrent use. It keeps no flow state: a Flow may be
// stored as JSON and continued on another instance. Flow.Resume holds what
// the PATCH answer said (status, authorizedAt, lastConfirmedAt, expiresAt,
// reconfirmBy, the consent's institution state), the callback mode and a
// SHA-256 of the consent token, never the token itself.
//
// # Errors
//
// Every non-2xx answer is a *reauth.APIError, whichever of Yapily's three
// error shapes (ApiResponseError, ApiErrorResponse with issues, V2) it came
// in: Code is the first issue's code or the status text, RequestID the
// tracingId, and Details keep source, supportUrl, issues and the bank's
// institutionError as plain values scrubbed of the request's secrets (read
// them with IssuesOf and InstitutionErrorOf). A 403 wraps
// reauth.ErrReauthRequired (the consent is no longer authorised) unless an
// issue names a missing scope or credentials (reauth.ErrUnauthorized); a 401
// wraps reauth.ErrReauthRequired when the body blames the consent (see
// Assumptions), else reauth.ErrUnauthorized; a 424 keeps its code and wraps
// no sentinel.
// Branch with errors.Is(err, reauth.ErrReauthRequired). No error, log line or
// printed value shows the application secret, a consent token or the query of
// an authorisation URL.
//
// # Assumptions
//
// Facts Yapily does not document, and how the package reads them:
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
//   - Completion: Yapily documents status (back to AUTHORIZED),
//     lastConfirmedAt, expiresAt and reconfirmBy as what moves, and its
//     PATCH example keeps the old authorizedAt. A flow is done when the
//     consent is AUTHORIZED after a PATCH that left it awaiting, or when one
//     of those fields (or authorizedAt) is later than in the PATCH answer,
//     also while the status still shows awaiting. Which of them a given bank
//     moves is not documented.
//   - 401 on an AUTHORIZED consent: Yapily says to re-authorise when
//     consent failures such as 401 keep occurring, but 401 also means
//     refused application credentials. A 401 counts as the consent's fault
//     (reauth.ErrReauthRequired) only when its body says the bank refused
//     it: source INSTITUTION or USER, or an institutionError; a 401 with an
//     issue of type CREDENTIALS (code 10700), or with no such sign, is the
//     application's credentials (reauth.ErrUnauthorized). This split is
//     inferred; one 401 is no proof, so act on repeated ones.
//   - Own licence (CallbackModeAuthCode): the bank's redirect is assumed to
//     carry OAuth2 "code" and "state", state being the consent's state;
//     a code without that state is refused before it is spent.
//   - One-time tokens (CallbackModeOneTimeToken): the callback parameter is
//     not documented; CallbackOneTimeToken ("one-time-token"),
//     "oneTimeToken" and "one_time_token" are tried. The consent the token
//     names must be the flow's; a one-time token names no consent before it
//     is exchanged, so CallbackID is empty for such callbacks.
//   - GET /consents paging: offset and limit (1..1000), the end shown by a
//     short page or meta.pagination.totalCount; a consent added or removed
//     while a sweep walks the pages may be missed or seen twice.
//   - Webhooks: Yapily documents the HMAC secret (webhookSecret) but neither
//     the header nor the encoding. The defaults, HMAC-SHA256 of the raw body
//     in header X-Yapily-Signature (SignatureHeader), hex, optionally
//     "sha256="-prefixed, follow community code; change them with
//     WithSignatureHeader and WithSignatureEncoding. No consent webhook
//     category is published; see DefaultEventTypes and WithEventTypes.
//   - No rate limits or Retry-After are documented; 429 is retried and
//     Retry-After honoured when present.
//
// Links: https://docs.yapily.com/api-reference/authorisations/re-authorise-account-consent,
// https://docs.yapily.com/pages/key-concepts/account-data/account-consents,
// https://docs.yapily.com/pages/data/financial-data-resources/uk-data-consent-changes/,
// https://github.com/yapily/yapily-openapi.
package yapily
