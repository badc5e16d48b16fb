// Package finchtest is a simulated Finch API for tests and examples: real
// HTTP on loopback with Finch's paths, headers, JSON and error shapes,
// stateful connections, tokens, Connect sessions and one-time codes, a
// Finch Connect page (HTML, with Approve and Deny buttons a browser can
// click) and a simulated employer who submits it, signed webhook
// deliveries, fault injection and a request log.
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
// API endpoints: GET /introspect, GET /employer/company and GET
// /employer/directory (Bearer), POST /disconnect (Bearer), POST
// /connect/sessions and POST /connect/sessions/reauthenticate (Basic),
// POST /auth/token (credentials in the JSON body) and PUT
// /sandbox/connections/accounts (Bearer; Finch's own sandbox knob). Every
// API request must carry Finch-API-Version: 2020-09-17, or it is answered
// 400. The Connect UI is GET /authorize (the page) and POST /authorize (its
// form; the employer's choice is the field decision=approve|deny, also
// accepted in the query).
//
// Data calls follow the connection's status the way Finch's error guide
// describes: reauth answers 401 authentication_error reauthenticate_user,
// error_no_account_setup 401 account_setup_required, error_permissions 403
// error_permissions insufficient_account_permissions, pending 202
// data_sync_in_progress, and a token that is unknown or disconnected 401
// invalid_token_error.
package finchtest

import (
	"net/http"
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
	StatusConnected           = "connected"
	StatusReauth              = "reauth"
	StatusPending             = "pending"
	StatusDisconnected        = "disconnected"
	StatusErrorNoAccountSetup = "error_no_account_setup"
	StatusErrorPermissions    = "error_permissions"
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
	connID      string // "" for a session that creates a new connection
	providerID  string // the new connection's provider (POST /connect/sessions)
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

// WithWebhookSecret sets the base64 secret DeliverWebhook and WebhookRequest sign with (default
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
	mux.HandleFunc("GET /employer/directory", s.api(s.directory))
	mux.HandleFunc("POST /disconnect", s.api(s.disconnect))
	mux.HandleFunc("POST /connect/sessions", s.api(s.newSession))
	mux.HandleFunc("POST /connect/sessions/reauthenticate", s.api(s.reauthSession))
	mux.HandleFunc("POST /auth/token", s.api(s.token))
	mux.HandleFunc("PUT /sandbox/connections/accounts", s.api(s.sandboxAccounts))
	mux.HandleFunc("GET /authorize", s.connectPage)
	mux.HandleFunc("POST /authorize", s.connectSubmit)
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

// RequireReauth breaks a connection like Finch's sandbox knob (PUT
// /sandbox/connections/accounts {"connection_status":"reauth"}) does: its
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

// Tokens returns how many access tokens of the connection are valid (not
// disconnected).
func (s *Server) Tokens(connID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range s.tokens {
		if id == connID {
			n++
		}
	}
	return n
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
