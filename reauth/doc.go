// Package reauth is the provider-neutral contract of reauthkit: one interface,
// [Reauthenticator], over the re-authentication flows of Atto, TrueLayer,
// Yapily, Finch and Mono, plus the pieces every application gets wrong when it
// hand-rolls them: telling a "needs re-auth" error apart from the others
// ([ErrReauthRequired] through [errors.Is]), storing a half-finished flow
// between the redirect out and the callback in ([Flow] is plain JSON),
// checking the callback's state in constant time, spotting consents about to
// expire ([Inspector]) and accepting webhooks only after their signature has
// been checked ([NewWebhookHandler]).
//
// A re-auth is a small state machine. Begin starts it; each Continue feeds
// back what the user did (the callback's query, or the answers to the
// provider's questions) and returns the next state:
//
//	flow, err := r.Begin(ctx, reauth.Request{ConnectionID: id, RedirectURI: cb})
//	// store flow (JSON), send the user to flow.URL ...
//	flow, err = r.Continue(ctx, flow, reauth.Reply{Callback: callbackURL.Query()})
//	if flow.Step == reauth.StepDone { save(flow.Result.Credentials) }
//
// Package reauth imports no provider package; each provider package (atto,
// truelayer, yapily, finch, mono) implements [Reauthenticator] on its *Client.
// [Registry] dispatches to several of them by [Provider].
//
// Printing or logging a [Flow], [Result] or [Credentials] never shows a token,
// a code, the secret part of a URL or the provider data kept for Continue:
// their String, GoString and LogValue methods print REDACTED. Their exported
// fields and their JSON keep the real values, because the caller needs them.
package reauth
