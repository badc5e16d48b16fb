// Package attotest is a simulated Atto for tests: a real HTTP server on
// loopback with Atto's token endpoint, Consent API, stored-data refresh,
// one Bank Data read (GET /data/v2/consents/{consentId}/accounts) and a
// Connect page (real HTML with Approve and Deny buttons), stateful
// consents, a simulated end user who approves or denies a re-auth link,
// webhook notifications, fault injection and a request log. It does not import package atto, so tests of code built on
// any Atto client can use it.
//
//	srv := attotest.NewServer()
//	defer srv.Close()
//	id := srv.NewConsent(attotest.StatusExpired)
//	// point the client at srv.APIURL() and srv.ConnectURL(), with
//	// srv.ClientID() and srv.ClientSecret(); mint a link, then:
//	cb, err := srv.Approve(ctx, link) // the user approves at Connect
//	flow, err = client.Continue(ctx, flow, reauth.Reply{Callback: cb})
//
// Faults: srv.Inject("POST /v1/oauth2/token", 1, sim.Fault{Kind:
// sim.FaultStatus, Status: 503, RetryAfter: "2"}) makes the next token
// request answer 503; srv.Requests() and srv.Count(route) read the request
// log; srv.Connections() counts accepted TCP connections.
//
// It behaves as Atto documents, where Atto documents it: a re-auth of an
// Active consent keeps it Active (statusUpdated unchanged) and moves
// consentEnd; a broken consent's data read answers 403 consent_expired,
// consent_revoked or consent_denied.
package attotest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Defaults of a new Server.
const (
	DefaultClientID     = "atto-sim-client"
	DefaultClientSecret = "atto-sim-secret-4f9c2b7e1d"
	// DefaultCallbackURL is where Connect sends the user back (Atto support
	// configures this per application).
	DefaultCallbackURL = "https://app.example/atto/callback"
	// DefaultTokenLifetime is Atto's documented token lifetime.
	DefaultTokenLifetime = time.Hour
	// DefaultConsentLifetime is the consentEnd given after an approval.
	DefaultConsentLifetime = 90 * 24 * time.Hour
	// ConnectPath is the path of the simulated Connect page below the
	// server's URL.
	ConnectPath = "/connect"
)

// The consent statuses Atto documents.
const (
	StatusPending   = "Pending"
	StatusActive    = "Active"
	StatusRevoked   = "Revoked"
	StatusAbandoned = "Abandoned"
	StatusFailed    = "Failed"
	StatusExpired   = "Expired"
)

// Scopes the token endpoint grants.
var knownScopes = map[string]bool{
	"api:consent": true, "api:data": true, "api:stored_data": true,
	"api:advanced_insights": true, "api:connect_invitation": true, "api:cis": true,
}

// Consent is a simulated consent. Zero times are sent as null.
type Consent struct {
	ConsentID         string
	ApplicationID     string
	UserID            string
	ProviderID        int
	ProviderName      string
	ConfigurationName string
	CustomerReference string
	DurationType      string
	Status            string
	Start             time.Time
	End               time.Time
	StatusUpdated     time.Time
	StatusDetails     string
	Permissions       []string
	JourneyType       string // "" (initial), "Reauthentication", "Reconfirmation"
}

func jsonTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// MarshalJSON writes the consent as Atto's API does (camelCase).
func (c Consent) MarshalJSON() ([]byte, error) {
	var journey any
	if c.JourneyType != "" {
		journey = c.JourneyType
	}
	return json.Marshal(map[string]any{
		"consentId":                    c.ConsentID,
		"applicationId":                c.ApplicationID,
		"userId":                       c.UserID,
		"providerId":                   c.ProviderID,
		"providerName":                 c.ProviderName,
		"configurationName":            c.ConfigurationName,
		"customerReference":            c.CustomerReference,
		"consentDurationType":          c.DurationType,
		"consentStatus":                c.Status,
		"consentStart":                 jsonTime(c.Start),
		"consentEnd":                   jsonTime(c.End),
		"duration":                     "P90D",
		"daysOfHistoricalTransactions": 365,
		"statusUpdated":                jsonTime(c.StatusUpdated),
		"statusDetails":                c.StatusDetails,
		"permissions":                  c.Permissions,
		"invitationId":                 "",
		"journeyType":                  journey,
	})
}

// Option configures a Server.
type Option func(*Server)

// WithClientCredentials sets the only client credentials the token endpoint
// accepts.
func WithClientCredentials(id, secret string) Option {
	return func(s *Server) { s.clientID, s.clientSecret = id, secret }
}

// WithTokenLifetime sets the expires_in of issued tokens.
func WithTokenLifetime(d time.Duration) Option { return func(s *Server) { s.lifetime = d } }

// WithCamelCaseTokens answers the token endpoint in the casing of Atto's
// OpenAPI sample (accessToken, expiresIn, tokenType) instead of snake_case.
func WithCamelCaseTokens() Option { return func(s *Server) { s.camel = true } }

