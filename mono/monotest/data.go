package monotest

import (
	"net/http"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// accountRead: GET /v2/accounts/{id}: the account with meta.data_status
// (lower case, as since 2025-09-15), meta.retrieved_data and, simulator
// choice for "the last sync status", meta.sync_status (SUCCESSFUL,
// PROCESSING or REAUTHORISATION_REQUIRED). An unlinked account is 404.
func (s *Server) accountRead(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	if a == nil || a.unlinked || strings.Contains(id, "/") {
		fail(w, http.StatusNotFound, "", "Account not found")
		return
	}
	data, sync := "available", "SUCCESSFUL"
	switch {
	case a.needsReauth:
		sync = "REAUTHORISATION_REQUIRED"
	case a.processing:
		data, sync = "processing", "PROCESSING"
	}
	s.v2ok(w, obj{
		"account": obj{"id": id, "name": "ADA LOVELACE", "currency": "NGN", "type": "SAVINGS",
			"account_number": AccountNumberSavings, "balance": 150000,
			"institution": obj{"name": "SimBank", "bank_code": "000", "type": "PERSONAL_BANKING"}},
		"customer": obj{"id": "cus_" + id},
		"meta": obj{"data_status": data, "auth_method": "internet_banking",
			"retrieved_data": []string{"balance", "transactions"}, "sync_status": sync},
	})
}

// transactions: GET /v2/accounts/{id}/transactions, the data endpoint.
// While the account needs re-auth it fails Mono's way (simulator choice of
// the exact answer): 400 {"status":"failed","code":
// "REAUTHORISATION_REQUIRED"} with the x-reauth-required: true header, and
// with x-realtime: true also x-job-status: failed.
func (s *Server) transactions(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	if a == nil || a.unlinked {
		fail(w, http.StatusNotFound, "", "Account not found")
		return
	}
	realtime := strings.EqualFold(r.Header.Get("x-realtime"), "true") || strings.EqualFold(r.Header.Get("x-real-time"), "true")
	if a.needsReauth {
		w.Header().Set("x-reauth-required", "true")
		if realtime {
			w.Header().Set("x-job-status", "failed")
			w.Header().Set("x-job-id", sim.NewID("job_"))
			s.queue(EventJobsUpdate, id, nil)
		}
		fail(w, http.StatusBadRequest, "REAUTHORISATION_REQUIRED", "This account requires reauthorisation")
		return
	}
	if realtime {
		w.Header().Set("x-job-status", "finished")
		w.Header().Set("x-has-new-data", "true")
	}
	day := s.now().UTC().Truncate(24 * time.Hour)
	sim.WriteJSON(w, http.StatusOK, obj{
		"status": "successful", "message": "Transaction retrieved successfully",
		"timestamp": s.now().UTC().Format(time.RFC3339Nano),
		"data": []obj{
			{"id": "txn_1", "narration": "POS SHOPRITE LEKKI", "amount": 520000, "type": "debit", "balance": 15000000,
				"date": day.Format(time.RFC3339), "category": "shopping"},
			{"id": "txn_2", "narration": "SALARY", "amount": 35000000, "type": "credit", "balance": 15520000,
				"date": day.Add(-24 * time.Hour).Format(time.RFC3339), "category": "income"},
		},
		"meta": obj{"total": 2, "page": 1, "previous": nil, "next": nil},
	})
}
