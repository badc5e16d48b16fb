package finchtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

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

// connFor resolves the Bearer token, answering 401 when it is missing or
// unknown (a disconnected token is unknown).
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

// dataConn is connFor for data endpoints: it also answers the connection's
// status the way Finch's error guide lists it, and returns nil when it did.
func (s *Server) dataConn(w http.ResponseWriter, r *http.Request) *Connection {
	c := s.connFor(w, r)
	if c == nil {
		return nil
	}
	switch c.Status {
	case StatusConnected:
		return c
	case StatusReauth, "error_reauth":
		writeError(w, http.StatusUnauthorized, "authentication_error", "reauthenticate_user",
			"The user will need to reconnect their employment system")
	case StatusErrorNoAccountSetup:
		writeError(w, http.StatusUnauthorized, "authentication_error", "account_setup_required",
			"The user will need to connect their employment system")
	case StatusErrorPermissions:
		writeError(w, http.StatusForbidden, "error_permissions", "insufficient_account_permissions",
			"The user will need to update the permissions assigned to the third-party admin account")
	case StatusPending, "processing":
		writeError(w, http.StatusAccepted, "accepted", "data_sync_in_progress", "data sync in progress")
	default:
		writeError(w, http.StatusUnauthorized, "invalid_token_error", "", "connection "+c.Status)
	}
	return nil
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
	c := s.dataConn(w, r)
	if c == nil {
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

// directory is GET /employer/directory: the employer's individuals, paged
// ({paging: {count, offset}, individuals: [...]}).
func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.dataConn(w, r)
	if c == nil {
		return
	}
	people := []any{
		map[string]any{"id": c.CompanyID[:24] + "000000000001", "first_name": "Ada", "middle_name": nil, "last_name": "Lovelace",
			"manager": nil, "department": map[string]any{"name": "Engineering"}, "is_active": true},
		map[string]any{"id": c.CompanyID[:24] + "000000000002", "first_name": "Grace", "middle_name": nil, "last_name": "Hopper",
			"manager": nil, "department": map[string]any{"name": "Engineering"}, "is_active": true},
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"paging":      map[string]any{"count": len(people), "offset": 0},
		"individuals": people,
	})
}

// disconnect is POST /disconnect: the token stops working; the connection
// itself stays (Finch: "disconnect one or more access_tokens").
func (s *Server) disconnect(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connFor(w, r) == nil {
		return
	}
	delete(s.tokens, sim.BearerToken(r))
	sim.WriteJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// basicOK checks the application's Basic credentials in constant time,
// answering 401 invalid_client_error when they are wrong.
func (s *Server) basicOK(w http.ResponseWriter, r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok && s.credsOK(id, secret) {
		return true
	}
	writeError(w, http.StatusUnauthorized, "invalid_client_error", "", "invalid client credentials")
	return false
}

func (s *Server) credsOK(id, secret string) bool {
	idOK := httpx.MatchesAny(id, s.clientID)
	secretOK := httpx.MatchesAny(secret, s.clientSecret) // both compared, whatever idOK
	return idOK && secretOK
}

// sessionFields are the fields both session endpoints share.
type sessionFields struct {
	MinutesToExpire *int64   `json:"minutes_to_expire"`
	Products        []string `json:"products"`
	RedirectURI     string   `json:"redirect_uri"`
}

// openSession validates the shared fields and stores a session whose
// lifetime is minutes_to_expire or def; it answers the error itself and
// returns nil when the request is bad. s.mu must be held.
func (s *Server) openSession(w http.ResponseWriter, f sessionFields, def int64, sess *session) *session {
	minutes := def
	if f.MinutesToExpire != nil {
		minutes = *f.MinutesToExpire
	}
	if minutes < 1 || minutes > MaxSessionMinutes {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "minutes_to_expire out of range")
		return nil
	}
	if f.RedirectURI != "" {
		if u, err := url.Parse(f.RedirectURI); err != nil || u.Host == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "redirect_uri is not a URL")
			return nil
		}
	}
	sess.id = newUUID()
	sess.redirectURI = f.RedirectURI
	sess.expiresAt = s.now().Add(time.Duration(minutes) * time.Minute)
	s.sessions[sess.id] = sess
	sim.WriteJSON(w, http.StatusCreated, map[string]any{
		"session_id":  sess.id,
		"connect_url": s.URL + "/authorize?session=" + url.QueryEscape(sess.id),
	})
	return sess
}

// decodeBody decodes a JSON request body, answering 400 when it is not.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "body must be JSON")
		return false
	}
	return true
}

func (s *Server) reauthSession(w http.ResponseWriter, r *http.Request) {
	if !s.basicOK(w, r) {
		return
	}
	var req struct {
		ConnectionID string `json:"connection_id"`
		sessionFields
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.ConnectionID == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "connection_id is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[req.ConnectionID]; !ok {
		writeError(w, http.StatusNotFound, "not_found_error", "item_not_found", "connection not found")
		return
	}
	s.openSession(w, req.sessionFields, DefaultSessionMinutes, &session{connID: req.ConnectionID})
}

// newSession is POST /connect/sessions: a session that creates a new
// connection when the employer completes it (default lifetime 90 days).
func (s *Server) newSession(w http.ResponseWriter, r *http.Request) {
	if !s.basicOK(w, r) {
		return
	}
	var req struct {
		CustomerID   string `json:"customer_id"`
		CustomerName string `json:"customer_name"`
		Integration  *struct {
			Provider string `json:"provider"`
		} `json:"integration"`
		sessionFields
	}
	if !decodeBody(w, r, &req) {
		return
	}
	switch {
	case req.CustomerID == "" || len(req.CustomerID) > 255:
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "customer_id must be 1 to 255 characters")
		return
	case req.CustomerName == "" || len(req.CustomerName) > 255:
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "customer_name must be 1 to 255 characters")
		return
	case len(req.Products) == 0:
		writeError(w, http.StatusBadRequest, "bad_request", "invalid_request", "products is required")
		return
	}
	provider := "gusto"
	if req.Integration != nil && req.Integration.Provider != "" {
		provider = req.Integration.Provider
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.openSession(w, req.sessionFields, MaxSessionMinutes, &session{providerID: provider})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Code         string `json:"code"`
		RedirectURI  string `json:"redirect_uri"`
	}
	if !decodeBody(w, r, &req) {
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

func (s *Server) newCodeLocked(connID, redirectURI string) string {
	code := sim.NewSecret("code-")
	s.codes[code] = &codeEntry{connID: connID, redirectURI: redirectURI, expiresAt: s.now().Add(CodeTTL)}
	return code
}

func newUUID() string {
	id := sim.NewID("")
	// 16 hex characters: shape them like a UUID's tail on a fixed prefix.
	return "00000000-0000-4000-8" + id[:3] + "-" + id[3:15]
}
