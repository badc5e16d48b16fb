// Package monotest is a simulated Mono API for tests and examples: real
// HTTP on loopback with Mono's paths, headers (mono-sec-key, x-session-id)
// and JSON shapes, in both generations of the Partners API:
//
//   - v2 (current): POST /v2/connect/reauth/session {account}, POST
//     /v2/connect/reauth/login {username, password} and POST
//     /v2/connect/commit, answering with data.responseCode 99 (data.code),
//     102 (data.userInput form) or 101 (data.accounts, answered as
//     accountNumber); one real-time session per account every 5 minutes.
//   - v1 (legacy): POST /accounts/{id}/reauthorise, POST /v1/connect/session
//     and POST /v1/connect/commit with the top-level ui form.
//
// It also serves the hosted re-auth link (POST /v2/accounts/initiate and
// a real HTML page with Approve/Deny buttons), the account read (GET
// /v2/accounts/{id}), a data endpoint that fails Mono's way while the
// account needs re-auth (GET /v2/accounts/{id}/transactions), manual sync,
// a webhook outbox, fault knobs and a request log (from internal/sim:
// Inject, Requests, Count, Connections).
//
// Each Account* account plays one scenario. The simulated bank's answers
// are fixed and exported, so that a demo app can show its own OTP form and
// tell the user what to type: the OTP is [DefaultOTP] ([Server.OTP]), the
// security answer [DefaultSecurityAnswer], the credentials [DefaultUsername]
// and [DefaultPassword]. A wrong answer is refused and the session stays
// open ([MaxAttempts] wrong answers end it), so a wrong OTP then the right
// one works.
//
// The simulated user is [Server.Approve] / [Server.Deny] for the hosted
// page (they submit its form like a browser) and [Server.ApproveInputs] for
// a headless step (every field answered correctly).
//
// Where Mono's behaviour is undocumented the simulator makes a choice, each
// one noted on the route: where the session id sits (data.id and the
// x-session-id response header), how a session asks for the credentials
// again (a 102 form with username and password), the wrong-answer and
// institution-error messages, the rate-limit answer (429 with Retry-After),
// the data endpoint's failure (400 REAUTHORISATION_REQUIRED with
// x-reauth-required: true), and the hosted page's redirect
// (status=reauthorised&code=… or status=cancelled).
//
// monotest does not import package mono: it can test any Mono client.
package monotest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Defaults of a new Server.
const (
	DefaultSecretKey      = "test_sk_monotest_0000000000000000"
	DefaultWebhookSecret  = "monotest_webhook_secret_000000"
	DefaultOTP            = "01234"
	DefaultSecurityAnswer = "blue whale"
	DefaultUsername       = "ada@simbank.example"
	DefaultPassword       = "correct-horse-battery"
	// DefaultSessionTTL is how long a Connect session stays open.
	DefaultSessionTTL = 10 * time.Minute
	// DefaultSessionInterval is Mono's limit: one real-time session per
	// account every 5 minutes (v2).
	DefaultSessionInterval = 5 * time.Minute
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
	AccountCredentials      = "acc_credentials"
	AccountInstitutionError = "acc_institution_error"
)

// Account numbers a 101 offers (v2), first one first.
const (
	AccountNumberSavings = "0123456789"
	AccountNumberCurrent = "9876543210"
)

// Form field names the simulator asks for.
const (
	FieldOTP           = "otp"
	FieldAnswer        = "answer"
	FieldAccount       = "account"       // v1 account choice
	FieldAccountNumber = "accountNumber" // v2 account choice
	FieldUsername      = "username"
	FieldPassword      = "password"
	SecurityQuery      = "What was the name of your first pet?"
)

// Messages the simulator refuses with. Mono's own wording for a wrong OTP
// is "Invalid OTP Sent"; the institution error is the simulator's choice.
const (
	MessageInvalidOTP       = "Invalid OTP Sent"
	MessageInstitutionError = "An error occurred with the connected institution. Please try again later."
	MessageSessionExpired   = "Session has expired"
)

// Routes, for Inject and Count.
const (
	RouteSession       = "POST /v1/connect/session"
	RouteCommit        = "POST /v1/connect/commit"
	RouteInitiate      = "POST /v2/accounts/initiate"
	RouteReauthSession = "POST /v2/connect/reauth/session"
	RouteReauthLogin   = "POST /v2/connect/reauth/login"
	RouteCommitV2      = "POST /v2/connect/commit"
)

// ReauthoriseRoute returns the Inject/Count route of an account's
// reauthorise call.
func ReauthoriseRoute(accountID string) string {
	return "POST /accounts/" + url.PathEscape(accountID) + "/reauthorise"
}

// AccountRoute returns the Inject/Count route of an account read.
func AccountRoute(accountID string) string { return "GET /v2/accounts/" + url.PathEscape(accountID) }

// TransactionsRoute returns the Inject/Count route of the data endpoint.
func TransactionsRoute(accountID string) string { return AccountRoute(accountID) + "/transactions" }

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
	// CredentialsThenOTP: the bank wants the username and password again
	// (v2: POST /v2/connect/reauth/login), then an OTP, then done.
	CredentialsThenOTP
	// InstitutionError: an OTP, whose commit the bank fails (400, not a
	// wrong OTP).
	InstitutionError
)

type stage int

const (
	stageOTP stage = iota
	stageQuestion
	stageSelect
	stageLogin
)

func (sc Scenario) stages() []stage {
	switch sc {
	case OTP, InstitutionError:
		return []stage{stageOTP}
	case OTPThenQuestion:
		return []stage{stageOTP, stageQuestion}
	case SelectionThenOTP:
		return []stage{stageSelect, stageOTP}
	case CredentialsThenOTP:
		return []stage{stageLogin, stageOTP}
	}
	return nil
}

