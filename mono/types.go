package mono

import (
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// ResponseCode is the state of a Connect session, as Mono reports it in
// reauth.response_code (session) and responseCode (commit). It is open:
// codes Mono adds later decode as their number.
type ResponseCode int

// The response codes Mono documents.
const (
	// ResponseDone (99): authorisation complete; data.code holds the code.
	ResponseDone ResponseCode = 99
	// ResponseAccountSelection (101): the user has several accounts and must
	// pick one.
	ResponseAccountSelection ResponseCode = 101
	// ResponseInputRequired (102): the bank asks the user for input (OTP,
	// security question); render ui.form and commit the answers.
	ResponseInputRequired ResponseCode = 102
)

// ContentTypePassword is the ui.form contentType of an input to mask.
const ContentTypePassword = "password"

// ReauthTokenTTL is how long a re-auth token lives, per Mono's docs.
const ReauthTokenTTL = 10 * time.Minute

// ReauthToken is the short-lived token POST /accounts/{id}/reauthorise
// returns. Token is a secret: String, GoString and LogValue redact it.
type ReauthToken struct {
	Token string
	// ExpiresAt is when the token was issued plus ReauthTokenTTL (Mono does
	// not send it; it documents the 10 minutes).
	ExpiresAt time.Time
}

func (t ReauthToken) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.ReauthToken", reauth.Show("Token", reauth.RedactSecret(t.Token)), reauth.Show("ExpiresAt", t.ExpiresAt))
}

// Format prints the token redacted under every verb.
func (t ReauthToken) Format(f fmt.State, verb rune) { t.redacted().Format(f, verb) }

// String prints the token redacted.
func (t ReauthToken) String() string { return t.redacted().String() }

// GoString is String for %#v.
func (t ReauthToken) GoString() string { return t.redacted().GoString() }

// LogValue logs the token redacted.
func (t ReauthToken) LogValue() slog.Value { return t.redacted().LogValue() }

// Session is a Connect session created for a re-auth (POST
// /v1/connect/session). When Reauth.ResponseCode is ResponseDone the
// background login worked and nothing is asked of the user.
type Session struct {
	ID          string
	Status      string
	Message     string
	App         string
	Institution string
	AuthMethod  string
	// ExpiresAt comes from expiresAt, epoch milliseconds.
	ExpiresAt time.Time
	UI        UI
	Reauth    ReauthStatus
	// Code is data.code when the session finished at once. Mono's docs do
	// not show this answer; it is read when present. It is a secret.
	Code string
}

func (s Session) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.Session", reauth.Show("ID", s.ID), reauth.Show("Status", s.Status),
		reauth.Show("Institution", s.Institution), reauth.Show("AuthMethod", s.AuthMethod),
		reauth.Show("ExpiresAt", s.ExpiresAt), reauth.Show("ResponseCode", int(s.Reauth.ResponseCode)),
		reauth.Show("Fields", s.UI.fieldList()), reauth.Show("Code", reauth.RedactSecret(s.Code)))
}

// Format prints the session without its code under every verb.
func (s Session) Format(f fmt.State, verb rune) { s.redacted().Format(f, verb) }

// String prints the session without its code.
func (s Session) String() string { return s.redacted().String() }

// GoString is String for %#v.
func (s Session) GoString() string { return s.redacted().GoString() }

// LogValue logs the session without its code.
func (s Session) LogValue() slog.Value { return s.redacted().LogValue() }

// UI is the form Mono asks the application to render.
type UI struct {
	Title string
	Form  []FormElement
}

// fieldList names the form's fields, for printing: "otp,pin".
func (u UI) fieldList() string {
	out := make([]string, 0, len(u.Form))
	for _, f := range u.Form {
		out = append(out, f.Name)
	}
	return strings.Join(out, ",")
}

// FormElement is one ui.form entry. Mono documents type (seen:
// elements.input), name, hint, contentType (password) and maxLength; other
// element types (selects for 101, security questions) are undocumented, so
// Options are read leniently from options/accounts/choices and Raw keeps the
// element as sent.
type FormElement struct {
	Type        string
	Name        string
	Hint        string
	ContentType string
	MaxLength   int
	Options     []FormOption
	Raw         json.RawMessage
}

// FormOption is one accepted answer of a choice element: Value is what to
// commit, Label what to show.
type FormOption struct {
	Value string
	Label string
}

// ReauthStatus is the session's reauth object.
type ReauthStatus struct {
	ResponseCode ResponseCode
	Message      string
}

// CommitResult is Mono's answer to POST /v1/connect/commit. Code is a
// secret: String, GoString and LogValue redact it.
type CommitResult struct {
	// Status is "200" or "successful": Mono sends a number here and a
	// string elsewhere.
	Status       string
	ResponseCode ResponseCode
	Message      string
	// Code is data.code once ResponseCode is ResponseDone.
	Code string
	// UI is the next form when Mono asks again (102, 101); assumed to have
	// the session's shape.
	UI UI
}

func (r CommitResult) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.CommitResult", reauth.Show("Status", r.Status), reauth.Show("ResponseCode", int(r.ResponseCode)),
		reauth.Show("Message", r.Message), reauth.Show("Code", reauth.RedactSecret(r.Code)), reauth.Show("Fields", r.UI.fieldList()))
}

