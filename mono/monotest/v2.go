package monotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// v2ok writes the v2 envelope around data.
func (s *Server) v2ok(w http.ResponseWriter, data obj) {
	sim.WriteJSON(w, http.StatusOK, obj{"status": "successful", "message": "Request completed successfully",
		"timestamp": s.now().UTC().Format(time.RFC3339Nano), "data": data})
}

// writeStep answers with the session's current stage: 102 with
// data.userInput, 101 with data.accounts, or 99 with data.code. Simulator
// choice (undocumented): the session id is data.id and the x-session-id
// response header.
func (s *Server) writeStep(w http.ResponseWriter, id string, ss *session) {
	if ss == nil || ss.done {
		s.v2ok(w, obj{"responseCode": 99, "code": sim.NewSecret("code_")})
		return
	}
	w.Header().Set("x-session-id", id)
	st := ss.stages[ss.at]
	if st == stageSelect {
		s.v2ok(w, obj{"id": id, "responseCode": 101, "accounts": []obj{
			{"name": "Savings", "accountNumber": AccountNumberSavings, "type": "SAVINGS", "currency": "NGN"},
			{"name": "Current", "accountNumber": AccountNumberCurrent, "type": "CURRENT", "currency": "NGN"}}})
		return
	}
	title, form := formElement(st, len(s.otp))
	s.v2ok(w, obj{"id": id, "responseCode": 102, "userInput": obj{"title": title, "form": form}})
}

// sessionV2: POST /v2/connect/reauth/session {"account"}. Mono allows one
// real-time session per account every 5 minutes; simulator choice for the
// refusal: 429, Retry-After in seconds and a message saying how long.
func (s *Server) sessionV2(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Account string `json:"account"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.Account == "" {
		fail(w, http.StatusBadRequest, "", "account is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[in.Account]
	if a == nil || a.unlinked {
		fail(w, http.StatusNotFound, "", "Account not found")
		return
	}
	now := s.now()
	if s.interval > 0 && !a.lastSession.IsZero() && now.Sub(a.lastSession) < s.interval {
		wait := int((s.interval - now.Sub(a.lastSession) + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		fail(w, http.StatusTooManyRequests, "",
			fmt.Sprintf("Too many requests: one real-time session per account every %d minutes. Try again in %d seconds.",
				int(s.interval/time.Minute), wait))
		return
	}
	a.lastSession = now
	id, ss := s.openSession(a, in.Account, true)
	s.writeStep(w, id, ss)
}

// answerV2 is login and commit: read string answers, judge them, answer
// with the next step.
func (s *Server) answerV2(w http.ResponseWriter, r *http.Request, login bool) {
	in := readAnswers(w, r, true)
	if in == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.liveSession(w, r)
	if ss == nil {
		return
	}
	switch st := ss.stages[ss.at]; {
	case login && st != stageLogin:
		fail(w, http.StatusBadRequest, "", "This session does not need a login")
		return
	case !login && st == stageLogin:
		fail(w, http.StatusBadRequest, "", "Log in with the user's credentials first")
		return
	}
	if !s.accept(w, ss, in) {
		return
	}
	s.writeStep(w, r.Header.Get("x-session-id"), ss)
}

// loginV2: POST /v2/connect/reauth/login, header x-session-id,
// {"username","password"}. Simulator choice: a session asks for it with a
// 102 form of username and password.
func (s *Server) loginV2(w http.ResponseWriter, r *http.Request) { s.answerV2(w, r, true) }

// commitV2: POST /v2/connect/commit, header x-session-id, {field: "value"}:
// values must be JSON strings. A wrong OTP is 400 "Invalid OTP Sent" and
// keeps the session; the bank failing is 400 with another message.
func (s *Server) commitV2(w http.ResponseWriter, r *http.Request) { s.answerV2(w, r, false) }
