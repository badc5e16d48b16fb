// Package monotest is a simulated Mono API for tests and examples: real
// HTTP on loopback with Mono's paths, headers (mono-sec-key, x-session-id)
// and JSON shapes, stateful accounts, re-auth tokens (10 minutes), Connect
// sessions whose background login succeeds (99) or asks for an OTP (102),
// an OTP then a security answer, or an account choice (101) then an OTP; a
// hosted re-auth page for link mode; a webhook outbox; fault knobs and a
// request log (from internal/sim: Inject, Requests, Count, Connections).
//
// The simulated user is [Server.Approve] (answers every field correctly, or
// follows the hosted link like a browser) and [Server.Deny] (link mode).
//
// Where Mono's behaviour is undocumented the simulator makes a choice, each
// one noted on the route below: wrong answers are HTTP 400
// {"status":"failed","code":"INVALID_INPUT"} and keep the session open
// (three wrong answers expire it), an expired session is HTTP 400
// {"status":"failed","code":"SESSION_EXPIRED"}, the 101 form is an
// elements.select with options, and the hosted page redirects with
// status=reauthorised&code=… or status=cancelled.
//
// monotest does not import package mono: it can test any Mono client.
package monotest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Defaults of a new Server.
const (
	DefaultSecretKey      = "test_sk_monotest_0000000000000000"
	DefaultWebhookSecret  = "monotest_webhook_secret_000000"
	DefaultOTP            = "01234"
	DefaultSecurityAnswer = "blue whale"
	// DefaultSessionTTL is how long a Connect session stays open.
	DefaultSessionTTL = 10 * time.Minute
	// TokenTTL is how long a re-auth token lives, as at Mono.
	TokenTTL = 10 * time.Minute
	// MaxAttempts wrong answers expire a session.
	MaxAttempts = 3
)

// Accounts every new Server holds, one per scenario.
const (
	AccountBackground       = "acc_background"
	AccountOTP              = "acc_otp"
	AccountOTPThenQuestion  = "acc_otp_question"
	AccountSelectionThenOTP = "acc_select"
)

// Form field names the simulator asks for.
const (
	FieldOTP      = "otp"
	FieldAnswer   = "answer"
	FieldAccount  = "account"
	SecurityQuery = "What was the name of your first pet?"
)

// Routes, for Inject and Count.
const (
	RouteSession  = "POST /v1/connect/session"
	RouteCommit   = "POST /v1/connect/commit"
	RouteInitiate = "POST /v2/accounts/initiate"
)

// ReauthoriseRoute returns the Inject/Count route of an account's
// reauthorise call.
func ReauthoriseRoute(accountID string) string {
	return "POST /accounts/" + url.PathEscape(accountID) + "/reauthorise"
}

// Event names the simulator delivers.
const (
	EventReauthorisationRequired = "mono.events.reauthorisation_required"
	EventAccountReauthorized     = "mono.events.account_reauthorized"
)

// Scenario is how an account's background login goes.
type Scenario int

// The scenarios.
const (
	// Background: the login works without the user (99 at once).
	Background Scenario = iota
	// OTP: the bank asks for an OTP (102), then done.
	OTP
	// OTPThenQuestion: an OTP, then a security question, then done.
	OTPThenQuestion
	// SelectionThenOTP: an account choice (101), then an OTP, then done.
	SelectionThenOTP
)

type stage int

const (
	stageOTP stage = iota
	stageQuestion
	stageSelect
)

func (sc Scenario) stages() []stage {
	switch sc {
	case OTP:
		return []stage{stageOTP}
	case OTPThenQuestion:
		return []stage{stageOTP, stageQuestion}
	case SelectionThenOTP:
		return []stage{stageSelect, stageOTP}
	}
	return nil
}

type account struct {
	scenario     Scenario
	needsReauth  bool
	reauthorised int
}

type token struct {
	account string
	expires time.Time
}

type session struct {
	account  string
	stages   []stage
	at       int
	expires  time.Time
	attempts int
	expired  bool
	done     bool
}

type link struct {
	account, redirect, ref string
}

// Delivery is one webhook the simulator has queued.
type Delivery struct {
	Event     string
	AccountID string
	Body      []byte
}

// Option configures a Server.
type Option func(*Server)

