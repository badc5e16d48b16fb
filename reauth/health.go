package reauth

import (
	"context"
	"time"
)

// Inspector is implemented by Reauthenticators that can tell, without the
// user, whether a connection needs re-authentication soon.
//
// One rule for every provider: an answer that says something about the
// connection is a Health, never an error. A provider refusing the
// connection's consent or token (a 401 or 403 on the consent, an expired or
// revoked consent, a "reauthenticate" code) is a Health with State
// NeedsReauth (the user can repair it) or Revoked (a new connection is
// needed), and a nil error. Errors are for failures that say nothing about
// the connection: the provider unreachable or failing, the application's
// own credentials refused, a bad request, a cancelled ctx.
type Inspector interface {
	Inspect(ctx context.Context, req Request) (*Health, error)
}

// HealthState is a connection's state as far as re-authentication goes.
type HealthState string

// The health states.
const (
	// Healthy: working, no expiry within the lead time.
	Healthy HealthState = "healthy"
	// ExpiringSoon: working, but the consent expires (or must be reconfirmed)
	// within the lead time. Start a re-auth now.
	ExpiringSoon HealthState = "expiring_soon"
	// NeedsReauth: broken until the user re-authenticates. (DESIGN.md calls
	// it ReauthRequired; that name is the webhook [EventType], and one
	// package cannot hold both.)
	NeedsReauth HealthState = "needs_reauth"
	// Pending: an authorisation or sync is under way.
	Pending HealthState = "pending"
	// Revoked: the user or bank ended the connection; a new connection is
	// needed, not a re-auth.
	Revoked HealthState = "revoked"
	// Unknown: the provider said something reauthkit does not recognise.
	Unknown HealthState = "unknown"
)

// Health is what an [Inspector] found.
type Health struct {
	Provider     Provider    `json:"provider"`
	ConnectionID string      `json:"connection_id,omitempty"`
	State        HealthState `json:"state"`
	// ProviderStatus is the provider's own status string, unchanged.
	ProviderStatus string `json:"provider_status,omitempty"`
	// ExpiresAt is when the consent or access ends; zero when unknown.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// ReconfirmBy is when the user must reconfirm (UK 90-day rule); zero
	// when unknown or not applicable.
	ReconfirmBy time.Time `json:"reconfirm_by,omitzero"`
	// CheckedAt is when the provider was asked.
	CheckedAt time.Time `json:"checked_at,omitzero"`
	// Message is the provider's explanation, when it gave one.
	Message string `json:"message,omitempty"`
}

// NeedsAction reports whether the connection needs the user: it is
// ExpiringSoon or NeedsReauth.
func (h *Health) NeedsAction() bool {
	return h != nil && (h.State == ExpiringSoon || h.State == NeedsReauth)
}

// ClassifyExpiry returns Healthy, or ExpiringSoon when the earliest non-zero
// of expiresAt and reconfirmBy is within lead of now, or NeedsReauth when
// it has passed. Providers use it to turn dates into a state.
func ClassifyExpiry(now, expiresAt, reconfirmBy time.Time, lead time.Duration) HealthState {
	deadline := expiresAt
	if !reconfirmBy.IsZero() && (deadline.IsZero() || reconfirmBy.Before(deadline)) {
		deadline = reconfirmBy
	}
	switch {
	case deadline.IsZero():
		return Healthy
	case !now.Before(deadline):
		return NeedsReauth
	case deadline.Sub(now) <= lead:
		return ExpiringSoon
	}
	return Healthy
}
