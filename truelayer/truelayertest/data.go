package truelayertest

import (
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// dataConnection authorises a Data API call by its Bearer access token, or
// answers as TrueLayer documents: 401 invalid_token for an unknown or
// expired access token, 403 access_denied for a lapsed or revoked consent.
// It returns a copy of the connection, or nil when it has answered.
func (s *Server) dataConnection(w http.ResponseWriter, r *http.Request) *connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[s.byAT[sim.BearerToken(r)]]
	now := s.now()
	switch {
	case c == nil || now.Sub(c.atIssuedAt) >= AccessTokenTTL:
		writeError(w, 401, "invalid_token", "the access token is invalid or expired")
		return nil
	case c.revoked || !now.Before(c.expiresAt):
		writeError(w, 403, "access_denied", "consent expired or revoked")
		return nil
	}
	cp := *c
	return &cp
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	c := s.dataConnection(w, r)
	if c == nil {
		return
	}
	sim.WriteJSON(w, 200, map[string]any{
		"results": []map[string]any{{
			"client_id": s.clientID, "credentials_id": c.id, "consent_status": "Authorised",
			"consent_status_updated_at": c.createdAt.UTC().Format(time.RFC3339),
			"consent_created_at":        c.createdAt.UTC().Format(time.RFC3339),
			"consent_expires_at":        c.expiresAt.UTC().Format(time.RFC3339),
			"provider":                  map[string]any{"provider_id": c.providerID, "display_name": c.providerName},
			"scopes":                    []string{"info", "accounts", "balance", "offline_access"},
		}},
		"status": "Succeeded",
	})
}

// handleAccounts is GET /data/v1/accounts: one current account.
func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	c := s.dataConnection(w, r)
	if c == nil {
		return
	}
	sim.WriteJSON(w, 200, map[string]any{
		"results": []map[string]any{{
			"update_timestamp": s.now().UTC().Format(time.RFC3339),
			"account_id":       "acc-" + c.id,
			"account_type":     "TRANSACTION",
			"display_name":     "Current account",
			"currency":         "GBP",
			"account_number":   map[string]any{"number": "12345678", "sort_code": "01-02-03"},
			"provider":         map[string]any{"provider_id": c.providerID, "display_name": c.providerName},
		}},
		"status": "Succeeded",
	})
}
