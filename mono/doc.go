// Package mono re-authenticates Mono (Nigeria/Africa open banking) accounts:
// a typed client for the re-auth endpoints, a [reauth.Reauthenticator] and
// [reauth.Inspector] adapter, [CheckResponse] for your own data calls, a
// webhook verifier, and a simulated Mono in package monotest.
//
// # Which Mono API
//
// By default the client speaks Mono's current re-auth API, the v2 Partners
// API: POST /v2/connect/reauth/session ([Client.StartReauthSession]), POST
// /v2/connect/reauth/login ([Client.ReauthLogin]) and POST
// /v2/connect/commit ([Client.CommitAnswers]). Mono deprecated the v1
// Partners API on 2024-02-16 and kept it only until the end of May 2024; a
// v1 flow fails against today's Mono. [WithPartnersAPIV1] keeps the legacy
// v1 flow (POST /accounts/{id}/reauthorise, POST /v1/connect/session, POST
// /v1/connect/commit) for an app still on it. [WithLinkMode] uses Mono's
// hosted re-auth page (POST /v2/accounts/initiate) instead. Every call
// carries the mono-sec-key header.
//
// Headless, the flow never leaves your app. Mono first tries to log in in
// the background; when the bank wants the user, the flow is a StepInput
// flow whose Fields say what to ask: an OTP, a security answer, an account
// choice (one field, accountNumber, with Options), or the username and
// password again. Each answer's own form is the next step:
//
//	c, err := mono.New(mono.Credentials{SecretKey: os.Getenv("MONO_SECRET_KEY")})
//	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: accountID})
//	for err == nil && flow.Step == reauth.StepInput {
//		answers := askUser(flow.Prompt, flow.Fields) // map[field name]answer
//		next, cerr := c.Continue(ctx, flow, reauth.Reply{Inputs: answers})
//		if errors.Is(cerr, reauth.ErrInputRejected) {
//			continue // wrong OTP: ask again, same flow
//		}
//		flow, err = next, cerr
//	}
//	// flow.Step == reauth.StepDone: flow.Result.Credentials.Code is Mono's code
//
// A Client is safe for concurrent use. Flows are plain JSON (the session id
// lives in Flow.Resume), so Continue works on another instance.
//
// # One-time answers
//
// A commit spends the user's OTP and a login their password. Neither is
// retried except on a dial error or a 429, because sending an OTP twice
// can lock a bank account. Answers are JSON strings, so that an OTP "0123"
// keeps its leading zero. Mono answers both a wrong answer and a failing
// bank with a 400 ("incorrect credentials or an error from the connected
// institution"): only a message saying the answer was wrong ("Invalid OTP
// Sent" and its kin) is an [*InputRejectedError] (errors.Is(err,
// reauth.ErrInputRejected)); the session stays open, so ask again and
// Continue with the same flow. Any other 400 is an *reauth.APIError
// wrapping reauth.ErrProviderUnavailable: do not tell the user their OTP
// was wrong when their bank failed. An expired session is
// reauth.ErrFlowExpired: Begin again. Mono allows one real-time session per
// account every 5 minutes: its refusal wraps reauth.ErrRateLimited, with
// RetryAfter when Mono says how long.
//
// # Signals
//
// [CheckResponse] classifies the answers to your own data calls:
// REAUTHORISATION_REQUIRED in the body or the x-reauth-required header
// wrap reauth.ErrReauthRequired (x-job-status: failed alone does not). Use
// it as a reauth.Transport's Check:
//
//	hc := &http.Client{Transport: &reauth.Transport{Check: mono.CheckResponse, Notify: notify}}
//
// [Client.Inspect] reads GET /v2/accounts/{id}: NeedsReauth, Pending while
// data syncs, Healthy, Revoked once the account is unlinked.
//
// # Webhooks
//
// [NewWebhookVerifier] checks the mono-webhook-secret header in constant
// time. Mono has no HMAC and no timestamp, so replay protection is yours:
// [Deduper] skips redeliveries on the event id (or the body). Serve it with
// reauth.NewWebhookHandler, which caps the body. Events map to
// reauth.ReauthRequired (reauthorisation_required, account_updated with
// meta.sync_status REAUTHORISATION_REQUIRED, jobs.update with status
// REAUTHORISATION_REQUIRED), reauth.ReauthCompleted (account_reauthorized,
// its event_id as Event.ID) and reauth.ConsentRevoked (account_unlinked).
//
// # Printing
//
// Credentials, Client, Login, Step, Session, CommitResult and ReauthToken
// print redacted under every fmt verb and in slog. Flows and results keep
// their real values when marshalled to JSON: that is how they are stored.
//
// # Assumptions about undocumented behaviour
//
//   - v2 session id: Mono does not document where a 102/101 answer names
//     the session. It is read from data.id, data.session_id,
//     data.sessionId, the top level, or the x-session-id response header,
//     in that order, else the session the request named; it is kept in
//     Flow.Resume.
//   - v2 credentials step: Mono documents POST /v2/connect/reauth/login but
//     not how a session asks for it. A 102 form with a password field is
//     taken as the credentials step and answered with login; every other
//     form with commit.
//   - v2 forms: 102 carries data.userInput {title, form[]} (data.ui and a
//     top-level ui are read too); 101 carries data.accounts[] whose
//     accountNumber (or account_number, number, id) is the answer.
//   - Wrong answers: a 400 (or a 2xx with status "failed") whose message
//     (read by whole words)
//     says invalid/incorrect/wrong about an OTP, PIN, password,
//     credentials, answer or account selection, or a code such as
//     INVALID_OTP, is a wrong answer; any other is the institution's error.
//   - Rate limits: Mono's refusal of a second session is read from a 429,
//     or from a message about too many requests or a rate limit; "try again
//     in N seconds/minutes" sets RetryAfter when no Retry-After header does.
//   - Account health: the sync status is read from meta.sync_status (or
//     meta.last_sync_status, meta.status, data.sync_status); a 404 is an
//     unlinked account (Revoked); data_status failed or unavailable without
//     a re-auth signal is Unknown (it is data availability, not auth).
//   - Hosted link: Mono's redirect parameters are undocumented. The state
//     is put in redirect_url's own query and must come back; status
//     cancelled/closed/abandoned is reauth.ErrUserCancelled, another status
//     that is not a success is an error wrapping reauth.ErrReauthRequired;
//     a success is only a hint: Continue re-reads the account and reports
//     done only when it no longer needs re-auth. The link's lifetime is
//     unknown: the flow has no ExpiresAt.
//   - Webhooks: event_id is read at the top level or inside data; the
//     jobs.update status from data.status (or data.job.status,
//     data.meta.status), compared case-insensitively.
//   - Errors: Mono documents no error schema; bodies are read leniently
//     from status/message/code/error; a message about an expired session
//     maps to reauth.ErrFlowExpired.
//   - Legacy v1: the commit body is sent with string values (Mono's docs
//     show a number); a 400/402/422 commit answer is an InputRejectedError;
//     a 102 without a form asks the same fields again; the reauth token
//     lives 10 minutes (documented) and CreateSession is retried like a
//     read.
//   - Result.CredentialsChanged is false: the account id never changes; the
//     code Mono hands back is in Result.Credentials.Code.
//
// Mono docs: https://docs.mono.co/docs/financial-data/partners-api-guide/reauth-guide,
// https://docs.mono.co/docs/financial-data/reauth-link,
// https://docs.mono.co/api/bank-data/accounts/details,
// https://docs.mono.co/docs/financial-data/realtime-data,
// https://docs.mono.co/docs/financial-data/webhook-introduction.
package mono
