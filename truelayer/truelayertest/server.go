// Package truelayertest is a simulated TrueLayer for tests and examples: the
// auth server's /v1/reauthuri and /connect/token, the Data API's
// /data/v1/me, /data/v1/accounts and connections/extend, a simulated bank
// (an HTML page with Approve and Deny buttons a browser can click), a
// webhook JWKS and signed webhook deliveries, fault knobs and a request
// log. Both TrueLayer hosts are served by one loopback
// server: point the client's auth and API URLs at [Server.URL].
//
// It is stateful: refresh tokens are issued, rotated and revoked,
// authorisation codes work once and for 5 minutes (after that:
// invalid_authorization_code), the redirect URI must
// match the connection's, and a consent that lapsed more than 90 days ago
// can no longer be renewed through /v1/reauthuri. Access tokens live
// [AccessTokenTTL]; data calls with an expired one answer 401
// invalid_token, and with a lapsed or revoked consent 403 access_denied,
// as TrueLayer documents.
//
// As TrueLayer documents nothing else, the extend redirect carries no
// state ([WithExtendState] makes it echo one), and connections/extend
// answers 400 while the app's reconfirmation screen awaits review
// ([Server.SetExtendReviewPending]).
//
// It does not import package truelayer; use it from your own tests.
package truelayertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Defaults of a Server.
const (
	DefaultClientID     = "sandbox-reauthkit-sim"
	DefaultClientSecret = "sim-client-secret-do-not-use"
	// SessionTTL is how long a bank link works; it can be followed more
	// than once (each approval issues a new code).
	SessionTTL = time.Hour
	// CodeTTL is how long an authorisation code can be exchanged.
	CodeTTL = 5 * time.Minute
	// ConsentPeriod is how long a consent lasts, and how long after it
	// lapsed /v1/reauthuri can still renew it.
	ConsentPeriod = 90 * 24 * time.Hour
	// AccessTokenTTL is the lifetime of simulated access tokens.
	AccessTokenTTL = time.Hour
	// JWKSPath is where the Server serves its webhook JWKS.
	JWKSPath = "/.well-known/jwks"
	// DefaultExtendPath is the connections/extend path the Server serves
	// (it also answers on "/connections/extend").
	DefaultExtendPath = "/data/v1/connections/extend"
)

// Routes, for [sim.Server.Inject] and [sim.Server.Count].
const (
	RouteReauthURI = "POST /v1/reauthuri"
	RouteToken     = "POST /connect/token"
	RouteExtend    = "POST " + DefaultExtendPath
	RouteMe        = "GET /data/v1/me"
	RouteAccounts  = "GET /data/v1/accounts"
	RouteJWKS      = "GET " + JWKSPath
)

// Option configures a Server.
type Option func(*Server)

// WithClientCredentials sets the client id and secret the Server accepts.
func WithClientCredentials(id, secret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = id, secret }
}

// WithExtendState makes the bank echo the state sent to connections/extend
// on its redirect. By default it does not: no TrueLayer page shows state
// in the extend body or on its callback.
func WithExtendState() Option { return func(s *Server) { s.extendState = true } }

// WithClock sets the Server's clock (code and consent expiry).
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// Server is a simulated TrueLayer. It embeds *sim.Server: Inject faults,
// read Requests and Count, Connections, Close. It is safe for concurrent
// use.
type Server struct {
	*sim.Server

	clientID, clientSecret string
	now                    func() time.Time
	extendState            bool

	mu       sync.Mutex
	conns    map[string]*connection // by credentials id
	byRT     map[string]string      // refresh token → credentials id
	byAT     map[string]string      // access token → credentials id
	sessions map[string]*session    // bank sessions by id
	codes    map[string]*grant      // authorisation codes
	signer   *signer
	// reviewPending: connections/extend answers 400, as for an app whose
	// reconfirmation screen TrueLayer has not yet approved.
	reviewPending bool
}

type connection struct {
	id           string
	userID       string
	redirectURI  string
	refreshToken string
	accessToken  string
	atIssuedAt   time.Time
	createdAt    time.Time
	expiresAt    time.Time
	revoked      bool
	extendAction string
	providerID   string
	providerName string
	// otherAccount: the next approval at the bank logs into another
	// account, which TrueLayer answers with a new connection.
	otherAccount bool
}