// WithSecretKey sets the secret key the server accepts in mono-sec-key.
func WithSecretKey(k string) Option { return func(s *Server) { s.key = k } }

// WithWebhookSecret sets the mono-webhook-secret the server sends.
func WithWebhookSecret(k string) Option { return func(s *Server) { s.whSecret = k } }

// WithOTP sets the correct OTP (default DefaultOTP, leading zero included).
func WithOTP(otp string) Option { return func(s *Server) { s.otp = otp } }

// WithSecurityAnswer sets the correct security answer.
func WithSecurityAnswer(a string) Option { return func(s *Server) { s.answer = a } }

// WithClock sets the server's clock for token and session expiry.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSessionTTL sets how long a session stays open.
func WithSessionTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// Server is a simulated Mono API. It is safe for concurrent use; Close it
// when done.
type Server struct {
	*sim.Server

	mu       sync.Mutex
	key      string
	whSecret string
	otp      string
	answer   string
	now      func() time.Time
	ttl      time.Duration
	accounts map[string]*account
	tokens   map[string]token
	sessions map[string]*session
	links    map[string]link
	outbox   []Delivery
}

// NewServer starts a simulated Mono API on loopback holding the four
// Account* accounts, each needing re-auth.
func NewServer(opts ...Option) *Server {
	s := &Server{
		key: DefaultSecretKey, whSecret: DefaultWebhookSecret, otp: DefaultOTP, answer: DefaultSecurityAnswer,
		now: time.Now, ttl: DefaultSessionTTL,
		accounts: map[string]*account{}, tokens: map[string]token{}, sessions: map[string]*session{}, links: map[string]link{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.AddAccount(AccountBackground, Background)
	s.AddAccount(AccountOTP, OTP)
	s.AddAccount(AccountOTPThenQuestion, OTPThenQuestion)
	s.AddAccount(AccountSelectionThenOTP, SelectionThenOTP)
	s.Server = sim.NewServer(http.HandlerFunc(s.route))
	return s
}

// SecretKey returns the key the server accepts.
func (s *Server) SecretKey() string { return s.key }

// WebhookSecret returns the mono-webhook-secret the server sends.
func (s *Server) WebhookSecret() string { return s.whSecret }

// OTP returns the correct OTP.
func (s *Server) OTP() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.otp
}

// SetOTP changes the correct OTP for later commits.
func (s *Server) SetOTP(otp string) {
	s.mu.Lock()
	s.otp = otp
	s.mu.Unlock()
}

// AddAccount adds (or resets) an account that needs re-auth and logs in as
// sc says.
func (s *Server) AddAccount(id string, sc Scenario) {
	s.mu.Lock()
	s.accounts[id] = &account{scenario: sc, needsReauth: true}
	s.mu.Unlock()
}

// RequireReauth puts an account into the "needs re-auth" state (sync fails
// with REAUTHORISATION_REQUIRED) and queues a
// mono.events.reauthorisation_required webhook. Unknown ids are added with
// scenario OTP.
func (s *Server) RequireReauth(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	if a == nil {
		a = &account{scenario: OTP}
		s.accounts[id] = a
	}
	a.needsReauth = true
	s.queue(EventReauthorisationRequired, id)
}

// NeedsReauth reports whether the account still needs re-auth.
func (s *Server) NeedsReauth(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	return a != nil && a.needsReauth
}

// Reauthorised returns how many re-auths of the account completed.
func (s *Server) Reauthorised(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a != nil {
		return a.reauthorised
	}
	return 0
}

// ExpireSessions ends every open session: later commits get SESSION_EXPIRED.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	for _, ss := range s.sessions {
		ss.expired = true
	}
	s.mu.Unlock()
}

// Commits returns how many commits the server received.
func (s *Server) Commits() int { return s.Count(RouteCommit) }

// Answer returns the correct answer for a form field the simulator asks:
// the OTP, the security answer, or the first account ("0").
func (s *Server) Answer(field string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch field {
	case FieldOTP:
		return s.otp
	case FieldAnswer:
		return s.answer
	case FieldAccount:
		return "0"
	}
	return ""
}

