// Package finchtest is a simulated Finch API for tests and examples: real
// HTTP on loopback with Finch's paths, headers, JSON and error shapes,
// stateful connections, tokens, Connect sessions and one-time codes, a
// simulated employer who completes (or cancels) Finch Connect, signed
// webhook deliveries, fault injection and a request log.
//
// It does not import package finch, so it can test any Finch client.
//
//	srv := finchtest.NewServer()
//	defer srv.Close()
//	conn := srv.AddConnection("gusto")
//	srv.RequireReauth(conn.ID) // data calls now answer 401 reauthenticate_user
//	c, _ := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
//		finch.WithBaseURL(srv.URL))
//	flow, _ := c.Begin(ctx, reauth.Request{Token: conn.AccessToken, RedirectURI: finchtest.RedirectURI})
//	cb, _ := srv.Approve(ctx, flow.URL) // the employer goes through Connect
//	flow, _ = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
//
// Endpoints: GET /introspect and GET /employer/company (Bearer), POST
// /connect/sessions/reauthenticate (Basic), POST /auth/token (credentials
// in the JSON body), PUT /sandbox/connections/accounts (Bearer; Finch's
// own sandbox knob) and GET /authorize (the Connect UI, for the simulated
// employer's browser). Every API request must carry Finch-API-Version:
// 2020-09-17, or it is answered 400.
package finchtest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Defaults of a Server.
const (
	// ClientID and ClientSecret are the application credentials a Server
	// accepts unless WithCredentials says otherwise.
	ClientID     = "finchtest-client-id"
	ClientSecret = "finchtest-client-secret-0123456789"
	// RedirectURI is where Connect sends the employer when the session has
	// no redirect_uri (the Dashboard default of a real application).
	RedirectURI = "https://app.example/finch/callback"
	// APIVersion is the Finch-API-Version every API request must carry.
	APIVersion = "2020-09-17"
	// CodeTTL is how long a Connect code can be exchanged (Finch does not
	// document it; 10 minutes is assumed).
	CodeTTL = 10 * time.Minute
	// DefaultSessionMinutes is the lifetime of a re-authentication session
	// whose request has no minutes_to_expire (Finch: 30 days).
	DefaultSessionMinutes = 43200
	// MaxSessionMinutes is the longest session accepted.
	MaxSessionMinutes = 129600
)

// Connection statuses the simulator uses (Finch's connection_status.status).
const (
	StatusConnected    = "connected"
	StatusReauth       = "reauth"
	StatusPending      = "pending"
	StatusDisconnected = "disconnected"
)

// Connection is a simulated employer connection.
type Connection struct {
	ID         string
	ProviderID string
	CompanyID  string
	Status     string
	Products   []string
	// AccessToken is the token the connection was created with.
	AccessToken string
}

type session struct {
	id          string
	connID      string
	redirectURI string
	expiresAt   time.Time
}

type codeEntry struct {
	connID      string
	redirectURI string
	expiresAt   time.Time
	used        bool
}

// Server is a simulated Finch API. It embeds *sim.Server: Inject adds
// faults ("POST /auth/token"), Requests and Count read the request log,
// Connections counts TCP connections, Close stops it. Safe for concurrent
// use.
type Server struct {
	*sim.Server

	clientID, clientSecret string
	webhookSecret          string
	now                    func() time.Time

	mu       sync.Mutex
	conns    map[string]*Connection
	tokens   map[string]string // access token → connection id
	sessions map[string]*session
	codes    map[string]*codeEntry
}

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the application credentials the server accepts.
func WithCredentials(clientID, clientSecret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = clientID, clientSecret }
}

// WithClock sets the server's clock (session and code expiry).
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithWebhookSecret sets the base64 secret Deliver signs with (default
// [WebhookSecret]).
func WithWebhookSecret(secret string) Option { return func(s *Server) { s.webhookSecret = secret } }

// WebhookSecret is the default webhook secret: Finch's published test
// secret.
const WebhookSecret = "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"

// NewServer starts a simulated Finch API on loopback. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clientID:      ClientID,
		clientSecret:  ClientSecret,
		webhookSecret: WebhookSecret,
		now:           time.Now,
		conns:         map[string]*Connection{},
		tokens:        map[string]string{},
		sessions:      map[string]*session{},
		codes:         map[string]*codeEntry{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /introspect", s.api(s.introspect))
	mux.HandleFunc("GET /employer/company", s.api(s.company))
	mux.HandleFunc("POST /connect/sessions/reauthenticate", s.api(s.reauthSession))
	mux.HandleFunc("POST /auth/token", s.api(s.token))
	mux.HandleFunc("PUT /sandbox/connections/accounts", s.api(s.sandboxAccounts))
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("/", s.api(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found_error", "item_not_found", "no such endpoint")
	}))
	s.Server = sim.NewServer(mux)
	return s
}

