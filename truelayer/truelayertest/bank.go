package truelayertest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// handleBank is the simulated bank. GET shows the page; a POST of its form
// (or a GET with decision in the query) decides: approve redirects (303) to
// the application with a code (or exchange_code) and the state, anything
// else with error=access_denied.
func (s *Server) handleBank(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("session")
	s.mu.Lock()
	sess := s.sessions[id]
	if sess == nil || s.now().Sub(sess.createdAt) > SessionTTL {
		s.mu.Unlock()
		http.Error(w, "unknown or expired session", http.StatusNotFound)
		return
	}
	var bank string
	if c := s.conns[sess.credentialsID]; c != nil {
		bank = c.providerName
	}
	s.mu.Unlock()
	decision := r.FormValue(sim.DecisionField)
	if decision == "" {
		sim.WriteDecisionPage(w, sim.DecisionPage{Title: "Simulated Bank", Heading: "Simulated Bank",
			Text:   s.clientID + " asks to keep reading your accounts at " + bank + " for another 90 days.",
			Action: "/sim/bank?session=" + url.QueryEscape(id)})
		return
	}
	target, err := s.decide(sess, decision == sim.DecisionApprove)
	if err != nil {
		http.Error(w, "bad redirect uri", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// decide records the user's choice and returns the redirect back to the
// application.
func (s *Server) decide(sess *session, approve bool) (string, error) {
	cb, err := url.Parse(sess.redirectURI)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := cb.Query()
	if approve {
		id := sess.credentialsID
		if c := s.conns[id]; c != nil && c.otherAccount {
			c.otherAccount = false
			id = s.connect(c.redirectURI).id
		}
		code := sim.NewSecret("sim-code-")
		s.codes[code] = &grant{credentialsID: id, redirectURI: sess.redirectURI, issuedAt: s.now()}
		v.Set(sess.codeParam, code)
	} else {
		v.Set("error", "access_denied")
		v.Set("error_description", "the user cancelled at the bank")
	}
	if sess.state != "" {
		v.Set("state", sess.state)
	}
	cb.RawQuery = v.Encode()
	return cb.String(), nil
}

// Approve plays the user approving at the bank: it opens bankURL (from
// Begin's flow), submits the page's form with its Approve button and
// returns the query of the redirect back to the application (code or
// exchange_code, and state when TrueLayer sends one).
func (s *Server) Approve(ctx context.Context, bankURL string) (url.Values, error) {
	return s.submit(ctx, bankURL, sim.DecisionApprove)
}

// Deny plays the user cancelling at the bank: the returned query carries
// error=access_denied (and the state).
func (s *Server) Deny(ctx context.Context, bankURL string) (url.Values, error) {
	return s.submit(ctx, bankURL, sim.DecisionDeny)
}

// submit plays the user at the bank page the way a browser does: it opens
// the page and posts its form.
func (s *Server) submit(ctx context.Context, bankURL, decision string) (url.Values, error) {
	cb, err := sim.Decide(ctx, bankURL, decision, nil)
	if err != nil {
		return nil, fmt.Errorf("truelayertest: %w", err)
	}
	return cb, nil
}
