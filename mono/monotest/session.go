package monotest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// session is a Connect session of either generation.
type session struct {
	v2       bool
	account  string
	stages   []stage
	at       int
	expires  time.Time
	attempts int
	expired  bool
	done     bool
}

// verdict is what the bank makes of a step's answers.
type verdict int

const (
	verdictRight verdict = iota
	verdictWrong
	verdictInstitution
	verdictMissing
)

// openSession starts a session on an account (s.mu held); nil when the
// background login works at once, in which case the re-auth is complete.
func (s *Server) openSession(a *account, accountID string, v2 bool) (string, *session) {
	stages := a.scenario.stages()
	if len(stages) == 0 {
		s.complete(accountID)
		return "", nil
	}
	id := sim.NewID("session_")
	ss := &session{v2: v2, account: accountID, stages: stages, expires: s.now().Add(s.ttl)}
	s.sessions[id] = ss
	return id, ss
}

// liveSession finds the request's session (s.mu held), or answers why
// there is none and returns nil.
func (s *Server) liveSession(w http.ResponseWriter, r *http.Request) *session {
	ss := s.sessions[r.Header.Get("x-session-id")]
	switch {
	case ss == nil:
		fail(w, http.StatusNotFound, "", "Session not found")
	case ss.done:
		fail(w, http.StatusBadRequest, "", "Session already completed")
	case ss.expired || !s.now().Before(ss.expires):
		fail(w, http.StatusBadRequest, "SESSION_EXPIRED", MessageSessionExpired)
	default:
		return ss
	}
	return nil
}

// judge checks the answers to the session's current stage (s.mu held) and
// moves the session on: to the next stage when right, towards expiry when
// wrong. missing names a field that was not sent.
func (s *Server) judge(ss *session, in map[string]json.RawMessage) (v verdict, missing string) {
	st := ss.stages[ss.at]
	want := map[string][]string{}
	switch st {
	case stageOTP:
		want[FieldOTP] = []string{s.otp}
	case stageQuestion:
		want[FieldAnswer] = []string{s.answer}
	case stageLogin:
		want[FieldUsername], want[FieldPassword] = []string{DefaultUsername}, []string{DefaultPassword}
	case stageSelect:
		if ss.v2 {
			want[FieldAccountNumber] = []string{AccountNumberSavings, AccountNumberCurrent}
		} else {
			want[FieldAccount] = []string{"0", "1"}
		}
	}
	right := true
	for name, accepted := range want {
		raw, ok := in[name]
		if !ok {
			return verdictMissing, name
		}
		right = right && httpx.MatchesAny(rawText(raw), accepted...)
	}
	if s.accounts[ss.account] != nil && s.accounts[ss.account].scenario == InstitutionError {
		return verdictInstitution, ""
	}
	if !right {
		ss.attempts++
		if ss.attempts >= MaxAttempts {
			ss.expired = true
		}
		return verdictWrong, ""
	}
	ss.at++
	if ss.at == len(ss.stages) {
		ss.done = true
		s.complete(ss.account)
	}
	return verdictRight, ""
}

// readAnswers decodes a commit or login body (s.mu not held); v2 takes
// JSON strings only. It answers 400 and returns nil for a bad body.
func readAnswers(w http.ResponseWriter, r *http.Request, stringsOnly bool) map[string]json.RawMessage {
	var in map[string]json.RawMessage
	if json.NewDecoder(r.Body).Decode(&in) != nil || in == nil {
		fail(w, http.StatusBadRequest, "", "Invalid request body")
		return nil
	}
	for k, v := range in {
		var str string
		if stringsOnly && json.Unmarshal(v, &str) != nil {
			fail(w, http.StatusBadRequest, "", k+" must be a string")
			return nil
		}
	}
	return in
}

// accept judges the answers (s.mu held) and writes the refusal when they
// are missing, wrong, or failed by the bank; it reports whether the
// session moved on.
func (s *Server) accept(w http.ResponseWriter, ss *session, in map[string]json.RawMessage) bool {
	st := ss.stages[ss.at]
	switch v, missing := s.judge(ss, in); v {
	case verdictMissing:
		fail(w, http.StatusBadRequest, "", missing+" is required")
	case verdictInstitution:
		fail(w, http.StatusBadRequest, "", MessageInstitutionError)
	case verdictWrong:
		body := obj{"status": "failed", "message": wrongMessage(st, ss.v2), "data": nil}
		if !ss.v2 { // v1 choice: a code and the form's response code
			body["code"], body["responseCode"] = "INVALID_INPUT", 102
		}
		sim.WriteJSON(w, http.StatusBadRequest, body)
	default:
		return true
	}
	return false
}

// wrongMessage is the refusal of a wrong answer at a stage.
func wrongMessage(st stage, v2 bool) string {
	switch st {
	case stageQuestion:
		return "Incorrect answer provided. Please try again."
	case stageSelect:
		return "Invalid account number selected."
	case stageLogin:
		return "Incorrect credentials provided. Please check and try again."
	}
	if v2 {
		return MessageInvalidOTP
	}
	return "Incorrect OTP. Please try again."
}

// rawText returns a JSON string's text or a number's literal.
func rawText(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	return strings.TrimSpace(string(raw))
}

// formElement is the form element of a stage.
func formElement(st stage, otpLen int) (title string, form []obj) {
	switch st {
	case stageQuestion:
		return SecurityQuery, []obj{{"type": "elements.input", "name": FieldAnswer, "hint": SecurityQuery, "contentType": "text", "maxLength": 50}}
	case stageSelect:
		return "Select the account to reconnect", []obj{{"type": "elements.select", "name": FieldAccount,
			"hint": "Select the account to reconnect", "options": []obj{
				{"value": "0", "label": "Savings ****1234"}, {"value": "1", "label": "Current ****5678"}}}}
	case stageLogin:
		return "SimBank needs you to log in again", []obj{
			{"type": "elements.input", "name": FieldUsername, "hint": "Internet banking username", "contentType": "text", "maxLength": 64},
			{"type": "elements.input", "name": FieldPassword, "hint": "Internet banking password", "contentType": "password", "maxLength": 64}}
	}
	return "SimBank is requesting you to enter your OTP to continue with Quickstart",
		[]obj{{"type": "elements.input", "name": FieldOTP, "hint": "Enter OTP", "contentType": "password", "maxLength": otpLen}}
}