// AddConnection creates a connected connection to providerID with an
// access token, and returns a copy of it.
func (s *Server) AddConnection(providerID string) Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addConnectionLocked(providerID)
}

func (s *Server) addConnectionLocked(providerID string) Connection {
	c := &Connection{
		ID:          newUUID(),
		ProviderID:  providerID,
		CompanyID:   newUUID(),
		Status:      StatusConnected,
		Products:    []string{"company", "directory", "individual", "employment"},
		AccessToken: sim.NewSecret("sandbox-token-"),
	}
	s.conns[c.ID] = c
	s.tokens[c.AccessToken] = c.ID
	return copyConn(c)
}

func copyConn(c *Connection) Connection {
	out := *c
	out.Products = append([]string(nil), c.Products...)
	return out
}

// Connection returns a copy of the connection with id.
func (s *Server) Connection(id string) (Connection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[id]
	if !ok {
		return Connection{}, false
	}
	return copyConn(c), true
}

// SetStatus sets a connection's status; it reports whether it exists.
func (s *Server) SetStatus(connID, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[connID]
	if ok {
		c.Status = status
	}
	return ok
}

// RequireReauth breaks a connection like Finch's sandbox knob does: its
// data calls answer 401 reauthenticate_user until the employer goes
// through Connect again.
func (s *Server) RequireReauth(connID string) bool { return s.SetStatus(connID, StatusReauth) }

// TokenWorks reports whether accessToken is known and its connection is
// connected (a data call with it would succeed).
func (s *Server) TokenWorks(accessToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.tokens[accessToken]
	return ok && s.conns[id].Status == StatusConnected
}

// IssueCode returns a new one-time code for the connection, as if the
// employer had just completed Connect for a session with redirectURI
// (empty: none), without any HTTP. ok is false for an unknown connection.
// It marks the connection connected, like a completed Connect does.
func (s *Server) IssueCode(connID, redirectURI string) (code string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[connID]
	if !ok {
		return "", false
	}
	c.Status = StatusConnected
	return s.newCodeLocked(connID, redirectURI), true
}

// ----- handlers -----

// api wraps an API handler with the Finch-API-Version check and the
// Finch-Request-Id header.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Finch-Request-Id", newUUID())
		if r.Header.Get("Finch-API-Version") != APIVersion {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid_request",
				"Finch-API-Version header must be "+APIVersion)
			return
		}
		h(w, r)
	}
}

// writeError writes Finch's error shape.
func writeError(w http.ResponseWriter, status int, name, finchCode, msg string) {
	body := map[string]any{"code": status, "name": name, "message": msg}
	if finchCode != "" {
		body["finch_code"] = finchCode
	}
	sim.WriteJSON(w, status, body)
}

// connFor resolves the Bearer token, answering 401 when it is unknown.
func (s *Server) connFor(w http.ResponseWriter, r *http.Request) *Connection {
	tok := sim.BearerToken(r)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, "unauthorized_request_error", "", "missing access token")
		return nil
	}
	id, ok := s.tokens[tok]
	if !ok {
		writeError(w, http.StatusUnauthorized, "invalid_token_error", "", "invalid access token")
		return nil
	}
	return s.conns[id]
}

func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.connFor(w, r)
	if c == nil {
		return
	}
	msg := "This employer is working as expected"
	if c.Status == StatusReauth {
		msg = "The employer must re-authenticate"
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"id":                newUUID(),
		"client_id":         s.clientID,
		"client_type":       "sandbox",
		"connection_id":     c.ID,
		"connection_type":   "provider",
		"connection_status": map[string]any{"status": c.Status, "message": msg, "last_successful_sync": nil},
		"products":          c.Products,
		"provider_id":       c.ProviderID,
		"company_id":        c.CompanyID,
		"account_id":        c.ID,
		"manual":            false,
		"customer_id":       nil,
		"authentication_methods": []any{map[string]any{
			"type": "credential", "products": c.Products,
			"connection_status": map[string]any{"status": c.Status, "message": msg},
		}},
	})
}