type session struct {
	credentialsID string
	redirectURI   string
	state         string
	codeParam     string
	createdAt     time.Time
}

type grant struct {
	credentialsID string
	redirectURI   string
	issuedAt      time.Time
	used          bool
}

// NewServer starts a simulated TrueLayer on loopback. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clientID: DefaultClientID, clientSecret: DefaultClientSecret, now: time.Now,
		conns: map[string]*connection{}, byRT: map[string]string{}, byAT: map[string]string{},
		sessions: map[string]*session{}, codes: map[string]*grant{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.signer = newSigner()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/reauthuri", s.handleReauthURI)
	mux.HandleFunc("POST /connect/token", s.handleToken)
	mux.HandleFunc("POST "+DefaultExtendPath, s.handleExtend)
	mux.HandleFunc("POST /connections/extend", s.handleExtend)
	mux.HandleFunc("GET /data/v1/me", s.handleMe)
	mux.HandleFunc("GET /data/v1/accounts", s.handleAccounts)
	mux.HandleFunc("GET "+JWKSPath, s.handleJWKS)
	mux.HandleFunc("GET /sim/bank", s.handleBank)
	mux.HandleFunc("POST /sim/bank", s.handleBank)
	s.Server = sim.NewServer(withCorrelationID(mux))
	return s
}

func withCorrelationID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Tl-Correlation-Id", sim.NewID("corr-"))
		h.ServeHTTP(w, r)
	})
}

// ClientID returns the client id the Server accepts.
func (s *Server) ClientID() string { return s.clientID }

// ClientSecret returns the client secret the Server accepts.
func (s *Server) ClientSecret() string { return s.clientSecret }

// AuthURL is the auth server's base URL (the Server's URL).
func (s *Server) AuthURL() string { return s.URL }

// APIURL is the Data API's base URL (the Server's URL).
func (s *Server) APIURL() string { return s.URL }

// JWKSURL is the URL of the Server's webhook JWKS, to allow-list in the
// verifier (truelayer.WithJWKSURLs).
func (s *Server) JWKSURL() string { return s.URL + JWKSPath }

// Connection is a simulated user's connection, as the application stores
// it after the first authorisation.
type Connection struct {
	CredentialsID string
	// UserID is the user_id generated at connection creation (extend needs
	// it).
	UserID       string
	AccessToken  string
	RefreshToken string
	RedirectURI  string
	// ConsentExpiresAt is when the 90-day consent ends.
	ConsentExpiresAt time.Time
}

// Connect creates a connection, as a first-time authorisation with
// redirectURI would, and returns its tokens.
func (s *Server) Connect(redirectURI string) Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.public(s.connect(redirectURI))
}

// connect creates a connection (the caller holds s.mu).
func (s *Server) connect(redirectURI string) *connection {
	now := s.now()
	c := &connection{
		id: sim.NewID("cred-"), userID: sim.NewID("user-"), redirectURI: redirectURI,
		createdAt: now, expiresAt: now.Add(ConsentPeriod),
		providerID: "ob-sim-bank", providerName: "Simulated Bank",
	}
	s.conns[c.id] = c
	s.issue(c)
	return c
}

func (s *Server) public(c *connection) Connection {
	return Connection{
		CredentialsID: c.id, UserID: c.userID, AccessToken: c.accessToken, RefreshToken: c.refreshToken,
		RedirectURI: c.redirectURI, ConsentExpiresAt: c.expiresAt,
	}
}

// Lookup returns the current state of a connection.
func (s *Server) Lookup(credentialsID string) (Connection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[credentialsID]
	if c == nil {
		return Connection{}, false
	}
	return s.public(c), true
}

// issue gives c a new token pair (the caller holds s.mu).
func (s *Server) issue(c *connection) {
	delete(s.byRT, c.refreshToken)
	delete(s.byAT, c.accessToken)
	c.refreshToken = sim.NewSecret("sim-rt-")
	s.byRT[c.refreshToken] = c.id
	s.issueAccess(c)
}

