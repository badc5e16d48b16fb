package finchtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Decisions the simulated employer can take in Connect: the decision field
// of the Connect page's form (or query parameter).
const (
	DecisionApprove = sim.DecisionApprove
	DecisionDeny    = sim.DecisionDeny
	// DecisionNewConnection is the employer signing in with other
	// credentials: Finch creates another connection. The page has no
	// button for it; [Server.ApproveNewConnection] submits it.
	DecisionNewConnection = "new_connection"
)

// sessionLocked finds a live session, answering the browser itself (404
// unknown, 410 expired) when there is none. s.mu must be held.
func (s *Server) sessionLocked(w http.ResponseWriter, id string) *session {
	sess, ok := s.sessions[id]
	switch {
	case !ok:
		http.Error(w, "unknown session", http.StatusNotFound)
		return nil
	case !s.now().Before(sess.expiresAt):
		http.Error(w, "session expired", http.StatusGone)
		return nil
	}
	return sess
}

// connectPage is GET /authorize: the Connect page of a session. A decision
// in the query is taken at once, as if the form had been submitted.
func (s *Server) connectPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get(sim.DecisionField) != "" {
		s.decide(w, r, q)
		return
	}
	s.mu.Lock()
	sess := s.sessionLocked(w, q.Get("session"))
	provider := ""
	if sess != nil {
		provider = sess.providerID
		if c, ok := s.conns[sess.connID]; ok {
			provider = c.ProviderID
		}
	}
	s.mu.Unlock()
	if sess == nil {
		return
	}
	verb := "connect to"
	if sess.connID != "" {
		verb = "reconnect to"
	}
	sim.WriteDecisionPage(w, sim.DecisionPage{
		Title: "Finch Connect (simulated)", Heading: "Connect your payroll provider",
		Text:   "Your application wants to " + verb + " your " + provider + " account.",
		Action: r.URL.EscapedPath(), Hidden: map[string]string{"session": sess.id, "state": q.Get("state")},
	})
}

// connectSubmit is POST /authorize: the page's form.
func (s *Server) connectSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	s.decide(w, r, r.Form)
}

// decide completes (or cancels) a session and redirects (303) the employer
// back to the application with a code (or an error), echoing state. A
// session can be completed again until it expires (Finch does not document
// single use); each completion issues a new one-time code.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, form url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessionLocked(w, form.Get("session"))
	if sess == nil {
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
	if st := form.Get("state"); st != "" {
		out.Set("state", st)
	}
	switch form.Get(sim.DecisionField) {
	case DecisionApprove:
		connID := sess.connID
		if connID == "" { // a new connection's session
			connID = s.addConnectionLocked(sess.providerID).ID
		}
		s.conns[connID].Status = StatusConnected
		out.Set("code", s.newCodeLocked(connID, sess.redirectURI))
	case DecisionDeny:
		out.Set("error", "access_denied")
		out.Set("error_description", "The employer closed Finch Connect")
	case DecisionNewConnection:
		provider := sess.providerID
		if c, ok := s.conns[sess.connID]; ok {
			provider = c.ProviderID
		}
		out.Set("code", s.newCodeLocked(s.addConnectionLocked(provider).ID, sess.redirectURI))
	default:
		http.Error(w, "decision must be approve or deny", http.StatusBadRequest)
		return
	}
	back.RawQuery = out.Encode()
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
}

// ----- the simulated employer -----

// Approve plays the employer completing Finch Connect at connectURL (a
// session's connect_url, with any parameters the client added): it opens
// the page, submits its form with the Approve button, and returns the
// query of the redirect back to the application: code and state.
func (s *Server) Approve(ctx context.Context, connectURL string) (url.Values, error) {
	return s.submit(ctx, connectURL, DecisionApprove)
}

// Deny plays the employer pressing Deny on the Connect page: the callback
// carries error=access_denied (Finch does not document its cancel
// parameters; the OAuth ones are assumed) and state.
func (s *Server) Deny(ctx context.Context, connectURL string) (url.Values, error) {
	return s.submit(ctx, connectURL, DecisionDeny)
}

// ApproveNewConnection plays the employer signing in with other
// credentials: Finch creates a new connection and the code belongs to it,
// not to the session's connection.
func (s *Server) ApproveNewConnection(ctx context.Context, connectURL string) (url.Values, error) {
	return s.submit(ctx, connectURL, DecisionNewConnection)
}

// submit opens the Connect page, fills its form with decision and posts
// it, following the redirect out to the application.
func (s *Server) submit(ctx context.Context, connectURL, decision string) (url.Values, error) {
	cb, err := sim.Decide(ctx, connectURL, decision, nil)
	if err != nil {
		return nil, fmt.Errorf("finchtest: %w", err)
	}
	return cb, nil
}