func (s *Server) company(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.connFor(w, r)
	if c == nil {
		return
	}
	switch c.Status {
	case StatusConnected:
	case StatusReauth:
		writeError(w, http.StatusUnauthorized, "authentication_error", "reauthenticate_user",
			"The employer must re-authenticate to restore this connection")
		return
	case StatusPending:
		writeError(w, http.StatusAccepted, "accepted", "data_sync_in_progress", "data sync in progress")
		return
	default:
		writeError(w, http.StatusUnauthorized, "invalid_token_error", "", "connection "+c.Status)
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"id":                   c.CompanyID,
		"legal_name":           "Simulated Employer Inc.",
		"ein":                  "12-3456789",
		"primary_email":        "payroll@employer.example",
		"primary_phone_number": nil,
	})
}

// basicOK checks the application's Basic credentials in constant time.
func (s *Server) basicOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	return ok && s.credsOK(id, secret)
}

func (s *Server) credsOK(id, secret string) bool {
	a := subtle.ConstantTimeCompare([]byte(id), []byte(s.clientID))
	b := subtle.ConstantTimeCompare([]byte(secret), []byte(s.clientSecret))
	return a&b == 1
}

func (s *Server) reauthSession(w http.ResponseWriter, r *http.Request) {
	if !s.basicOK(r) {
		writeError(w, http.StatusUnauthorized, "invalid_client_error", "", "invalid client credentials")
		return
	}
	var req struct {
		ConnectionID    string   `json:"connection_id"`
		MinutesToExpire *int64   `json:"minutes_to_expire"`
		Products        []string `json:"products"`
		RedirectURI     string   `json:"redirect_uri"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "body must be JSON")
		return
	}
	if req.ConnectionID == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "connection_id is required")
		return
	}
	minutes := int64(DefaultSessionMinutes)
	if req.MinutesToExpire != nil {
		minutes = *req.MinutesToExpire
	}
	if minutes < 1 || minutes > MaxSessionMinutes {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "minutes_to_expire out of range")
		return
	}
	if req.RedirectURI != "" {
		if u, err := url.Parse(req.RedirectURI); err != nil || u.Host == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "redirect_uri is not a URL")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[req.ConnectionID]; !ok {
		writeError(w, http.StatusNotFound, "not_found_error", "item_not_found", "connection not found")
		return
	}
	sess := &session{
		id:          newUUID(),
		connID:      req.ConnectionID,
		redirectURI: req.RedirectURI,
		expiresAt:   s.now().Add(time.Duration(minutes) * time.Minute),
	}
	s.sessions[sess.id] = sess
	sim.WriteJSON(w, http.StatusCreated, map[string]any{
		"session_id":  sess.id,
		"connect_url": s.URL + "/authorize?session=" + url.QueryEscape(sess.id),
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Code         string `json:"code"`
		RedirectURI  string `json:"redirect_uri"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "body must be JSON")
		return
	}
	if !s.credsOK(req.ClientID, req.ClientSecret) {
		writeError(w, http.StatusUnauthorized, "invalid_client_error", "", "invalid client credentials")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ce, ok := s.codes[req.Code]
	switch {
	case req.Code == "" || !ok:
		writeError(w, http.StatusBadRequest, "invalid_grant_error", "", "invalid authorization code")
		return
	case ce.used:
		writeError(w, http.StatusBadRequest, "invalid_grant_error", "", "authorization code already used")
		return
	case !s.now().Before(ce.expiresAt):
		writeError(w, http.StatusBadRequest, "invalid_grant_error", "", "authorization code expired")
		return
	case req.RedirectURI != "" && ce.redirectURI != "" && req.RedirectURI != ce.redirectURI:
		writeError(w, http.StatusBadRequest, "invalid_grant_error", "", "redirect_uri does not match")
		return
	}
	ce.used = true
	c := s.conns[ce.connID]
	tok := sim.NewSecret("sandbox-token-")
	s.tokens[tok] = c.ID
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"access_token":    tok,
		"token_type":      "bearer",
		"connection_id":   c.ID,
		"connection_type": "provider",
		"client_type":     "sandbox",
		"provider_id":     c.ProviderID,
		"products":        c.Products,
		"entity_ids":      []string{c.CompanyID},
		"company_id":      c.CompanyID,
		"account_id":      c.ID,
		"customer_id":     nil,
		"customer_name":   nil,
	})
}

