// Package finch re-authenticates broken Finch (payroll/HRIS) connections.
//
// It has a typed client for the Finch endpoints a re-authentication needs
// ([Client.Introspect], [Client.NewReauthSession], [Client.ExchangeCode],
// [Client.Company] to prove a token works, [Client.Disconnect],
// [Client.NewConnectSession] for a fresh connection when re-authentication
// cannot help, [Client.SetSandboxConnectionStatus] for Finch's sandbox,
// and the legacy [Client.AuthorizeURL]), an adapter that makes [*Client] a
// [reauth.Reauthenticator] and a [reauth.Inspector], [CheckResponse] for
// the application's own data calls, and a [WebhookVerifier] for Finch's
// signed webhooks. Package finchtest is a simulated Finch to test against.
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
// The application's own calls (GET /employer/directory, ...) are checked
// with [CheckResponse], directly or through a [reauth.Transport]:
//
//	hc := &http.Client{Transport: &reauth.Transport{Check: finch.CheckResponse,
//		Notify: func(req *http.Request, err error) { /* reauth.ConnectionFrom(req.Context()) broke */ }}}
//
// A Client is safe for concurrent use. Flows hold no process state:
// Continue works on a flow decoded from JSON on another instance. A nil or
// zero Client (not made by [New]) returns an error from every method.
//
// # Authentication and timeouts
//
// Every request carries Finch-API-Version: 2020-09-17. /introspect,
// /disconnect and data endpoints use the access token as Bearer; Connect
// sessions use Basic client_id:client_secret; /auth/token takes the
// credentials in its JSON body. Finch's server may work on a request for
// up to 6 minutes, so the default HTTP client waits [DefaultTimeout] (6½
// minutes) per attempt; the ctx of each call still bounds it.
//
// # Errors
//
// A non-2xx answer is a [*reauth.APIError] with finch_code as Code (name
// when there is no finch_code; name also in Details["name"]) and
// Finch-Request-Id as RequestID. Branch with errors.Is or
// [reauth.NextAction]:
//
//   - 401 reauthenticate_user, and 401 invalid_token_error (the
//     connection's token is wrong or revoked, not the application's
//     credentials): reauth.ErrReauthRequired.
//   - 401 account_setup_required: reauth.ErrNewConnectionRequired (open a
//     new connection with [Client.NewConnectSession]).
//   - 403 error_permissions / insufficient_account_permissions:
//     [ErrInsufficientPermissions], also reauth.ErrReauthRequired.
//   - 402 payment_required: [ErrPaymentRequired], also
//     reauth.ErrUnauthorized; 401 invalid_client_error and 403
//     insufficient_scope_error: reauth.ErrUnauthorized.
//   - 429: reauth.ErrRateLimited (RetryAfter when Finch sent Retry-After);
//     5xx and 408: reauth.ErrProviderUnavailable. Finch documents that a
//     revoked connection can come back as 500 server_error; that error
//     keeps Finch's message, and Finch advises retrying hours later.
//   - 202 data_sync_in_progress (an assisted connection still syncing)
//     carries no data: reauth.ErrProviderUnavailable with StatusCode 202.
//
// Code exchanges and Disconnect are never retried after the request may
// have reached Finch. No error or printed value contains a token, code,
// secret, state or full URL, under any fmt verb or in slog.
//
// # Assumptions
//
// What Finch does not document, and how this package reads it:
//
//   - Session-based Connect and state: Begin appends the flow's state to the
//     session's connect_url (legacy Connect echoed it on the redirect);
//     whether Connect sessions echo it is not documented, so Continue
//     checks state when the callback has one and otherwise relies on the
//     connection-id check: a code whose token belongs to another connection
//     is refused with a [*ConnectionMismatchError], which keeps that token
//     so that the application can disconnect (or adopt) it.
//   - The cancel redirect is taken to carry OAuth's error=access_denied.
//   - Whether re-authentication revokes the old token is unknown: treat
//     the new one as the only valid token.
//   - Connection statuses are an open string; "disconnected" and
//     "error_reauth" (seen only in Finch's prose) are accepted; unknown
//     values map to reauth.Unknown. error_permissions is read as "the
//     employer must act" (NeedsReauth, and Finch Connect is where Finch
//     explains the permissions), error_no_account_setup as "a new
//     connection is needed" (Revoked), matching the 403 and 401 answers
//     Finch's error guide gives for them.
//   - Finch publishes no expiry date or advance warning for a connection:
//     Inspect never says ExpiringSoon, and its ExpiresAt is zero.
//   - 401 invalid_token_error is read as the connection's token (Finch:
//     "the access_token is incorrect"), so it asks for re-authentication;
//     a token the application itself disconnected answers the same.
//   - A 202 answer is a sync in progress only when its body says
//     data_sync_in_progress (CheckResponse); the client's own reads, which
//     never expect a 202, treat a bare 202 the same.
//   - account.updated back to connected is read as a completed
//     re-authentication; Finch sends the same event when a new connection
//     first connects.
//   - Whether Finch sends Retry-After on 429 is undocumented; it is
//     honoured when present.
//   - Webhook secrets are base64 with or without "whsec_"; the verifier
//     trusts the body size it is given (reauth.NewWebhookHandler caps it).
//   - last_successful_sync is kept as the string Finch sent; manual and
//     other fields are read leniently (a number or string where Finch
//     documents another type is accepted).
//
// Links: https://developer.tryfinch.com/api-reference/connect/reauthenticate-session,
// https://developer.tryfinch.com/api-reference/connect/new-session,
// https://developer.tryfinch.com/developer-resources/Webhooks,
// https://developer.tryfinch.com/api-reference/development-guides/errors/Error-Types.
package finch