// Approve plays the user completing the current step of flow: for an input
// step it answers every field correctly; for a redirect step (link mode) it
// opens the hosted page like a browser and returns the callback's query.
func (s *Server) Approve(ctx context.Context, flow *reauth.Flow) (reauth.Reply, error) {
	if flow == nil {
		return reauth.Reply{}, errors.New("monotest: nil flow")
	}
	switch flow.Step {
	case reauth.StepInput:
		in := make(map[string]string, len(flow.Fields))
		for _, f := range flow.Fields {
			in[f.Name] = s.Answer(f.Name)
		}
		return reauth.Reply{Inputs: in}, nil
	case reauth.StepRedirect:
		cb, err := sim.Browse(ctx, http.MethodGet, flow.URL, nil)
		if err != nil {
			return reauth.Reply{}, err
		}
		return reauth.Reply{Callback: cb.Query()}, nil
	}
	return reauth.Reply{}, fmt.Errorf("monotest: nothing to approve at step %q", flow.Step)
}

// Deny plays the user closing the hosted page (link mode). Mono offers no
// way to refuse an input step: Deny returns an error for one.
func (s *Server) Deny(ctx context.Context, flow *reauth.Flow) (reauth.Reply, error) {
	if flow == nil || flow.Step != reauth.StepRedirect {
		return reauth.Reply{}, errors.New("monotest: only a redirect step can be denied")
	}
	u, err := url.Parse(flow.URL)
	if err != nil {
		return reauth.Reply{}, err
	}
	q := u.Query()
	q.Set("decision", "deny")
	u.RawQuery = q.Encode()
	cb, err := sim.Browse(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return reauth.Reply{}, err
	}
	return reauth.Reply{Callback: cb.Query()}, nil
}

// Deliveries returns the queued webhooks, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.outbox...)
}

// DeliverWebhooks POSTs every queued webhook to target with the
// mono-webhook-secret header, oldest first, and forgets the ones answered
// 2xx. It stops at the first failure.
func (s *Server) DeliverWebhooks(ctx context.Context, target string) error {
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	for _, d := range s.Deliveries() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Body))
		if err != nil {
			return err
		}
		req.Header = WebhookHeader(s.whSecret)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("monotest: webhook answered %d", resp.StatusCode)
		}
		s.mu.Lock()
		if len(s.outbox) > 0 {
			s.outbox = s.outbox[1:]
		}
		s.mu.Unlock()
	}
	return nil
}

// GenerateTestWebhook returns a Mono-shaped webhook body for event about
// accountID and the headers Mono sends with it (mono-webhook-secret:
// secret), for testing a verifier without a server.
func GenerateTestWebhook(secret, event, accountID string) ([]byte, http.Header) {
	return webhookBody(event, accountID), WebhookHeader(secret)
}

// WebhookHeader returns the headers of a Mono delivery.
func WebhookHeader(secret string) http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Mono-Webhook-Secret": {secret}}
}

func webhookBody(event, accountID string) []byte {
	b, _ := json.Marshal(map[string]any{"event": event, "data": map[string]any{"account": map[string]string{"_id": accountID}}})
	return b
}

func (s *Server) queue(event, accountID string) {
	s.outbox = append(s.outbox, Delivery{Event: event, AccountID: accountID, Body: webhookBody(event, accountID)})
}

// --- HTTP ---

type obj = map[string]any

func fail(w http.ResponseWriter, status int, code, msg string) {
	body := obj{"status": "failed", "message": msg}
	if code != "" {
		body["code"] = code
	}
	sim.WriteJSON(w, status, body)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if r.Method == http.MethodGet && strings.HasPrefix(p, "/hosted/reauth/") {
		s.hosted(w, r, strings.TrimPrefix(p, "/hosted/reauth/"))
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusNotFound, "", "Route not found")
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("mono-sec-key")), []byte(s.key)) != 1 {
		fail(w, http.StatusUnauthorized, "", "Invalid or missing secret key")
		return
	}
	switch {
	case strings.HasPrefix(p, "/accounts/") && strings.HasSuffix(p, "/reauthorise"):
		s.reauthorise(w, strings.TrimSuffix(strings.TrimPrefix(p, "/accounts/"), "/reauthorise"))
	case strings.HasPrefix(p, "/accounts/") && strings.HasSuffix(p, "/sync"):
		s.sync(w, strings.TrimSuffix(strings.TrimPrefix(p, "/accounts/"), "/sync"))
	case p == "/v1/connect/session":
		s.session(w, r)
	case p == "/v1/connect/commit":
		s.commit(w, r)
	case p == "/v2/accounts/initiate":
		s.initiate(w, r)
	default:
		fail(w, http.StatusNotFound, "", "Route not found")
	}
}