// WithCallbackURL sets where Connect sends the user back.
func WithCallbackURL(u string) Option { return func(s *Server) { s.callback = u } }

// WithClock sets the simulator's clock (token expiry, consent dates).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

type issued struct {
	scope   string
	expires time.Time
}

// Server is a simulated Atto. It is safe for concurrent use.
type Server struct {
	*sim.Server

	clientID, clientSecret string
	camel                  bool
	callback               string
	now                    func() time.Time
	// webhook authentication: a header (hookHeader) or Basic (hookUser)
	hookHeader, hookUser, hookSecret string

	mu            sync.Mutex
	lifetime      time.Duration
	tokens        map[string]issued
	fetches       int
	consents      map[string]*Consent
	notifications []Notification
}

// NewServer starts a simulated Atto on loopback. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clientID:     DefaultClientID,
		clientSecret: DefaultClientSecret,
		callback:     DefaultCallbackURL,
		hookHeader:   DefaultWebhookHeader,
		hookSecret:   DefaultWebhookSecret,
		now:          time.Now,
		lifetime:     DefaultTokenLifetime,
		tokens:       map[string]issued{},
		consents:     map[string]*Consent{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/oauth2/token", s.token)
	mux.HandleFunc("GET /consents/v1", s.listConsents)
	mux.HandleFunc("GET /consents/v1/{id}", s.getConsent)
	mux.HandleFunc("POST /consents/v1/{id}/revoke", s.revokeConsent)
	mux.HandleFunc("POST /stored-data/v1/consents/{id}/refresh", s.refresh)
	mux.HandleFunc("GET "+DataAccountsPath, s.dataAccounts)
	mux.HandleFunc("GET "+ConnectPath, s.connectPage)
	mux.HandleFunc("POST "+ConnectPath, s.submit)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "resource_not_found", "No such endpoint")
	})
	s.Server = sim.NewServer(mux)
	return s
}

// APIURL is the base URL of the simulated API (atto.WithBaseURL).
func (s *Server) APIURL() string { return s.URL }

// ConnectURL is the URL of the simulated Connect page (atto.WithConnectURL).
func (s *Server) ConnectURL() string { return s.URL + ConnectPath }

// ClientID is the client id the token endpoint accepts.
func (s *Server) ClientID() string { return s.clientID }

// ClientSecret is the client secret the token endpoint accepts.
func (s *Server) ClientSecret() string { return s.clientSecret }

// TokenFetches is how many tokens the token endpoint has issued.
func (s *Server) TokenFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// IssuedTokens returns every access token issued so far (for leak tests).
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for t := range s.tokens {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// SetTokenLifetime changes the lifetime of tokens issued from now on.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	s.lifetime = d
	s.mu.Unlock()
}

// RevokeTokens makes every token issued so far answer 401
// unauthorised_client, as after a credential rotation at Atto.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	s.tokens = map[string]issued{}
	s.mu.Unlock()
}

// AddConsent stores c, filling an empty ConsentID, Status (Active), dates
// and names, and returns its id.
func (s *Server) AddConsent(c Consent) string {
	now := s.now()
	if c.ConsentID == "" {
		c.ConsentID = newUUID()
	}
	if c.Status == "" {
		c.Status = StatusActive
	}
	if c.ApplicationID == "" {
		c.ApplicationID = newUUID()
	}
	if c.UserID == "" {
		c.UserID = newUUID()
	}
	if c.ProviderName == "" {
		c.ProviderName = "Simulated Bank"
		c.ProviderID = 1001
	}
	if c.DurationType == "" {
		c.DurationType = "Limited"
	}
	if c.Start.IsZero() {
		c.Start = now.Add(-30 * 24 * time.Hour)
	}
	if c.End.IsZero() {
		c.End = c.Start.Add(DefaultConsentLifetime)
		if c.Status == StatusExpired && c.End.After(now) {
			c.End = now.Add(-time.Hour)
		}
	}
	if c.StatusUpdated.IsZero() {
		c.StatusUpdated = c.Start
		if c.Status == StatusExpired {
			c.StatusUpdated = c.End
		}
	}
	if c.Permissions == nil {
		c.Permissions = []string{"ReadAccountsBasic", "ReadTransactionsDetail"}
	}
	s.mu.Lock()
	s.consents[c.ConsentID] = &c
	s.mu.Unlock()
	return c.ConsentID
}

// NewConsent adds a consent with status (StatusExpired makes one that needs
// re-auth) and returns its id.
func (s *Server) NewConsent(status string) string { return s.AddConsent(Consent{Status: status}) }

// SetConsentStatus changes a consent's status (now as statusUpdated); it
// reports whether the consent exists.
func (s *Server) SetConsentStatus(id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if ok {
		c.Status, c.StatusUpdated = status, s.now()
	}
	return ok
}