// Format prints the result with its code redacted under every verb.
func (r CommitResult) Format(f fmt.State, verb rune) { r.redacted().Format(f, verb) }

// String prints the result with its code redacted.
func (r CommitResult) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r CommitResult) GoString() string { return r.redacted().GoString() }

// LogValue logs the result with its code redacted.
func (r CommitResult) LogValue() slog.Value { return r.redacted().LogValue() }

// Link is a hosted re-auth link (POST /v2/accounts/initiate).
type Link struct {
	// URL is mono_url: send the user there.
	URL         string
	ID          string
	Ref         string
	RedirectURL string
	CreatedAt   time.Time
}

func (l Link) redacted() reauth.RedactedValue {
	return reauth.Redact("mono.Link", reauth.Show("URL", reauth.RedactURL(l.URL)), reauth.Show("ID", l.ID),
		reauth.Show("RedirectURL", reauth.RedactURL(l.RedirectURL)))
}

// Format prints the link with the query of its URLs hidden under every verb.
func (l Link) Format(f fmt.State, verb rune) { l.redacted().Format(f, verb) }

// String prints the link with the query of its URLs hidden.
func (l Link) String() string { return l.redacted().String() }

// GoString is String for %#v.
func (l Link) GoString() string { return l.redacted().GoString() }

// LogValue logs the link with the query of its URLs hidden.
func (l Link) LogValue() slog.Value { return l.redacted().LogValue() }

// SyncResult is Mono's answer to a manual sync.
type SyncResult struct {
	Status     string
	HasNewData bool
	Code       string
	Message    string
}

// --- wire shapes, decoded leniently ---

type wireUI struct {
	Title jsonx.String      `json:"title"`
	Form  []json.RawMessage `json:"form"`
}

type wireElement struct {
	Type         jsonx.String    `json:"type"`
	Name         jsonx.String    `json:"name"`
	Hint         jsonx.String    `json:"hint"`
	Label        jsonx.String    `json:"label"`
	ContentType  jsonx.String    `json:"contentType"`
	ContentType2 jsonx.String    `json:"content_type"`
	MaxLength    jsonx.Int       `json:"maxLength"`
	MaxLength2   jsonx.Int       `json:"max_length"`
	Options      json.RawMessage `json:"options"`
	Accounts     json.RawMessage `json:"accounts"`
	Choices      json.RawMessage `json:"choices"`
}

type wireOption struct {
	Value  jsonx.String `json:"value"`
	ID     jsonx.String `json:"id"`
	ID2    jsonx.String `json:"_id"`
	Index  jsonx.String `json:"index"`
	Label  jsonx.String `json:"label"`
	Name   jsonx.String `json:"name"`
	Title  jsonx.String `json:"title"`
	Number jsonx.String `json:"accountNumber"`
}

func (w *wireUI) decode() UI {
	ui := UI{Title: string(w.Title)}
	for _, raw := range w.Form {
		var we wireElement
		if json.Unmarshal(raw, &we) != nil {
			continue // a form entry that is not an object: skip it
		}
		el := FormElement{
			Type:        string(we.Type),
			Name:        string(we.Name),
			Hint:        cmp.Or(string(we.Hint), string(we.Label)),
			ContentType: cmp.Or(string(we.ContentType), string(we.ContentType2)),
			MaxLength:   int(max(we.MaxLength, we.MaxLength2)),
			Raw:         raw, // already a copy: json.RawMessage copies what it decodes
		}
		if el.Options = decodeOptions(we.Options); len(el.Options) == 0 {
			if el.Options = decodeOptions(we.Accounts); len(el.Options) == 0 {
				el.Options = decodeOptions(we.Choices)
			}
		}
		if el.MaxLength < 0 {
			el.MaxLength = 0
		}
		ui.Form = append(ui.Form, el)
	}
	return ui
}

// decodeOptions reads an array of strings/numbers or of objects with a
// value (value, id, _id, index) and a label (label, name, title,
// accountNumber).
func decodeOptions(raw json.RawMessage) []FormOption {
	return decodeItems(raw, func(_ int, s string) (FormOption, bool) {
		return FormOption{Value: s, Label: s}, true
	}, func(i int, it json.RawMessage) (FormOption, bool) {
		var o wireOption
		if json.Unmarshal(it, &o) != nil {
			return FormOption{}, false
		}
		v := cmp.Or(string(o.Value), string(o.ID), string(o.ID2), string(o.Index), strconv.Itoa(i))
		return FormOption{Value: v, Label: cmp.Or(string(o.Label), string(o.Name), string(o.Title), string(o.Number), v)}, true
	})
}

// decodeItems reads a JSON array whose items are text (a string or
// number, read by text) or objects (read by object); items either refuses
// and anything that is not an array, are skipped.
func decodeItems[T any](raw json.RawMessage, text func(i int, s string) (T, bool), object func(i int, it json.RawMessage) (T, bool)) []T {
	var items []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []T
	for i, it := range items {
		var (
			s  jsonx.String
			v  T
			ok bool
		)
		if json.Unmarshal(it, &s) == nil {
			v, ok = text(i, string(s))
		} else {
			v, ok = object(i, it)
		}
		if ok {
			out = append(out, v)
		}
	}
	return out
}

