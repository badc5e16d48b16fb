package mono

import (
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Step is Mono's answer to a v2 re-auth session, login or commit: the
// session's state and what it asks for next. Code is a secret: String,
// GoString and LogValue redact it.
type Step struct {
	// ResponseCode is data.responseCode: ResponseDone, ResponseInputRequired
	// or ResponseAccountSelection (others decode as their number).
	ResponseCode ResponseCode
	Status       string
	Message      string
	// SessionID names the session for the next request. Where v2 puts it is
	// undocumented: it is read from data (id, session_id, sessionId), the
	// top level, or the x-session-id response header, else it is the
	// session the request named.
	SessionID string
	// Code is data.code once ResponseCode is ResponseDone.
	Code string
	// Form is data.userInput for a 102: the title and the fields to ask.
	Form UI
	// Accounts are data.accounts for a 101: answer with the chosen one's
	// AccountNumber under FieldAccountNumber.
	Accounts []AccountChoice
	// ExpiresAt is the session's end when Mono sends it; zero otherwise.
	ExpiresAt time.Time
}

// AccountChoice is one account of a 101 answer.
type AccountChoice struct {
	AccountNumber string
	Name          string
	Type          string
}

// FieldAccountNumber is the commit key of a 101 account choice.
const FieldAccountNumber = "accountNumber"

// Field names of the credentials step, answered with [Client.ReauthLogin].
const (
	FieldUsername = "username"
	FieldPassword = "password"
)

func (s Step) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.Step", reauth.Show("ResponseCode", int(s.ResponseCode)), reauth.Show("Status", s.Status),
		reauth.Show("Message", s.Message), reauth.Show("SessionID", s.SessionID), reauth.Show("Fields", s.Form.fieldList()),
		reauth.Show("Accounts", len(s.Accounts)), reauth.Show("Code", reauth.RedactSecret(s.Code)))
}

// Format prints the step with its code redacted under every verb.
func (s Step) Format(f fmt.State, verb rune) { s.redacted().Format(f, verb) }

// String prints the step with its code redacted.
func (s Step) String() string { return s.redacted().String() }

// GoString is String for %#v.
func (s Step) GoString() string { return s.redacted().GoString() }

// LogValue logs the step with its code redacted.
func (s Step) LogValue() slog.Value { return s.redacted().LogValue() }

func (l Login) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.Login", reauth.Show("Username", reauth.RedactSecret(l.Username)),
		reauth.Show("Password", reauth.RedactSecret(l.Password)))
}

// Format prints the login with both fields redacted under every verb.
func (l Login) Format(f fmt.State, verb rune) { l.redacted().Format(f, verb) }

// String prints the login with both fields redacted.
func (l Login) String() string { return l.redacted().String() }

// GoString is String for %#v.
func (l Login) GoString() string { return l.redacted().GoString() }

// LogValue logs the login with both fields redacted.
func (l Login) LogValue() slog.Value { return l.redacted().LogValue() }

// isLoginForm reports whether a form asks for the credentials again: it
// has a password field (assumption: v2 documents the login step's
// endpoint, not how a session asks for it).
func isLoginForm(ui UI) bool {
	for _, el := range ui.Form {
		if strings.EqualFold(el.Name, FieldPassword) {
			return true
		}
	}
	return false
}

// --- wire shapes, decoded leniently ---

type wireStep struct {
	Status        jsonx.String  `json:"status"`
	Message       jsonx.String  `json:"message"`
	ID            jsonx.String  `json:"id"`
	SessionID     jsonx.String  `json:"session_id"`
	SessionID2    jsonx.String  `json:"sessionId"`
	ResponseCode  jsonx.Int     `json:"responseCode"`
	ResponseCode2 jsonx.Int     `json:"response_code"`
	Data          *wireStepData `json:"data"`
	UI            wireUI        `json:"ui"`
}

type wireStepData struct {
	ResponseCode  jsonx.Int       `json:"responseCode"`
	ResponseCode2 jsonx.Int       `json:"response_code"`
	Code          jsonx.String    `json:"code"`
	Message       jsonx.String    `json:"message"`
	ID            jsonx.String    `json:"id"`
	SessionID     jsonx.String    `json:"session_id"`
	SessionID2    jsonx.String    `json:"sessionId"`
	ExpiresAt     jsonx.Time      `json:"expiresAt"`
	ExpiresAt2    jsonx.Time      `json:"expires_at"`
	UserInput     *wireUI         `json:"userInput"`
	UserInput2    *wireUI         `json:"user_input"`
	UI            *wireUI         `json:"ui"`
	Accounts      json.RawMessage `json:"accounts"`
}

type wireAccount struct {
	AccountNumber  jsonx.String `json:"accountNumber"`
	AccountNumber2 jsonx.String `json:"account_number"`
	Number         jsonx.String `json:"number"`
	ID             jsonx.String `json:"id"`
	Name           jsonx.String `json:"name"`
	Type           jsonx.String `json:"type"`
}

func (w *wireStep) decode() *Step {
	s := &Step{
		Status:       string(w.Status),
		Message:      string(w.Message),
		SessionID:    cmp.Or(string(w.SessionID), string(w.SessionID2), string(w.ID)),
		ResponseCode: ResponseCode(cmp.Or(w.ResponseCode, w.ResponseCode2)),
		Form:         w.UI.decode(),
	}
	d := w.Data
	if d == nil {
		return s
	}
	if rc := ResponseCode(cmp.Or(d.ResponseCode, d.ResponseCode2)); rc != 0 {
		s.ResponseCode = rc
	}
	s.Code = string(d.Code)
	s.Message = cmp.Or(s.Message, string(d.Message))
	s.SessionID = cmp.Or(string(d.SessionID), string(d.SessionID2), string(d.ID), s.SessionID)
	s.ExpiresAt = cmp.Or(d.ExpiresAt.Time, d.ExpiresAt2.Time)
	if ui := cmp.Or(d.UserInput, d.UserInput2, d.UI); ui != nil {
		s.Form = ui.decode()
	}
	s.Accounts = decodeAccounts(d.Accounts)
	return s
}

// decodeAccounts reads data.accounts: objects with an account number
// (accountNumber, account_number, number, or id), or bare strings.
func decodeAccounts(raw json.RawMessage) []AccountChoice {
	return decodeItems(raw, func(_ int, s string) (AccountChoice, bool) {
		return AccountChoice{AccountNumber: s}, s != ""
	}, func(_ int, it json.RawMessage) (AccountChoice, bool) {
		var a wireAccount
		if json.Unmarshal(it, &a) != nil {
			return AccountChoice{}, false
		}
		n := cmp.Or(string(a.AccountNumber), string(a.AccountNumber2), string(a.Number), string(a.ID))
		return AccountChoice{AccountNumber: n, Name: string(a.Name), Type: string(a.Type)}, n != ""
	})
}
