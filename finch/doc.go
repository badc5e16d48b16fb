// Package finch re-authenticates broken Finch (payroll/HRIS) connections.
//
// It has a typed client for the Finch endpoints a re-authentication needs
// ([Client.Introspect], [Client.NewReauthSession], [Client.ExchangeCode],
// the legacy [Client.AuthorizeURL], and [Client.Company] to prove a token
// works), an adapter that makes [*Client] a [reauth.Reauthenticator] and a
// [reauth.Inspector], and a [WebhookVerifier] for Finch's signed webhooks.
// Package finchtest is a simulated Finch to test against.
//
// When Finch answers a data call with 401 finch_code reauthenticate_user,
// the employer must go through Finch Connect again. The result is a new
// access token for the same connection id:
//
//	c, err := finch.New(finch.Credentials{ClientID: id, ClientSecret: secret})
//	_, err = c.Company(ctx, accessToken)
//	if errors.Is(err, reauth.ErrReauthRequired) { // or finch.IsReauthRequired(err)
//		flow, err := c.Begin(ctx, reauth.Request{Token: accessToken, RedirectURI: cb})
//		// store flow (JSON), send the employer to flow.URL ...
//		// ... later, on the callback request r:
//		flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: r.URL.Query()})
//		if err == nil {
//			save(flow.Result.ConnectionID, flow.Result.Credentials.AccessToken)
//		}
//	}
//
// A Client is safe for concurrent use. Flows hold no process state:
// Continue works on a flow decoded from JSON on another instance.
//
// # Authentication
//
// Every request carries Finch-API-Version: 2020-09-17. /introspect and data
// endpoints use the access token as Bearer; Connect sessions use Basic
// client_id:client_secret; /auth/token takes the credentials in its JSON
// body.
//
// # Errors
//
// A non-2xx answer is a [*reauth.APIError] with finch_code as Code (name
// when there is no finch_code; name also in Details["name"]) and
// Finch-Request-Id as RequestID. Branch with errors.Is: 401
// reauthenticate_user is reauth.ErrReauthRequired, other 401s
// reauth.ErrUnauthorized, 429 reauth.ErrRateLimited (RetryAfter when Finch
// sent Retry-After, which it does not document), 5xx
// reauth.ErrProviderUnavailable; so is a 202 data_sync_in_progress answer to
// a data call (an assisted connection still syncing: no data yet, try
// later), with StatusCode 202. Finch documents that a revoked connection
// can come back as 500 server_error; that error keeps Finch's message, and
// Finch advises retrying hours later, not at once. Code exchanges spend a
// one-time code and are never retried after the request may have reached
// Finch. No error contains a token, code, secret or full URL.
//
// # Assumptions about what Finch does not document
//
//   - Session-based Connect and state: Begin appends the flow's state to the
//     session's connect_url (legacy Connect echoed it on the redirect);
//     whether Connect sessions echo it is not documented, so Continue
//     checks state when the callback has one and otherwise relies on the
//     connection-id check: a code whose token belongs to another connection
//     is refused with a [*ConnectionMismatchError].
//   - The cancel redirect is taken to carry OAuth's error=access_denied.
//   - Whether re-authentication revokes the old token is unknown: treat
//     the new one as the only valid token.
//   - Connection statuses are an open string; "disconnected" and
//     "error_reauth" (seen only in Finch's prose) are accepted; unknown
//     values map to reauth.Unknown.
//   - Webhook secrets are base64 with or without "whsec_".
//   - last_successful_sync is kept as the string Finch sent.
//
// Links: https://developer.tryfinch.com/api-reference/connect/reauthenticate-session,
// https://developer.tryfinch.com/developer-resources/Webhooks,
// https://developer.tryfinch.com/api-reference/development-guides/errors/Error-Types.
package finch