type account struct {
	scenario     Scenario
	needsReauth  bool
	unlinked     bool
	processing   bool
	reauthorised int
	lastSession  time.Time // v2 rate limit
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

// WithClock sets the server's clock for token and session expiry and the
// rate limit.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSessionTTL sets how long a session stays open.
func WithSessionTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// WithSessionInterval sets how often a v2 session may be opened per
// account (default DefaultSessionInterval; 0 disables the limit).
func WithSessionInterval(d time.Duration) Option { return func(s *Server) { s.interval = d } }

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
	interval time.Duration
	accounts map[string]*account
	tokens   map[string]token
	sessions map[string]*session
	links    map[string]link
	outbox   []Delivery
}

// NewServer starts a simulated Mono API on loopback holding the Account*
// accounts, each needing re-auth.
func NewServer(opts ...Option) *Server {
	s := &Server{
		key: DefaultSecretKey, whSecret: DefaultWebhookSecret, otp: DefaultOTP, answer: DefaultSecurityAnswer,
		now: time.Now, ttl: DefaultSessionTTL, interval: DefaultSessionInterval,
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
	s.AddAccount(AccountCredentials, CredentialsThenOTP)
	s.AddAccount(AccountInstitutionError, InstitutionError)
	s.Server = sim.NewServer(http.HandlerFunc(s.route))
	return s
}

// SecretKey returns the key the server accepts.
func (s *Server) SecretKey() string { return s.key }

// WebhookSecret returns the mono-webhook-secret the server sends.
func (s *Server) WebhookSecret() string { return s.whSecret }

// OTP returns the correct OTP: what a demo tells its user to type.
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

// RequireReauth puts an account into the "needs re-auth" state (data calls
// and sync fail with REAUTHORISATION_REQUIRED, the account read says so)
// and queues an account_updated webhook with meta.sync_status
// REAUTHORISATION_REQUIRED. Unknown ids are added with scenario OTP.
func (s *Server) RequireReauth(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	if a == nil {
		a = &account{scenario: OTP}
		s.accounts[id] = a
	}
	a.needsReauth = true
	s.queue(EventAccountUpdated, id, obj{"meta": obj{"data_status": "available", "sync_status": "REAUTHORISATION_REQUIRED"}})
}

// MarkHealthy puts an account into the healthy state without a re-auth.
func (s *Server) MarkHealthy(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a != nil {
		a.needsReauth, a.processing = false, false
	}
}

// SetProcessing marks an account's data as being synced (the account read
// says data_status processing) or not.
func (s *Server) SetProcessing(id string, processing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a != nil {
		a.processing = processing
	}
}

// Unlink ends an account: reads answer 404 and an account_unlinked webhook
// is queued.
func (s *Server) Unlink(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a != nil {
		a.unlinked = true
		s.queue(EventAccountUnlinked, id, nil)
	}
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

// ExpireSessions ends every open session: later commits and logins are
// refused as expired.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	for _, ss := range s.sessions {
		ss.expired = true
	}
	s.mu.Unlock()
}

// Commits returns how many commits the server received, both generations.
func (s *Server) Commits() int { return s.Count(RouteCommit) + s.Count(RouteCommitV2) }

// Logins returns how many v2 credential logins the server received.
func (s *Server) Logins() int { return s.Count(RouteReauthLogin) }

// complete marks a re-auth done (s.mu held) and queues
// account_reauthorized.
func (s *Server) complete(id string) {
	if a := s.accounts[id]; a != nil {
		a.needsReauth = false
		a.reauthorised++
	}
	s.queue(EventAccountReauthorized, id, nil)
}

// --- HTTP ---

type obj = map[string]any

func fail(w http.ResponseWriter, status int, code, msg string) {
	body := obj{"status": "failed", "message": msg, "data": nil}
	if code != "" {
		body["code"] = code
	}
	sim.WriteJSON(w, status, body)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/hosted/reauth/") {
		s.hosted(w, r, strings.TrimPrefix(p, "/hosted/reauth/"))
		return
	}
	if !httpx.MatchesAny(r.Header.Get("mono-sec-key"), s.key) {
		fail(w, http.StatusUnauthorized, "", "Invalid or missing secret key")
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(p, "/v2/accounts/") {
		rest := strings.TrimPrefix(p, "/v2/accounts/")
		if id, ok := strings.CutSuffix(rest, "/transactions"); ok {
			s.transactions(w, r, id)
		} else {
			s.accountRead(w, rest)
		}
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusNotFound, "", "Route not found")
		return
	}
	switch {
	case strings.HasPrefix(p, "/accounts/") && strings.HasSuffix(p, "/reauthorise"):
		s.reauthorise(w, strings.TrimSuffix(strings.TrimPrefix(p, "/accounts/"), "/reauthorise"))
	case strings.HasPrefix(p, "/accounts/") && strings.HasSuffix(p, "/sync"):
		s.sync(w, strings.TrimSuffix(strings.TrimPrefix(p, "/accounts/"), "/sync"))
	case p == "/v1/connect/session":
		s.sessionV1(w, r)
	case p == "/v1/connect/commit":
		s.commitV1(w, r)
	case p == "/v2/connect/reauth/session":
		s.sessionV2(w, r)
	case p == "/v2/connect/reauth/login":
		s.loginV2(w, r)
	case p == "/v2/connect/commit":
		s.commitV2(w, r)
	case p == "/v2/accounts/initiate":
		s.initiate(w, r)
	default:
		fail(w, http.StatusNotFound, "", "Route not found")
	}
}
