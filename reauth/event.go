package reauth

import (
	"encoding/json"
	"time"
)

// EventType is the normalised meaning of a provider webhook.
type EventType string

// The event types.
const (
	// ReauthRequired: the connection broke; start a re-auth.
	ReauthRequired EventType = "reauth_required"
	// ReauthCompleted: the user finished a re-auth.
	ReauthCompleted EventType = "reauth_completed"
	// ConsentExpiring: the consent ends soon; start a re-auth.
	ConsentExpiring EventType = "consent_expiring"
	// ConsentExpired: the consent has ended.
	ConsentExpired EventType = "consent_expired"
	// ConsentRevoked: the user or bank ended the consent.
	ConsentRevoked EventType = "consent_revoked"
	// Other: any event reauthkit does not normalise; see ProviderType.
	Other EventType = "other"
)

// Event is a verified webhook delivery, normalised.
type Event struct {
	// ID is the provider's event id, when it sends one (use it to dedupe).
	ID       string    `json:"id,omitempty"`
	Provider Provider  `json:"provider"`
	Type     EventType `json:"type"`
	// ProviderType is the provider's own event type, unchanged.
	ProviderType string `json:"provider_type,omitempty"`
	ConnectionID string `json:"connection_id,omitempty"`
	// OccurredAt is when the provider says the event happened; zero when it
	// does not say.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
	// Raw is the delivery's body, exactly as received and verified.
	Raw json.RawMessage `json:"raw,omitempty"`
}
