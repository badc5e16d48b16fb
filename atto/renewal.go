package atto

import (
	"context"
	"errors"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Flow.Resume keys: what Begin saw of the consent.
const (
	resumeStatus  = "consent_status"
	resumeEnd     = "consent_end"
	resumeUpdated = "status_updated"
)

// legacySkew is how far statusUpdated may lag behind the CreatedAt of a
// flow that carries no Resume (one begun by an older version of this
// package) and still count as a renewal during it.
const legacySkew = 2 * time.Minute

// seenConsent is the consent as Begin saw it.
type seenConsent struct {
	status  ConsentStatus
	end     time.Time
	updated time.Time
}

// observe reads the consent for Begin. A 403 re-auth answer (Atto may
// answer so for a broken consent) counts as a consent that is not Active;
// any other error ends Begin.
func (c *Client) observe(ctx context.Context, consentID string) (seenConsent, error) {
	consent, err := c.GetConsent(ctx, consentID)
	switch {
	case errors.Is(err, reauth.ErrReauthRequired):
		return seenConsent{}, nil
	case err != nil:
		return seenConsent{}, err
	}
	return seenConsent{status: consent.ConsentStatus, end: consent.ConsentEnd, updated: consent.StatusUpdated}, nil
}

func (s seenConsent) resume() map[string]string {
	return map[string]string{
		resumeStatus:  string(s.status),
		resumeEnd:     formatTime(s.end),
		resumeUpdated: formatTime(s.updated),
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// renewed reports whether consent shows a renewal since Begin: Active, and
// not Active at Begin, or its consentEnd or statusUpdated later than Begin
// saw. A flow without Resume (begun by an older version) falls back to
// statusUpdated not older than the flow.
func renewed(flow *reauth.Flow, consent *Consent) bool {
	if consent.ConsentStatus != StatusActive {
		return false
	}
	status, ok := flow.Resume[resumeStatus]
	if !ok {
		return consent.StatusUpdated.IsZero() || !consent.StatusUpdated.Before(flow.CreatedAt.Add(-legacySkew))
	}
	return ConsentStatus(status) != StatusActive ||
		consent.ConsentEnd.After(parseTime(flow.Resume[resumeEnd])) ||
		consent.StatusUpdated.After(parseTime(flow.Resume[resumeUpdated]))
}