// reauthorise: POST /accounts/{id}/reauthorise → {"token"}.
func (s *Server) reauthorise(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts[id] == nil {
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
	case a == nil:
		fail(w, http.StatusNotFound, "", "Account not found")
	case a.needsReauth:
		fail(w, http.StatusBadRequest, "REAUTHORISATION_REQUIRED", "Reauthorisation required")
	default:
		sim.WriteJSON(w, http.StatusOK, obj{"status": "successful", "hasNewData": true, "code": "SYNC_SUCCESSFUL", "message": nil})
	}
}

func form(st stage, otpLen int) (code int, title string, el obj) {
	switch st {
	case stageQuestion:
		return 102, SecurityQuery, obj{"type": "elements.input", "name": FieldAnswer, "hint": SecurityQuery, "contentType": "text", "maxLength": 50}
	case stageSelect:
		return 101, "Select the account to reconnect", obj{"type": "elements.select", "name": FieldAccount,
			"hint": "Select the account to reconnect", "options": []obj{
				{"value": "0", "label": "Savings ****1234"}, {"value": "1", "label": "Current ****5678"}}}
	}
	title = "SimBank is requesting you to enter your OTP to continue with Quickstart"
	return 102, title, obj{"type": "elements.input", "name": FieldOTP, "hint": "Enter OTP", "contentType": "password", "maxLength": otpLen}
}

