// Package flows stores re-authentication flows between the redirect out and
// the callback in, so that any instance can finish one and a code or an OTP
// is spent at most once.
//
// A [Manager] wraps a [reauth.Registry] and a [Store]: Begin starts a flow
// and stores it under a key (the SHA-256 of the flow's state, so the state
// itself is never a column); Redirect sends the user to the provider with a
// cookie naming the key; the [Manager.CallbackHandler] finds the flow from
// what the provider's callback carries (our state; else Atto's consent_id or
// the SHA-256 of Yapily's consent token, which also finds a QR-code flow
// finished on the user's phone; else the cookie) and continues it.
// [NewMemoryStore] is the embedded default; package sqlstore keeps flows in
// PostgreSQL or SQLite for several instances.
//
// # One spend per code
//
// Continue claims the record before calling the provider: one holder per
// lease (WithLease, default 2 minutes), across every Manager sharing the
// store. While another holder has it, Continue returns [ErrClaimed]; a done
// record returns its stored done flow; both without I/O. A holder whose
// lease ran out (it crashed, and may have spent the code) is never
// followed: the next Claim fails the record and returns
// reauth.ErrFlowExpired. The provider call runs under a deadline inside the
// lease and the result is stored even when the caller's context ends, so
// new tokens are never dropped.
//
// # What happens after an error
//
// A wrong answer (reauth.ErrInputRejected) leaves the record open with the
// same flow: ask again. Otherwise the rule is that a one-time value is never
// offered twice. A reply that carries one — a callback code, an OTP or any
// input, or any callback parameter not known to be a plain id — may have
// been spent even when the error looks transient (a 503 or a dropped
// connection after the provider took the code), so the record fails and
// [Error].Action is reauth.ActionBeginAgain, unless the error proves
// nothing left: a [reauth.InputError] (caught before any request),
// reauth.ErrRateLimited (the provider refused before using it),
// reauth.ErrStateMismatch (the callback is not this flow's, and must not
// kill it), reauth.ErrMissingInput or reauth.ErrWrongProvider. An empty
// reply ("is it done yet?" for Atto and Yapily) or a callback of ids only
// stays open when reauth.NextAction says to retry later or fix the
// configuration. Anything else fails the record; Begin again.
//
// # Secrets
//
// A record's Data is the flow's JSON: its state, Atto's tokened link,
// Resume values and, once done, the new tokens. [WithSealer] with
// [NewAESGCM] seals it before it reaches the store; key ids make keys
// rotate. Printing a [Record] never shows Data, under any verb; errors and
// logs never hold a secret.
//
// # Assumptions
//
//   - Atto's callback consent_id equals the flow's ConnectionID, and
//     Yapily's callback consent equals the Request.Token the flow began
//     with (Yapily keeps the consent token across a re-authorisation).
//   - The callback parameters state, consent_id, consent,
//     application-user-id, user-uuid, institution, error,
//     error_description, error-description, status, reason and ref carry
//     no one-time value; every other parameter (code, and anything unknown)
//     is treated as one.
//   - A 429 means the provider did not use the code or OTP.
package flows
