// Package truelayer repairs TrueLayer Data API connections whose 90-day
// consent has lapsed or is about to: a typed client for the endpoints
// involved, a [reauth.Reauthenticator] and [reauth.Inspector] adapter, and a
// webhook signature verifier. Package truelayertest is a simulated
// TrueLayer for tests.
//
// It covers, on the auth server: POST /v1/reauthuri ([Client.ReauthURI]),
// POST /connect/token ([Client.ExchangeCode], [Client.RefreshToken]); on
// the Data API: POST /data/v1/connections/extend
// ([Client.ExtendConnection]) and GET /data/v1/me ([Client.Me]); and
// webhook deliveries signed with Tl-Signature ([NewWebhookVerifier]).
//
// # Usage
//
//	c, err := truelayer.New(truelayer.Credentials{ClientID: id, ClientSecret: secret},
//		truelayer.WithEnvironment(truelayer.Sandbox))
//	// Begin with the stored refresh token and the original redirect URI.
//	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: credentialsID, Token: refreshToken,
//		RedirectURI: "https://app.example/truelayer/callback"})
//	// Store flow (JSON), send the user to flow.URL. On the callback:
//	flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: r.URL.Query()})
//	// flow.Result.Credentials is the new pair: replace the stored one atomically.
//
// A Client is safe for concurrent use. It keeps no per-flow state: a
// [reauth.Flow] stored as JSON can be continued on any instance.
//
// # Errors
//
// Every non-2xx answer is a *[reauth.APIError] (Code is TrueLayer's
// "error", or the problem+json "title"; RequestID is X-TL-Correlation-Id).
// Branch with errors.Is: errors.Is(err, reauth.ErrReauthRequired) is true
// for invalid_grant, 403 access_denied, a v3 403 or "Invalid State", and a
// /v1/reauthuri refusal (success:false or 401: the user must authorise from
// scratch). invalid_authorization_code (the code is stale or was already
// used) wraps reauth.ErrFlowExpired: Begin again. sca_exceeded keeps its
// code and wraps no sentinel: other data still works. Code exchanges are
// never retried once TrueLayer may have seen them (only on a dial error or
// a 429).
//
// # Assumptions about undocumented facts
//
//   - /v1/reauthuri takes JSON and no client credentials (four independent
//     implementations; reference §2.3); its bank link has no documented
//     lifetime, so Flow.ExpiresAt is zero.
//   - /connect/token takes form encoding (RFC 6749); expires_in may be a
//     number or a string.
//   - connections/extend: the path is configurable ([WithExtendPath]; the
//     docs disagree), the body follows third-party code, the
//     no_action_needed tokens use /connect/token's names, and state is sent
//     and required back on the redirect (whether TrueLayer echoes it is not
//     documented). The redirect's code may be named exchange_code or code.
//     The request may spend the refresh token, so it is never retried after
//     it may have been received.
//   - /me: the field names follow third-party clients and are decoded
//     leniently; consent_status values are an open set.
//   - Inspect takes an access token in Request.Token (Begin takes the
//     refresh token): refreshing inside Inspect would rotate the pair behind
//     the caller's back.
//   - No Data API v1 webhook signals consent expiry, so every webhook Event
//     has Type reauth.Other and ProviderType set to event_type.
//   - TrueLayer's JWKS writes P-521 coordinates without leading zero bytes;
//     the verifier decodes keys itself and left-pads them to 66 bytes.
//
// # Links
//
//   - https://docs.truelayer.com/reference/generatereauthlink
//   - https://docs.truelayer.com/reference/generateaccesstoken
//   - https://docs.truelayer.com/docs/extend-a-connection
//   - https://docs.truelayer.com/docs/error-codes-1
//   - https://github.com/TrueLayer/truelayer-signing
package truelayer
