package monotest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

type token struct {
	account string
	expires time.Time
}

// reauthorise: POST /accounts/{id}/reauthorise → {"token"} (v1).
func (s *Server) reauthorise(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a == nil || a.unlinked {
		fail(w, http.StatusNotFound, "", "Account not found")
		return
	}
	tok := sim.NewSecret("")[:20]
	s.tokens[tok] = token{account: id, expires: s.now().Add(TokenTTL)}
	sim.WriteJSON(w, http.StatusOK, obj{"token": tok})
}

// sync: POST /accounts/{id}/sync. Simulator choice: an account needing
// re-auth answers 400 {"status":"failed","code":"REAUTHORISATION_REQUIRED"}.
func (s *Server) sync(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	switch {
	case a == nil || a.unlinked:
		fail(w, http.StatusNotFound, "", "Account not found")
	case a.needsReauth:
		fail(w, http.StatusBadRequest, "REAUTHORISATION_REQUIRED", "Reauthorisation required")
	default:
		sim.WriteJSON(w, http.StatusOK, obj{"status": "successful", "hasNewData": true, "code": "SYNC_SUCCESSFUL", "message": nil})
	}
}

// sessionV1: POST /v1/connect/session {"reauth_token"}.
func (s *Server) sessionV1(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ReauthToken string `json:"reauth_token"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.ReauthToken == "" {
		fail(w, http.StatusBadRequest, "", "reauth_token is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[in.ReauthToken]
	switch {
	case !ok:
		fail(w, http.StatusBadRequest, "", "Invalid reauth token")
		return
	case !s.now().Before(tok.expires):
		fail(w, http.StatusBadRequest, "", "Reauth token has expired")
		return
	}
	id, ss := s.openSession(s.accounts[tok.account], tok.account, false)
	out := obj{
		"status": "successful", "message": "Session created successfully", "id": cmp.Or(id, sim.NewID("session_")),
		"app": "61e270e2bbe2010771c0dec7", "institution": "5f2d08bf60b92e2888287704", "auth_method": "internet_banking",
	}
	if ss == nil {
		out["reauth"] = obj{"response_code": 99, "message": "Account reauthorised successfully"}
		sim.WriteJSON(w, http.StatusOK, out)
		return
	}
	title, form := formElement(ss.stages[0], len(s.otp))
	out["expiresAt"] = ss.expires.UnixMilli()
	out["ui"] = obj{"title": title, "form": form}
	out["reauth"] = obj{"response_code": responseCodeOf(ss.stages[0]), "message": title}
	sim.WriteJSON(w, http.StatusOK, out)
}

func responseCodeOf(st stage) int {
	if st == stageSelect {
		return 101
	}
	return 102
}

// commitV1: POST /v1/connect/commit, header x-session-id, {field: value}.
// Values may be strings or numbers (a number loses leading zeros and then
// does not match). Simulator choices: wrong answer → 400 INVALID_INPUT,
// session kept; expired or locked session → 400 SESSION_EXPIRED.
func (s *Server) commitV1(w http.ResponseWriter, r *http.Request) {
	in := readAnswers(w, r, false)
	if in == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.liveSession(w, r)
	if ss == nil || !s.accept(w, ss, in) {
		return
	}
	if !ss.done {
		next := ss.stages[ss.at]
		title, form := formElement(next, len(s.otp))
		sim.WriteJSON(w, http.StatusOK, obj{"status": 200, "responseCode": responseCodeOf(next), "message": title,
			"ui": obj{"title": title, "form": form}})
		return
	}
	sim.WriteJSON(w, http.StatusOK, obj{"status": 200, "responseCode": 99, "data": obj{"code": sim.NewSecret("code_")}})
}