// sandboxAccounts is Finch's PUT /sandbox/connections/accounts: set the
// token's connection status ({"connection_status":"reauth"}).
func (s *Server) sandboxAccounts(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ConnectionStatus string `json:"connection_status"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ConnectionStatus == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "connection_status is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.connFor(w, r)
	if c == nil {
		return
	}
	c.Status = req.ConnectionStatus
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"connection_id": c.ID, "company_id": c.CompanyID, "account_id": c.ID,
		"authentication_type": "credential", "products": c.Products,
	})
}

// Decisions the simulated employer can take in Connect (the sim_decision
// query parameter of GET /authorize).
const (
	decisionApprove       = "approve"
	decisionDeny          = "deny"
	decisionNewConnection = "new_connection"
)

// authorize is Finch Connect: it validates the session and redirects the
// employer back to the application with a code (or an error), echoing
// state. A session can be completed again until it expires (Finch does not
// document single use); each completion issues a new one-time code.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[q.Get("session")]
	switch {
	case !ok:
		http.Error(w, "unknown session", http.StatusNotFound)
		return
	case !s.now().Before(sess.expiresAt):
		http.Error(w, "session expired", http.StatusGone)
		return
	}
	redirect := sess.redirectURI
	if redirect == "" {
		redirect = RedirectURI
	}
	back, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect", http.StatusBadRequest)
		return
	}
	out := back.Query()
	if st := q.Get("state"); st != "" {
		out.Set("state", st)
	}
	switch q.Get("sim_decision") {
	case decisionDeny:
		out.Set("error", "access_denied")
		out.Set("error_description", "The employer closed Finch Connect")
	case decisionNewConnection:
		c := s.addConnectionLocked(s.conns[sess.connID].ProviderID)
		out.Set("code", s.newCodeLocked(c.ID, sess.redirectURI))
	default:
		s.conns[sess.connID].Status = StatusConnected
		out.Set("code", s.newCodeLocked(sess.connID, sess.redirectURI))
	}
	back.RawQuery = out.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (s *Server) newCodeLocked(connID, redirectURI string) string {
	code := sim.NewSecret("code-")
	s.codes[code] = &codeEntry{connID: connID, redirectURI: redirectURI, expiresAt: s.now().Add(CodeTTL)}
	return code
}

// ----- the simulated employer -----

// Approve plays the employer completing Finch Connect at connectURL (a
// session's connect_url, with any parameters the client added) and returns
// the query of the redirect back to the application: code and state.
func (s *Server) Approve(ctx context.Context, connectURL string) (url.Values, error) {
	return s.browse(ctx, connectURL, decisionApprove)
}

// Deny plays the employer closing Connect: the callback carries
// error=access_denied (Finch does not document its cancel parameters; the
// OAuth ones are assumed) and state.
func (s *Server) Deny(ctx context.Context, connectURL string) (url.Values, error) {
	return s.browse(ctx, connectURL, decisionDeny)
}

// ApproveNewConnection plays the employer signing in with other
// credentials: Finch creates a new connection and the code belongs to it,
// not to the session's connection.
func (s *Server) ApproveNewConnection(ctx context.Context, connectURL string) (url.Values, error) {
	return s.browse(ctx, connectURL, decisionNewConnection)
}

func (s *Server) browse(ctx context.Context, connectURL, decision string) (url.Values, error) {
	back, err := sim.Decide(ctx, connectURL, "sim_decision", decision)
	if err != nil {
		return nil, fmt.Errorf("finchtest: %w", err)
	}
	return back, nil
}

func newUUID() string {
	id := sim.NewID("")
	// 16 hex characters: shape them like a UUID's tail on a fixed prefix.
	return "00000000-0000-4000-8" + id[:3] + "-" + id[3:15]
}