// ExpireConsent puts a consent into the "needs re-auth" state: Expired,
// consentEnd now.
func (s *Server) ExpireConsent(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if ok {
		now := s.now()
		c.Status, c.End, c.StatusUpdated = StatusExpired, now, now
	}
	return ok
}

// SetConsentEnd moves a consent's consentEnd (to make it expire soon).
func (s *Server) SetConsentEnd(id string, end time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if ok {
		c.End = end
	}
	return ok
}

// Consent returns a copy of a stored consent.
func (s *Server) Consent(id string) (Consent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if !ok {
		return Consent{}, false
	}
	cp := *c
	cp.Permissions = append([]string(nil), c.Permissions...)
	return cp, true
}

// Notifications returns the webhooks the simulated Atto has queued, oldest
// first: one per finished Connect journey.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notifications...)
}

// writeError answers Atto's standard (PascalCase) error shape.
func writeError(w http.ResponseWriter, status int, code, desc string) {
	sim.WriteJSON(w, status, map[string]string{
		"Code": code, "Description": desc, "Details": "", "CorrelationId": newUUID(),
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeError(w, http.StatusBadRequest, "parameters_invalid", "Expected a form body")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "parameters_invalid", "Unreadable form")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "parameters_invalid", "grant_type must be client_credentials")
		return
	}
	if r.PostForm.Get("client_id") != s.clientID || r.PostForm.Get("client_secret") != s.clientSecret {
		writeError(w, http.StatusUnauthorized, "unauthorised_client", "Client authentication failed")
		return
	}
	scope := r.PostForm.Get("scope")
	if !knownScopes[scope] {
		writeError(w, http.StatusBadRequest, "parameters_invalid", "Unknown scope")
		return
	}
	tok := sim.NewSecret("atto_at_")
	s.mu.Lock()
	life := s.lifetime
	s.tokens[tok] = issued{scope: scope, expires: s.now().Add(life)}
	s.fetches++
	s.mu.Unlock()
	secs := int(life / time.Second)
	if s.camel {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"accessToken": tok, "expiresIn": secs, "tokenType": "Bearer"})
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": secs, "token_type": "Bearer"})
}

// tokenOK checks a token for scope; the caller holds no lock.
func (s *Server) tokenOK(tok, scope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	return ok && t.scope == scope && s.now().Before(t.expires)
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request, scope string) bool {
	if !s.tokenOK(sim.BearerToken(r), scope) {
		writeError(w, http.StatusUnauthorized, "unauthorised_client", "Access token missing, expired or without the scope")
		return false
	}
	return true
}

func (s *Server) getConsent(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, "api:consent") {
		return
	}
	c, ok := s.Consent(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "consent_not_found", "Consent not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, c)
}

// listConsents answers a bare JSON array (the envelope of Atto's list
// answer is undocumented), filtered by consentStatus, customerReference,
// configurationName and userId, paged by offset and limit.
func (s *Server) listConsents(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, "api:consent") {
		return
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	s.mu.Lock()
	all := make([]Consent, 0, len(s.consents))
	for _, c := range s.consents {
		if v := q.Get("consentStatus"); v != "" && v != c.Status {
			continue
		}
		if v := q.Get("customerReference"); v != "" && v != c.CustomerReference {
			continue
		}
		if v := q.Get("configurationName"); v != "" && v != c.ConfigurationName {
			continue
		}
		if v := q.Get("userId"); v != "" && v != c.UserID {
			continue
		}
		all = append(all, *c)
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].ConsentID < all[j].ConsentID })
	if offset > len(all) || offset < 0 {
		offset = len(all)
	}
	all = all[offset:]
	if limit > 0 && limit < len(all) {
		all = all[:limit]
	}
	sim.WriteJSON(w, http.StatusOK, all)
}

func (s *Server) revokeConsent(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, "api:consent") {
		return
	}
	if !s.SetConsentStatus(r.PathValue("id"), StatusRevoked) {
		writeError(w, http.StatusNotFound, "consent_not_found", "Consent not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refresh answers like Atto's stored-data refresh: 200 for an Active
// consent, 403 consent_expired for an Expired one, 403 {statusCode,
// message} for a Revoked one, 403 consent_denied otherwise.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, "api:stored_data") {
		return
	}
	c, ok := s.Consent(r.PathValue("id"))
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "consent_not_found", "Consent not found")
	case c.Status == StatusActive:
		sim.WriteJSON(w, http.StatusOK, map[string]any{"statusCode": 200, "message": "Successfully completed data refresh"})
	case c.Status == StatusExpired:
		writeError(w, http.StatusForbidden, "consent_expired", "Consent has expired")
	case c.Status == StatusRevoked:
		sim.WriteJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "The consent or account access has been revoked"})
	default:
		writeError(w, http.StatusForbidden, "consent_denied", "Access denied for this consent")
	}
}

// newUUID returns a random version-4 UUID, as Atto's ids are.
func newUUID() string {
	h := sim.NewID("")[:16]
	h2 := sim.NewID("")[:16]
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h2[1:4] + "-" + h2[4:16]
}
