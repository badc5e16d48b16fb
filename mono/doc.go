// Package mono re-authenticates Mono (Nigeria/Africa open banking) accounts:
// a typed client for the re-auth endpoints, a [reauth.Reauthenticator]
// adapter, a webhook verifier, and a simulated Mono in package monotest.
//
// Covered endpoints: POST /accounts/{id}/reauthorise ([Client.Reauthorise]),
// POST /v1/connect/session ([Client.CreateSession]), POST /v1/connect/commit
// ([Client.Commit]), POST /v2/accounts/initiate ([Client.InitiateReauthLink])
// and POST /accounts/{id}/sync ([Client.Sync]). Every call carries the
// mono-sec-key header.
//
// The default, headless mode (Mono's Partners API) never leaves your app:
// Begin reauthorises the account and opens a Connect session. Mono first
// tries to log in in the background; when the bank wants the user, the flow
// is a StepInput flow whose Fields say what to ask (an OTP, a security
// answer, an account choice with Options):
//
//	c, err := mono.New(mono.Credentials{SecretKey: os.Getenv("MONO_SECRET_KEY")})
//	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: accountID})
//	for err == nil && flow.Step == reauth.StepInput {
//		answers := askUser(flow.Prompt, flow.Fields) // map[field name]answer
//		next, cerr := c.Continue(ctx, flow, reauth.Reply{Inputs: answers})
//		if errors.Is(cerr, mono.ErrInputRejected) {
//			continue // wrong OTP: ask again, same flow
//		}
//		flow, err = next, cerr
//	}
//	// flow.Step == reauth.StepDone: flow.Result.Credentials.Code is Mono's code
//
// [WithLinkMode] uses Mono's hosted re-auth page instead: Begin returns a
// StepRedirect flow, and Continue reads the callback.
//
// A Client is safe for concurrent use. Flows are plain JSON (the session id
// lives in Flow.Resume), so Continue works on another instance.
//
// # One-time commits
//
// Commit spends the user's OTP. It is never retried except on a dial error
// or a 429, because sending an OTP twice can lock a bank account. Answers
// are sent as JSON strings so that an OTP "0123" keeps its leading zero.
// A wrong answer returns an [*InputRejectedError] (errors.Is(err,
// ErrInputRejected)) and no flow: the session stays open, so ask the user
// again and Continue with the same flow. An expired session is
// reauth.ErrFlowExpired: Begin again.
//
// # Errors
//
// Mono's answers become [*reauth.APIError]. Its re-auth signal,
// REAUTHORISATION_REQUIRED, and a real-time data answer with x-job-status:
// failed (read it with [CheckJobStatus]) wrap reauth.ErrReauthRequired:
//
//	if errors.Is(err, reauth.ErrReauthRequired) { /* Begin a re-auth */ }
//
// Invalid arguments and answers are caught before any request:
// reauth.ErrMissingInput names the field, reauth.ErrInvalidRequest says
// what is wrong, never with the value.
//
// # Webhooks
//
// [NewWebhookVerifier] checks the mono-webhook-secret header in constant
// time. Mono has no HMAC and no timestamp, so replay protection is yours:
// [Deduper] skips redeliveries on the event id (or the body).
//
// # Assumptions about undocumented behaviour
//
//   - The commit body is sent with string values (Mono's docs show a
//     number); strings are assumed accepted.
//   - Mono does not document errors: bodies are read leniently from
//     status/message/code/error; a message about an expired session maps to
//     reauth.ErrFlowExpired, and a 400/402/422 commit answer to an
//     InputRejectedError.
//   - The 101 account selection form is read like any ui.form element, with
//     choices from options/accounts/choices (strings or objects with
//     value/id/_id/index and label/name/title/accountNumber).
//   - A commit answering 102 without a form asks the same fields again.
//   - Link mode: Mono's redirect parameters are undocumented. The state is
//     put in redirect_url's own query and must come back; status cancelled/
//     closed/abandoned is reauth.ErrUserCancelled, any other status but a
//     success (reauthorised, successful, linked, ...) is an error wrapping
//     reauth.ErrReauthRequired; code is kept when present. The hosted link's
//     lifetime is unknown: the flow has no ExpiresAt.
//   - The reauth token lives 10 minutes (documented); CreateSession is
//     retried like a read, assuming a token can open more than one session.
//   - Result.CredentialsChanged is false: the account id never changes; the
//     code Mono hands back is in Result.Credentials.Code.
//
// Mono docs: https://docs.mono.co/docs/connect-partners-api-reauthorisation,
// https://docs.mono.co/docs/financial-data/reauth-link,
// https://docs.mono.co/docs/financial-data/webhook-introduction.
package mono