// issueAccess gives c a new access token (the caller holds s.mu).
func (s *Server) issueAccess(c *connection) {
	delete(s.byAT, c.accessToken)
	c.accessToken = sim.NewSecret("sim-at-")
	c.atIssuedAt = s.now()
	s.byAT[c.accessToken] = c.id
}

// ExpireConsent makes the connection's consent lapse ago ago (ago 0: just
// now): refreshes fail with invalid_grant and /me answers 403
// access_denied, but /v1/reauthuri still renews it while ago is under 90
// days. This is the "needs re-auth" state.
func (s *Server) ExpireConsent(credentialsID string, ago time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[credentialsID]; c != nil {
		c.expiresAt = s.now().Add(-ago)
	}
}

// SetConsentExpiry sets when the connection's consent ends (for Inspect's
// ExpiringSoon).
func (s *Server) SetConsentExpiry(credentialsID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[credentialsID]; c != nil {
		c.expiresAt = at
	}
}

// Revoke ends the connection: every token is refused.
func (s *Server) Revoke(credentialsID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[credentialsID]; c != nil {
		c.revoked = true
	}
}

// SetExtendAction makes connections/extend answer action for the
// connection ("no_action_needed", "authentication_needed",
// "reconfirmation_of_consent_needed"). By default it answers
// authentication_needed when the consent has lapsed, no_action_needed
// otherwise.
func (s *Server) SetExtendAction(credentialsID, action string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[credentialsID]; c != nil {
		c.extendAction = action
	}
}

// SetExtendReviewPending makes connections/extend answer 400 (pending
// true), as TrueLayer does until it has reviewed the app's reconfirmation
// screen, or serve again (false).
func (s *Server) SetExtendReviewPending(pending bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewPending = pending
}

// LogIntoOtherAccount makes the user, at the next approval of a
// re-authentication of credentialsID, log into another bank account: the
// code then belongs to a new connection, with its own credentials_id.
func (s *Server) LogIntoOtherAccount(credentialsID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[credentialsID]; c != nil {
		c.otherAccount = true
	}
}

