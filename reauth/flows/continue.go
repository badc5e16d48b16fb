package flows

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Error is what Continue returns when the provider call failed: the
// provider's error, what became of the stored flow, and the [reauth.Action]
// that follows. errors.Is and errors.As see through it to the provider's
// error; [reauth.NextAction] reads Action, which differs from the provider
// error's own action when the stored flow was failed because a one-time
// value may have been spent (see Continue).
type Error struct {
	// Status is what the stored flow became: StatusOpen (continue it again)
	// or StatusFailed (Begin again).
	Status Status
	// Action is what to do next.
	Action reauth.Action
	// Err is the provider's error.
	Err error
}

// Error describes the failure without any secret.
func (e *Error) Error() string {
	if e == nil {
		return "flows: continue: <nil>"
	}
	cause := "unknown error"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	return "flows: continue: " + cause + " (stored flow " + string(e.Status) + ")"
}

// Unwrap returns the provider's error.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// NextAction returns Action, for [reauth.NextAction].
func (e *Error) NextAction() reauth.Action {
	if e == nil {
		return reauth.ActionNone
	}
	return e.Action
}

// ErrFailed is wrapped, with reauth.ErrFlowExpired, by Continue's error for
// a flow that failed earlier: Begin again.
var ErrFailed = fmt.Errorf("flows: the flow failed earlier: %w", reauth.ErrFlowExpired)

// Continue feeds the user's reply to the flow stored under key and stores
// the next flow. It spends a code or OTP at most once, across every Manager
// sharing the store:
//
//   - it claims the record first: a record another holder is continuing is
//     ErrClaimed, one whose holder's lease ran out is failed and
//     reauth.ErrFlowExpired, both without I/O;
//   - a done record returns its stored done flow without I/O; a failed one
//     is ErrFailed;
//   - the provider call runs under a deadline inside the lease, and the
//     next flow is stored even when ctx ends meanwhile, so new tokens are
//     never dropped. When storing them fails, the done flow is returned
//     with the error.
//
// After a provider error the record stays open (same flow; continue it
// again) only when nothing can have been spent: the answer was rejected
// (reauth.ErrInputRejected), or the error proves no one-time value left
// (a [*reauth.InputError], caught before any request; reauth.ErrRateLimited,
// reauth.ErrStateMismatch, reauth.ErrMissingInput, reauth.ErrWrongProvider),
// or the reply carried no one-time value (an
// empty "is it done yet?" reply, a callback with only ids) and
// reauth.NextAction says to retry later or fix the configuration. Any
// other error fails the record: a callback code or OTP that met a 503 or a
// dropped connection may have been spent, and a second try could lock the
// user's bank account. The returned [*Error] says which.
func (m *Manager) Continue(ctx context.Context, key string, reply reauth.Reply) (*reauth.Flow, error) {
	if m == nil {
		return nil, errNilManager
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	rec, err := m.store.Claim(ctx, key, m.lease)
	if err != nil {
		rec.Key = key
		m.logf(ctx, "claim", rec, err)
		return nil, err
	}
	flow, openErr := m.open(rec)
	switch rec.Status {
	case StatusDone:
		return flow, openErr
	case StatusFailed:
		return nil, ErrFailed
	}
	if openErr != nil {
		// Release untouched: nothing was spent, and the data stays for a key
		// that opens it.
		_ = m.settle(ctx, key, rec.Data, StatusOpen, rec.ExpiresAt)
		return nil, openErr
	}
	// The provider call outlives the caller's ctx (a browser that hangs up
	// mid-callback): once a code is on its way, its answer (new tokens) must
	// be stored, never dropped. The lease still bounds it.
	callCtx, cancelCall := context.WithTimeout(context.WithoutCancel(ctx), m.lease*3/4)
	next, cerr := m.reg.Continue(callCtx, flow, reply)
	cancelCall()
	if cerr == nil && next == nil {
		cerr = fmt.Errorf("flows: continue: %s returned no flow: %w", rec.Provider, reauth.ErrInvalidResponse)
	}
	if cerr != nil {
		e := afterError(reply, cerr)
		rec.Status = e.Status
		if err := m.settle(ctx, key, rec.Data, e.Status, rec.ExpiresAt); err != nil {
			m.logf(ctx, "release", rec, err)
		}
		m.logf(ctx, "continue", rec, e)
		return nil, e
	}
	rec.Status = StatusOpen
	if next.Step == reauth.StepDone {
		rec.Status = StatusDone
	}
	data, err := m.seal(key, next)
	if err == nil {
		err = m.settle(ctx, key, data, rec.Status, m.expiry(next))
	}
	if err != nil {
		err = fmt.Errorf("flows: continue: the provider answered but the next flow was not stored: %w", err)
		m.logf(ctx, "store", rec, err)
		return next, err
	}
	m.logf(ctx, "continue", rec, nil)
	return next, nil
}

// settle stores the outcome of a claim and releases it, within the last
// quarter of the lease, even when ctx has ended: tokens a provider handed
// out are never dropped because the caller went away.
func (m *Manager) settle(ctx context.Context, key string, data []byte, status Status, expiresAt time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.lease/4)
	defer cancel()
	return m.store.Update(ctx, key, data, status, expiresAt)
}

// afterError decides what becomes of a record whose Continue failed with
// err; see Continue.
func afterError(reply reauth.Reply, err error) *Error {
	action := reauth.NextAction(err)
	open := &Error{Status: StatusOpen, Action: action, Err: err}
	var input *reauth.InputError
	switch {
	case errors.As(err, &input): // caught before any request was sent
		return open
	case errors.Is(err, reauth.ErrInputRejected), errors.Is(err, reauth.ErrRateLimited),
		errors.Is(err, reauth.ErrStateMismatch), errors.Is(err, reauth.ErrMissingInput),
		errors.Is(err, reauth.ErrWrongProvider), errors.Is(err, reauth.ErrUnknownProvider):
		// Refused before anything one-time left (or, for a mismatched
		// state, a callback that is not this flow's: it must not kill it).
		return open
	}
	if !spends(reply) && (action == reauth.ActionRetryLater || action == reauth.ActionFixConfig) {
		return open
	}
	if action == reauth.ActionRetryLater || action == reauth.ActionAskAgain {
		action = reauth.ActionBeginAgain
	}
	return &Error{Status: StatusFailed, Action: action, Err: err}
}

// reusable are callback parameters that carry no one-time value: our state,
// ids, a reusable consent token, and the provider's error fields.
var reusable = map[string]bool{
	"state": true, "consent_id": true, "consent": true, "application-user-id": true,
	"user-uuid": true, "institution": true, "error": true, "error_description": true,
	"error-description": true, "status": true, "reason": true, "ref": true,
}

// spends reports whether reply carries a value the provider accepts only
// once: any input (an OTP, an answer), or any callback parameter not known
// to be reusable (a code, or something unknown, to be safe).
func spends(reply reauth.Reply) bool {
	if len(reply.Inputs) > 0 {
		return true
	}
	return hasOther(reply.Callback)
}

func hasOther(q url.Values) bool {
	for k := range q {
		if !reusable[k] {
			return true
		}
	}
	return false
}
