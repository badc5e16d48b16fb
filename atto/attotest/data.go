package attotest

import (
	"net/http"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// DataAccountsPath is the simulated Bank Data read, Atto's
// GET /data/v2/consents/{consentId}/accounts (scope api:data).
const DataAccountsPath = "/data/v2/consents/{id}/accounts"

// dataAccounts answers Atto's accounts read the way its error guide says a
// broken consent answers: 403 consent_expired for an Expired consent (or
// an Active one past consentEnd), consent_revoked for a Revoked one,
// consent_denied for any other non-Active one. A working consent answers
// one simulated account; the body's shape is the simulator's assumption.
func (s *Server) dataAccounts(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, "api:data") {
		return
	}
	c, ok := s.Consent(r.PathValue("id"))
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "consent_not_found", "Consent not found")
	case c.Status == StatusExpired || (c.Status == StatusActive && !c.End.IsZero() && !s.now().Before(c.End)):
		writeError(w, http.StatusForbidden, "consent_expired", "Consent has expired")
	case c.Status == StatusRevoked:
		writeError(w, http.StatusForbidden, "consent_revoked", "Consent has been revoked")
	case c.Status != StatusActive:
		writeError(w, http.StatusForbidden, "consent_denied", "Access to this consent was denied")
	default:
		w.Header().Set("X-Correlation-Id", newUUID())
		sim.WriteJSON(w, http.StatusOK, map[string]any{"accounts": []map[string]any{{
			"accountId": "acc-" + c.ConsentID, "accountName": "Current Account",
			"currency": "GBP", "providerName": c.ProviderName,
		}}})
	}
}