// session: POST /v1/connect/session {"reauth_token"}.
func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ReauthToken string `json:"reauth_token"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.ReauthToken == "" {
		fail(w, http.StatusBadRequest, "", "reauth_token is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	tok, ok := s.tokens[in.ReauthToken]
	switch {
	case !ok:
		fail(w, http.StatusBadRequest, "", "Invalid reauth token")
		return
	case !now.Before(tok.expires):
		fail(w, http.StatusBadRequest, "", "Reauth token has expired")
		return
	}
	a := s.accounts[tok.account]
	id := sim.NewID("session_")
	out := obj{
		"status": "successful", "message": "Session created successfully", "id": id,
		"app": "61e270e2bbe2010771c0dec7", "institution": "5f2d08bf60b92e2888287704", "auth_method": "internet_banking",
	}
	stages := a.scenario.stages()
	if len(stages) == 0 {
		a.needsReauth = false
		a.reauthorised++
		s.queue(EventAccountReauthorized, tok.account)
		out["reauth"] = obj{"response_code": 99, "message": "Account reauthorised successfully"}
		sim.WriteJSON(w, http.StatusOK, out)
		return
	}
	ss := &session{account: tok.account, stages: stages, expires: now.Add(s.ttl)}
	s.sessions[id] = ss
	code, title, el := form(stages[0], len(s.otp))
	out["expiresAt"] = ss.expires.UnixMilli()
	out["ui"] = obj{"title": title, "form": []obj{el}}
	out["reauth"] = obj{"response_code": code, "message": title}
	sim.WriteJSON(w, http.StatusOK, out)
}

// commit: POST /v1/connect/commit, header x-session-id, {field: value}.
// Values may be strings or numbers (a number loses leading zeros and then
// does not match). Simulator choices: wrong answer → 400 INVALID_INPUT,
// session kept; expired or locked session → 400 SESSION_EXPIRED.
func (s *Server) commit(w http.ResponseWriter, r *http.Request) {
	var in map[string]json.RawMessage
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		fail(w, http.StatusBadRequest, "", "Invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[r.Header.Get("x-session-id")]
	switch {
	case ss == nil:
		fail(w, http.StatusNotFound, "", "Session not found")
		return
	case ss.done:
		fail(w, http.StatusBadRequest, "", "Session already completed")
		return
	case ss.expired || !s.now().Before(ss.expires):
		fail(w, http.StatusBadRequest, "SESSION_EXPIRED", "Session has expired")
		return
	}
	st := ss.stages[ss.at]
	name, want := FieldOTP, s.otp
	switch st {
	case stageQuestion:
		name, want = FieldAnswer, s.answer
	case stageSelect:
		name, want = FieldAccount, ""
	}
	raw, ok := in[name]
	if !ok {
		fail(w, http.StatusBadRequest, "", name+" is required")
		return
	}
	got := rawText(raw)
	right := subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	if st == stageSelect {
		right = got == "0" || got == "1"
	}
	if !right {
		ss.attempts++
		if ss.attempts >= MaxAttempts {
			ss.expired = true
		}
		msg := "Incorrect OTP. Please try again."
		switch st {
		case stageQuestion:
			msg = "Incorrect answer. Please try again."
		case stageSelect:
			msg = "Invalid account selection."
		}
		sim.WriteJSON(w, http.StatusBadRequest, obj{"status": "failed", "code": "INVALID_INPUT", "message": msg, "responseCode": 102})
		return
	}
	ss.at++
	if ss.at < len(ss.stages) {
		code, title, el := form(ss.stages[ss.at], len(s.otp))
		sim.WriteJSON(w, http.StatusOK, obj{"status": 200, "responseCode": code, "message": title,
			"ui": obj{"title": title, "form": []obj{el}}})
		return
	}
	ss.done = true
	if a := s.accounts[ss.account]; a != nil {
		a.needsReauth = false
		a.reauthorised++
	}
	s.queue(EventAccountReauthorized, ss.account)
	sim.WriteJSON(w, http.StatusOK, obj{"status": 200, "responseCode": 99, "data": obj{"code": sim.NewSecret("code_")}})
}

// rawText returns a JSON string's text or a number's literal.
func rawText(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	return strings.TrimSpace(string(raw))
}

// initiate: POST /v2/accounts/initiate {"account","scope","redirect_url","meta":{"ref"}}.
func (s *Server) initiate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Account     string `json:"account"`
		Scope       string `json:"scope"`
		RedirectURL string `json:"redirect_url"`
		Meta        struct {
			Ref string `json:"ref"`
		} `json:"meta"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.Account == "" || in.Scope != "reauth" {
		fail(w, http.StatusBadRequest, "", "account and scope \"reauth\" are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts[in.Account] == nil {
		fail(w, http.StatusNotFound, "", "Account not found")
		return
	}
	id := sim.NewID("lnk_")
	s.links[id] = link{account: in.Account, redirect: in.RedirectURL, ref: in.Meta.Ref}
	sim.WriteJSON(w, http.StatusOK, obj{
		"status": "successful", "message": "Request completed successfully",
		"timestamp": s.now().UTC().Format(time.RFC3339Nano),
		"data": obj{"id": id, "mono_url": s.URL + "/hosted/reauth/" + id, "scope": "reauth",
			"redirect_url": in.RedirectURL, "meta": obj{"ref": in.Meta.Ref},
			"created_at": s.now().UTC().Format(time.RFC3339Nano)},
	})
}

// hosted: GET /hosted/reauth/{id}[?decision=deny], the page the user sees.
// It redirects to redirect_url with status=reauthorised&code=… (or
// status=cancelled&reason=user_cancelled), keeping redirect_url's own query.
func (s *Server) hosted(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[id]
	if !ok {
		http.Error(w, "link not found", http.StatusNotFound)
		return
	}
	if l.redirect == "" {
		_, _ = io.WriteString(w, "<html><body>Done. You can close this page.</body></html>")
		return
	}
	u, err := url.Parse(l.redirect)
	if err != nil {
		http.Error(w, "bad redirect", http.StatusBadRequest)
		return
	}
	q := u.Query()
	if r.URL.Query().Get("decision") == "deny" {
		q.Set("status", "cancelled")
		q.Set("reason", "user_cancelled")
	} else {
		if a := s.accounts[l.account]; a != nil {
			a.needsReauth = false
			a.reauthorised++
		}
		s.queue(EventAccountReauthorized, l.account)
		q.Set("status", "reauthorised")
		q.Set("reason", "account_reauthorised")
		q.Set("code", sim.NewSecret("code_"))
	}
	if l.ref != "" {
		q.Set("ref", l.ref)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}