func writeError(w http.ResponseWriter, status int, code, desc string) {
	sim.WriteJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func (s *Server) clientOK(id, secret string) bool {
	// Constant time for the secret, as a real server compares it.
	return id == s.clientID && httpx.MatchesAny(secret, s.clientSecret)
}

func (s *Server) handleReauthURI(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ResponseType string `json:"response_type"`
		RefreshToken string `json:"refresh_token"`
		RedirectURI  string `json:"redirect_uri"`
		State        string `json:"state"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&body) != nil {
		writeError(w, 400, "invalid_request", "expected a JSON body")
		return
	}
	if body.ResponseType != "code" {
		writeError(w, 400, "unsupported_response_type", "response_type must be code")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[s.byRT[body.RefreshToken]]
	switch {
	case c == nil || c.revoked:
		writeError(w, 400, "invalid_grant", "refresh token is invalid or revoked")
		return
	case body.RedirectURI != c.redirectURI:
		writeError(w, 400, "invalid_request", "redirect_uri does not match the original authorisation")
		return
	case s.now().After(c.expiresAt.Add(ConsentPeriod)):
		writeError(w, 401, "unauthorized", "the re-authentication window has passed")
		return
	}
	id := sim.NewID("sess-")
	s.sessions[id] = &session{credentialsID: c.id, redirectURI: c.redirectURI, state: body.State, codeParam: "code", createdAt: s.now()}
	sim.WriteJSON(w, 200, map[string]any{"success": true, "result": s.URL + "/sim/bank?session=" + id})
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeError(w, 400, "invalid_request", "expected a form body")
		return
	}
	f := r.PostForm
	if !s.clientOK(f.Get("client_id"), f.Get("client_secret")) {
		writeError(w, 400, "invalid_client", "client authentication failed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var c *connection
	switch f.Get("grant_type") {
	case "authorization_code":
		g := s.codes[f.Get("code")]
		switch {
		case g == nil || g.used || now.Sub(g.issuedAt) > CodeTTL:
			// TrueLayer's error table: a stale (> 5 min) or reused code
			// is invalid_authorization_code.
			writeError(w, 400, "invalid_authorization_code", "the authorization code is invalid, expired or already used")
			return
		case f.Get("redirect_uri") != g.redirectURI:
			g.used = true
			writeError(w, 400, "invalid_grant", "redirect_uri does not match")
			return
		}
		g.used = true
		c = s.conns[g.credentialsID]
		if c == nil || c.revoked {
			writeError(w, 400, "invalid_grant", "the connection was revoked")
			return
		}
		// Re-authentication renews the consent for 90 days. TrueLayer keeps
		// the refresh token (seed 001); only the access token is new.
		c.expiresAt = now.Add(ConsentPeriod)
		s.issueAccess(c)
	case "refresh_token":
		c = s.conns[s.byRT[f.Get("refresh_token")]]
		if c == nil || c.revoked || !now.Before(c.expiresAt) {
			writeError(w, 400, "invalid_grant", "the refresh token is invalid, expired or revoked")
			return
		}
		s.issue(c)
	default:
		writeError(w, 400, "unsupported_grant_type", "grant_type not supported")
		return
	}
	sim.WriteJSON(w, 200, map[string]any{
		"access_token": c.accessToken, "refresh_token": c.refreshToken,
		"expires_in": int(AccessTokenTTL / time.Second), "token_type": "Bearer", "scope": "info accounts balance offline_access",
	})
}

func (s *Server) handleExtend(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClientID                  string `json:"client_id"`
		ClientSecret              string `json:"client_secret"`
		RefreshToken              string `json:"refresh_token"`
		RedirectURI               string `json:"redirect_uri"`
		UserHasReconfirmedConsent bool   `json:"user_has_reconfirmed_consent"`
		User                      struct {
			ID, Name, Email, Phone string
		} `json:"user"`
		State string `json:"state"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&body) != nil {
		writeError(w, 400, "invalid_request", "expected a JSON body")
		return
	}
	if !s.clientOK(body.ClientID, body.ClientSecret) {
		writeError(w, 401, "invalid_client", "client authentication failed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reviewPending {
		// The body TrueLayer sends here is not published; the status is.
		writeError(w, 400, "invalid_request", "connection extension is not enabled for this client")
		return
	}
	c := s.conns[s.byRT[body.RefreshToken]]
	switch {
	case c == nil || c.revoked:
		writeError(w, 400, "invalid_grant", "refresh token is invalid or revoked")
		return
	case !body.UserHasReconfirmedConsent:
		writeError(w, 400, "invalid_request", "user_has_reconfirmed_consent must be true")
		return
	case body.User.ID != c.userID || body.User.Name == "" || (body.User.Email == "" && body.User.Phone == ""):
		writeError(w, 400, "invalid_request", "user id, name and email or phone are required")
		return
	case body.RedirectURI != c.redirectURI:
		writeError(w, 400, "invalid_request", "redirect_uri does not match")
		return
	}
	now := s.now()
	action := c.extendAction
	if action == "" {
		action = "no_action_needed"
		if !now.Before(c.expiresAt) {
			action = "authentication_needed"
		}
	}
	if action == "no_action_needed" {
		c.expiresAt = now.Add(ConsentPeriod)
		s.issue(c)
		sim.WriteJSON(w, 200, map[string]any{
			"action_needed": action, "access_token": c.accessToken, "refresh_token": c.refreshToken,
			"expires_in": int(AccessTokenTTL / time.Second), "token_type": "Bearer",
		})
		return
	}
	id := sim.NewID("sess-")
	sess := &session{credentialsID: c.id, redirectURI: c.redirectURI, codeParam: "exchange_code", createdAt: now}
	if s.extendState {
		sess.state = body.State
	}
	s.sessions[id] = sess
	sim.WriteJSON(w, 200, map[string]any{"action_needed": action, "user_input_link": s.URL + "/sim/bank?session=" + id})
}

// ecKey makes a P-521 key (panics only if crypto/rand fails).
func ecKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		panic("truelayertest: generating a P-521 key: " + err.Error())
	}
	return k
}
