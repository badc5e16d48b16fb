// Package truelayer repairs TrueLayer Data API connections whose 90-day
// consent has lapsed or is about to: a typed client for the endpoints
// involved, a [reauth.Reauthenticator] and [reauth.Inspector] adapter, and a
// webhook signature verifier. Package truelayertest is a simulated
// TrueLayer for tests.
//
// It covers, on the auth server: POST /v1/reauthuri ([Client.ReauthURI]),
// POST /connect/token ([Client.ExchangeCode], [Client.RefreshToken]); on
// the Data API: POST /data/v1/connections/extend
// ([Client.ExtendConnection], TrueLayer's recommended re-auth path, with
// [WithExtendFlow]) and GET /data/v1/me ([Client.Me]); the application's
// own data calls ([CheckResponse]); rotating token pairs ([TokenSource]);
// and webhook deliveries signed with Tl-Signature ([NewWebhookVerifier]).
//
// # Usage
//
//	c, err := truelayer.New(truelayer.Credentials{ClientID: id, ClientSecret: secret},
//		truelayer.WithEnvironment(truelayer.Sandbox),
//		truelayer.WithExtendFlow(lookUpUser)) // connections/extend
//	// Begin with the credentials id, the stored refresh token and the
//	// original redirect URI.
//	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: credentialsID, Token: refreshToken,
//		RedirectURI: "https://app.example/truelayer/callback"})
//	// Store flow (JSON), send the user to flow.URL. On the callback:
//	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: r.URL.Query()})
//	// flow.Result.Credentials is the new pair: replace the stored one atomically.
//
// Data calls and rotating tokens:
//
//	ts := c.TokenSource(stored, truelayer.WithTokenKey(credentialsID),
//		truelayer.WithTokenStore(load, save), truelayer.WithLocker(locker))
//	hc := &http.Client{Transport: ts.Transport(
//		&reauth.Transport{Check: truelayer.CheckResponse, Notify: startReauth})}
//	req = req.WithContext(reauth.WithConnection(ctx, reauth.TrueLayer, credentialsID))
//	// After a re-authentication stored its new pair: ts.Invalidate().
//
// # Rotating tokens
//
// A [TokenSource] keeps the access token in memory until it is due, as
// oauth2.ReuseTokenSource does; it reads the store only to refresh, never
// on every call. A pair replaced elsewhere (a re-authentication, another
// instance's refresh) is picked up when TrueLayer refuses the access token
// in memory: [TokenSource.Transport] then drops it by itself, and the next
// call reloads the store. With [TokenSource.OAuth2] and oauth2.Transport,
// call [TokenSource.Invalidate] from reauth.Transport's Notify when the
// error wraps [ErrAccessTokenExpired] (oauth2.NewClient's
// ReuseTokenSource would hide Invalidate until the token's expiry). The
// instance that stored a re-authentication calls Invalidate at once.
//
// One refresh per connection takes a Locker shared by every TokenSource of
// the connection ([WithLocker]): a database-backed one across processes,
// one [LocalLocker] within a process. By default each Client's
// TokenSources share that Client's own lock only. Without a shared Locker
// two instances may both refresh; TrueLayer refuses the loser's spent
// refresh token, and the loser reloads the store (for up to
// [WithStoreWait]) and takes the winner's pair: it reports
// reauth.ErrReauthRequired only when no newer pair lands in the store.
//
// A Client is safe for concurrent use. It keeps no per-flow state: a
// [reauth.Flow] stored as JSON can be continued on any instance. Printing
// or logging any value of this package (fmt under every verb, slog) shows
// no secret; encoding/json keeps the real values of data types such as
// [Token], which exist to be stored.
//
// # Errors
//
// Every non-2xx answer is a *[reauth.APIError] (Code is TrueLayer's
// "error", or the problem+json "title"; RequestID is X-TL-Correlation-Id).
// Branch with errors.Is: errors.Is(err, reauth.ErrReauthRequired) is true
// for invalid_grant, 403 access_denied, a v3 403 or "Invalid State", and a
// /v1/reauthuri refusal (success:false or 401: the user must authorise from
// scratch). A Data API 401 invalid_token wraps [ErrAccessTokenExpired]
// (refresh), never reauth.ErrUnauthorized (the app's own credentials).
// invalid_authorization_code (the code is stale or was already used) wraps
// reauth.ErrFlowExpired: Begin again. A 400 from connections/extend wraps
// [ErrExtendRefused]: TrueLayer refuses extend until it has reviewed the
// app's reconfirmation screen. Tokens of another connection after a code
// exchange are a *[ConnectionMismatchError] (reauth.ErrNewConnectionRequired)
// that carries them for revoking. sca_exceeded keeps its code and wraps no
// sentinel: other data still works. Code exchanges are never retried once
// TrueLayer may have seen them (only on a dial error or a 429).
//
// # Assumptions
//
// Facts TrueLayer does not publish, and what this package assumes:
//
//   - /v1/reauthuri takes JSON and no client credentials (four independent
//     implementations); its bank link has no documented lifetime, so
//     Flow.ExpiresAt is zero.
//   - /connect/token takes form encoding (RFC 6749); expires_in may be a
//     number or a string.
//   - connections/extend: the path is configurable ([WithExtendPath],
//     default [DefaultExtendPath]; one TrueLayer page says
//     /data/v1/connections/extend, another /connections/extend); the body
//     follows third-party code; the no_action_needed tokens use
//     /connect/token's names; the redirect's code may be named
//     exchange_code or code. The request may spend the refresh token, so it
//     is never retried after it may have been received. The body of the
//     400 sent before the reconfirmation screen's review is not published:
//     every 400 but invalid_grant is read as [ErrExtendRefused].
//   - state: sent to extend, but no TrueLayer page shows it in the body or
//     on the callback. Continue checks it when the callback carries one
//     and accepts a callback without; such a flow is bound by the code
//     (single use, 5 minutes, exchanged with the flow's redirect URI) and,
//     when Request.ConnectionID was given, by the credentials_id check
//     after the exchange. Without a ConnectionID nothing binds it further:
//     pass it.
//   - The credentials_id check reads /me with the new access token (one
//     more request per re-auth). When /me fails, the code is already
//     spent: the pair is returned on the *[ConnectionMismatchError].
//   - /me: the field names follow third-party clients and are decoded
//     leniently; consent_status values are an open set ([StatusAuthorised]
//     and friends are the ones seen).
//   - Inspect takes an access token in Request.Token (Begin takes the
//     refresh token): refreshing inside Inspect would rotate the pair behind
//     the caller's back.
//   - Rotation: whether TrueLayer accepts a refresh token again after a
//     refresh whose answer was lost is not documented; this package
//     assumes it does not (the simulator behaves so). A [TokenSource]
//     reloads the store and retries once; if TrueLayer then answers
//     invalid_grant with the same token and no newer pair lands in the
//     store within the store wait, the pair is gone ([ErrRefreshLost],
//     which wraps reauth.ErrReauthRequired).
//   - A re-authentication or refresh makes TrueLayer refuse the previous
//     access token (401 invalid_token) — the simulator does so; if
//     TrueLayer kept honouring it until its expiry, a TokenSource would
//     simply go on using it until then.
//   - A winner's save reaches the store within [DefaultStoreWait] of the
//     loser's refused refresh; a slower store needs [WithStoreWait].
//   - An access token or pair without ExpiresAt is treated as expired by a
//     TokenSource (refreshed once, after which TrueLayer's expires_in is
//     known).
//   - No Data API v1 webhook signals consent expiry, so every webhook Event
//     has Type reauth.Other and ProviderType set to event_type (or type,
//     the Payments v3 name); ID is event_id.
//   - The webhook's signed path is the request target as received
//     (r.RequestURI, with its query if any), as in TrueLayer's own Go
//     example; [WithWebhookPath] overrides it behind a rewriting proxy.
//   - TrueLayer's JWKS writes P-521 coordinates without leading zero bytes;
//     the verifier decodes keys itself and left-pads them to 66 bytes.
//   - A JWKS refetch is allowed every 10 seconds, failed fetches included;
//     inside that window a delivery whose key is not at hand is answered
//     "retry later" (503), trusting TrueLayer's documented retries.
//
// # Links
//
//   - https://docs.truelayer.com/reference/generatereauthlink
//   - https://docs.truelayer.com/reference/generateaccesstoken
//   - https://docs.truelayer.com/docs/extend-a-connection
//   - https://docs.truelayer.com/docs/extend-endpoint-integration-guide
//   - https://docs.truelayer.com/docs/data-v3-errors
//   - https://docs.truelayer.com/docs/error-codes-1
//   - https://github.com/TrueLayer/truelayer-signing
package truelayer
