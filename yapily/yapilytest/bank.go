package yapilytest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// grantTTL is how long an authorisation code or one-time token can be
// exchanged; both are short-lived at Yapily (the exact lifetime is not
// published).
const grantTTL = 10 * time.Minute

// bankPage shows the simulated bank's authorisation page. A decision in the
// query (decision=approve|deny) is applied at once, for scripted clients.
func (s *Server) bankPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get(sim.DecisionField) != "" {
		s.decide(w, r, q.Get("session"), q.Get(sim.DecisionField))
		return
	}
	s.mu.Lock()
	c := s.consents[s.sessions[q.Get("session")]]
	var inst, user string
	if c != nil {
		inst, user = c.InstitutionID, c.ApplicationUserID
	}
	s.mu.Unlock()
	if c == nil {
		http.Error(w, "unknown authorisation session", http.StatusBadRequest)
		return
	}
	sim.WriteDecisionPage(w, sim.DecisionPage{
		Title: "Modelo Sandbox – authorise access", Heading: inst,
		Text:   "Yapily asks to keep reading your accounts for " + user + ". Do you want to re-authorise access?",
		Action: r.URL.Path, Hidden: map[string]string{"session": q.Get("session")},
	})
}

// bankDecide is the page's form submission.
func (s *Server) bankDecide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	s.decide(w, r, r.Form.Get("session"), r.Form.Get(sim.DecisionField))
}

// decide applies the user's decision and sends the browser (303) to where
// Yapily's auth service or the bank would: the consent's callback, or an
// own-licence customer's redirect with code and state.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, session, decision string) {
	s.mu.Lock()
	c := s.consents[s.sessions[session]]
	if c == nil {
		s.mu.Unlock()
		http.Error(w, "unknown authorisation session", http.StatusBadRequest)
		return
	}
	if c.Status == StatusRevoked {
		s.mu.Unlock()
		http.Error(w, "the consent has been revoked", http.StatusBadRequest)
		return
	}
	back := url.Values{}
	if c.Redirect == "" {
		back = url.Values{
			"application-user-id": {c.ApplicationUserID},
			"user-uuid":           {c.UserUUID},
			"institution":         {c.InstitutionID},
		}
	}
	now := s.now().UTC()
	switch decision {
	case sim.DecisionApprove:
		switch {
		case c.Redirect != "":
			// Own licence: the bank hands the code to the customer; the
			// consent is authorised only when the code is exchanged.
			code := newUUID()
			s.codes[code] = grant{consentID: c.ID, state: c.State, expires: now.Add(grantTTL)}
			back.Set("code", code)
			back.Set("state", c.State)
		case c.OneTimeToken:
			s.authorise(c)
			ott := sim.NewSecret("yapily-ott-")
			s.oneTimers[ott] = grant{consentID: c.ID, expires: now.Add(grantTTL)}
			back.Set(CallbackOneTimeToken, ott)
		default:
			s.authorise(c)
			back.Set("consent", c.Token)
		}
	case sim.DecisionDeny:
		c.Status = StatusRejected
		back.Set("error", "access_denied")
		back.Set("error-description", "The user refused the authorisation at the bank")
		if c.Redirect != "" {
			back.Set("state", c.State)
		}
	default:
		s.mu.Unlock()
		http.Error(w, "the simulated user must approve or deny", http.StatusBadRequest)
		return
	}
	target := c.Callback
	if c.Redirect != "" {
		target = c.Redirect
	}
	s.mu.Unlock()
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad callback", http.StatusInternalServerError)
		return
	}
	u.RawQuery = back.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// authorise applies a completed re-authorisation the way Yapily documents
// it: status AUTHORIZED, lastConfirmedAt, expiresAt and reconfirmBy move;
// authorizedAt keeps its value. Callers hold s.mu.
func (s *Server) authorise(c *Consent) {
	now := s.now().UTC()
	if !now.After(c.LastConfirmedAt) {
		now = c.LastConfirmedAt.Add(time.Millisecond)
	}
	c.Status = StatusAuthorized
	c.LastConfirmedAt = now
	c.ExpiresAt = now.Add(90 * 24 * time.Hour)
	c.ReconfirmBy = now.Add(90 * 24 * time.Hour)
	c.InstitutionRefuses = false
}

// Approve plays the user approving the authorisation at authURL (a flow's
// URL): it opens the bank's page, submits its form with the Approve button
// and returns the query of the callback the browser lands on (never
// requested), ready for reauth.Reply.Callback. Approving again is allowed
// (test suites replay the user); approving a consent revoked since Begin
// fails (the bank answers 400).
func (s *Server) Approve(ctx context.Context, authURL string) (url.Values, error) {
	return s.submit(ctx, authURL, sim.DecisionApprove)
}

// Deny plays the user refusing at the bank; the consent becomes REJECTED and
// the callback carries error=access_denied.
func (s *Server) Deny(ctx context.Context, authURL string) (url.Values, error) {
	return s.submit(ctx, authURL, sim.DecisionDeny)
}

// submit loads the page at authURL like a browser and posts its form with
// the button decision.
func (s *Server) submit(ctx context.Context, authURL, decision string) (url.Values, error) {
	cb, err := sim.Decide(ctx, authURL, decision, nil)
	if err != nil {
		return nil, fmt.Errorf("yapilytest: %w", err)
	}
	return cb, nil
}