type wireReauth struct {
	ResponseCode  jsonx.Int    `json:"response_code"`
	ResponseCode2 jsonx.Int    `json:"responseCode"`
	Message       jsonx.String `json:"message"`
}

type wireData struct {
	Code    jsonx.String `json:"code"`
	ID      jsonx.String `json:"id"`
	MonoURL jsonx.String `json:"mono_url"`
	URL     jsonx.String `json:"url"`
	Ref     jsonx.String `json:"ref"`
	Token   jsonx.String `json:"token"`
	Meta    *struct {
		Ref jsonx.String `json:"ref"`
	} `json:"meta"`
	RedirectURL   jsonx.String `json:"redirect_url"`
	CreatedAt     jsonx.Time   `json:"created_at"`
	ResponseCode  jsonx.Int    `json:"responseCode"`
	ResponseCode2 jsonx.Int    `json:"response_code"`
}

type wireSession struct {
	ID           jsonx.String `json:"id"`
	SessionID    jsonx.String `json:"session_id"`
	SessionID2   jsonx.String `json:"sessionId"`
	Status       jsonx.String `json:"status"`
	Message      jsonx.String `json:"message"`
	App          jsonx.String `json:"app"`
	Institution  idField      `json:"institution"`
	AuthMethod   jsonx.String `json:"auth_method"`
	AuthMethod2  jsonx.String `json:"authMethod"`
	ExpiresAt    jsonx.Time   `json:"expiresAt"`
	ExpiresAt2   jsonx.Time   `json:"expires_at"`
	UI           wireUI       `json:"ui"`
	Reauth       wireReauth   `json:"reauth"`
	ResponseCode jsonx.Int    `json:"responseCode"`
	Data         *wireData    `json:"data"`
}

func (w *wireSession) decode() *Session {
	s := &Session{
		ID:          cmp.Or(string(w.ID), string(w.SessionID), string(w.SessionID2)),
		Status:      string(w.Status),
		Message:     string(w.Message),
		App:         string(w.App),
		Institution: string(w.Institution),
		AuthMethod:  cmp.Or(string(w.AuthMethod), string(w.AuthMethod2)),
		ExpiresAt:   w.ExpiresAt.Time,
		UI:          w.UI.decode(),
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = w.ExpiresAt2.Time
	}
	s.Reauth = ReauthStatus{
		ResponseCode: ResponseCode(cmp.Or(w.Reauth.ResponseCode, w.Reauth.ResponseCode2)),
		Message:      string(w.Reauth.Message),
	}
	if s.Reauth.ResponseCode == 0 {
		s.Reauth.ResponseCode = ResponseCode(w.ResponseCode)
	}
	if w.Data != nil {
		s.Code = string(w.Data.Code)
		if s.Reauth.ResponseCode == 0 {
			s.Reauth.ResponseCode = ResponseCode(cmp.Or(w.Data.ResponseCode, w.Data.ResponseCode2))
		}
	}
	return s
}

// idField is an id sent as a string (or number) or as an object with
// id/_id (Mono's institution, a webhook's account). Any other shape is no
// id, never an error.
type idField string

// UnmarshalJSON accepts "id", 123, {"id": …} or {"_id": …}.
func (f *idField) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			ID  jsonx.String `json:"id"`
			ID2 jsonx.String `json:"_id"`
		}
		if json.Unmarshal(b, &o) != nil {
			return nil // lenient: an odd shape is no id
		}
		*f = idField(cmp.Or(string(o.ID), string(o.ID2)))
		return nil
	}
	var v jsonx.String
	if v.UnmarshalJSON(b) != nil {
		return nil
	}
	*f = idField(v)
	return nil
}

type wireCommit struct {
	Status        jsonx.String `json:"status"`
	ResponseCode  jsonx.Int    `json:"responseCode"`
	ResponseCode2 jsonx.Int    `json:"response_code"`
	Message       jsonx.String `json:"message"`
	Data          *wireData    `json:"data"`
	UI            wireUI       `json:"ui"`
	Reauth        wireReauth   `json:"reauth"`
}

func (w *wireCommit) decode() *CommitResult {
	r := &CommitResult{
		Status:       string(w.Status),
		ResponseCode: ResponseCode(cmp.Or(w.ResponseCode, w.ResponseCode2)),
		Message:      string(w.Message),
		UI:           w.UI.decode(),
	}
	if r.ResponseCode == 0 {
		r.ResponseCode = ResponseCode(cmp.Or(w.Reauth.ResponseCode, w.Reauth.ResponseCode2))
	}
	if r.Message == "" {
		r.Message = string(w.Reauth.Message)
	}
	if w.Data != nil {
		r.Code = string(w.Data.Code)
		if r.ResponseCode == 0 {
			r.ResponseCode = ResponseCode(cmp.Or(w.Data.ResponseCode, w.Data.ResponseCode2))
		}
	}
	return r
}
