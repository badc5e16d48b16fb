package reauth

import (
	"context"
	"errors"
	"net"
)

// ErrInputRejected means the provider refused the user's answer (a wrong OTP or
// security answer). The flow is unchanged and can be continued again with a
// new answer.
var ErrInputRejected = errors.New("reauth: the answer was rejected")

// ErrNewConnectionRequired means re-authentication cannot repair this connection
// (it was deleted, it belongs to someone else, or the provider wants a new
// setup); the user must connect again from scratch.
var ErrNewConnectionRequired = errors.New("reauth: a new connection is required")

// Action is what an application should do after an error from a
// re-authentication call; see [NextAction].
type Action string

// The actions [NextAction] returns.
const (
	// ActionNone: there was no error.
	ActionNone Action = ""
	// ActionAskAgain: same flow, same step: the user's answer was rejected.
	ActionAskAgain Action = "ask_again"
	// ActionRetryLater: the same flow may be continued later: rate limited,
	// provider down or unreachable, and nothing one-time was spent.
	ActionRetryLater Action = "retry_later"
	// ActionBeginAgain: start a new re-authentication: the flow expired, was
	// spent or cancelled, or the callback did not belong to it.
	ActionBeginAgain Action = "begin_again"
	// ActionNewConnection: re-authentication cannot help: the consent is
	// gone, the user authorised another connection, or the provider needs a
	// new setup.
	ActionNewConnection Action = "new_connection"
	// ActionFixConfig: the application's credentials or request are wrong;
	// a user cannot fix it.
	ActionFixConfig Action = "fix_config"
)

// ActionError is implemented by errors that know the [Action] that follows
// them better than their sentinel does. [NextAction] asks the first one it
// finds in the chain.
type ActionError interface {
	error
	NextAction() Action
}

// NextAction tells what to do after err, through any wrapping. It reads, in
// order: an [ActionError] in the chain; [ErrInputRejected]; the sentinels
// of a new connection, of a flow that cannot go on, of a transient failure
// and of a configuration mistake. A context error is [ActionRetryLater] (the
// caller's own deadline or cancel, nothing was decided); an error it does not
// recognise is [ActionRetryLater] too when it is a network error, else
// [ActionBeginAgain], the answer that never spends anything twice.
func NextAction(err error) Action {
	if err == nil {
		return ActionNone
	}
	var ae ActionError
	if errors.As(err, &ae) {
		if a := ae.NextAction(); a != ActionNone {
			return a
		}
	}
	switch {
	case errors.Is(err, ErrInputRejected):
		return ActionAskAgain
	case errors.Is(err, ErrNewConnectionRequired), errors.Is(err, ErrNotFound):
		return ActionNewConnection
	case errors.Is(err, ErrFlowExpired), errors.Is(err, ErrUserCancelled),
		errors.Is(err, ErrStateMismatch), errors.Is(err, ErrReauthRequired):
		return ActionBeginAgain
	case errors.Is(err, ErrRateLimited), errors.Is(err, ErrProviderUnavailable),
		errors.Is(err, ErrInvalidResponse),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return ActionRetryLater
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrInvalidRequest),
		errors.Is(err, ErrMissingInput), errors.Is(err, ErrWrongProvider),
		errors.Is(err, ErrUnknownProvider):
		return ActionFixConfig
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ActionRetryLater
	}
	return ActionBeginAgain
}
