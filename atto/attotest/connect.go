package attotest

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// The simulated user's choice on the Connect page: the form field
// decision=approve|deny, as in every reauthkit simulator.
const (
	DecisionField   = sim.DecisionField
	DecisionApprove = sim.DecisionApprove
	DecisionDeny    = sim.DecisionDeny
)

// fragmentScript is the Connect page's one line of script. Atto Connect
// reads the access token from the link's fragment, which a browser never
// sends to the server; the script does the same and puts it in the form.
const fragmentScript = template.JS(`document.querySelector('input[name="access_token"]').value = new URLSearchParams(location.hash.slice(1)).get("access_token") || "";`)

// connectPage serves the Connect page for ?consent_id=.
func (s *Server) connectPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("consent_id")
	if id == "" {
		http.Error(w, "consent_id is missing.", http.StatusBadRequest)
		return
	}
	sim.WriteDecisionPage(w, sim.DecisionPage{
		Title: "Atto Connect (simulated)", Heading: "Atto Connect",
		Text:   "Reconnect your bank account (consent " + id + ").",
		Action: ConnectPath, Hidden: map[string]string{"consent_id": id, "access_token": ""},
		ApproveLabel: "Continue to your bank", DenyLabel: "Cancel", Script: fragmentScript,
	})
}

// submit handles the Connect form: approve renews the consent, deny ends
// the journey with an error; either way the user is sent (303) to the
// application's callback with Atto's parameters, and a webhook is queued.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Unreadable form.", http.StatusBadRequest)
		return
	}
	if !s.tokenOK(r.PostForm.Get("access_token"), "api:consent") {
		http.Error(w, "This link has expired.", http.StatusUnauthorized)
		return
	}
	id := r.PostForm.Get("consent_id")
	cb, ok := s.finishJourney(id, r.PostForm.Get(DecisionField) == DecisionApprove, r.PostForm.Get("error"))
	if !ok {
		http.Error(w, "Unknown consent.", http.StatusNotFound)
		return
	}
	target := s.callback
	if strings.Contains(target, "?") {
		target += "&" + cb.Encode()
	} else {
		target += "?" + cb.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// finishJourney applies the user's decision to consent id and returns the
// callback query. A renewal moves consentEnd; an Active consent stays
// Active with its statusUpdated unchanged (Atto documents neither moving),
// any other one becomes Active now.
func (s *Server) finishJourney(id string, approve bool, code string) (url.Values, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if !ok {
		return nil, false
	}
	cb := url.Values{"customer_ref": {c.CustomerReference}}
	if approve {
		if c.Status != StatusActive {
			c.Status, c.StatusUpdated, c.Start = StatusActive, now, now
		}
		c.JourneyType, c.End = "Reauthentication", now.Add(DefaultConsentLifetime)
		cb.Set("state", "success")
		cb.Set("consent_id", id)
	} else {
		if code == "" {
			code = "access_denied"
		}
		cb.Set("state", "error")
		cb.Set("error", code)
		cb.Set("error_description", cmp.Or(errorDescriptions[strings.ToLower(code)], "The journey did not complete"))
	}
	s.notifications = append(s.notifications, Notification{
		ID: newUUID(), EventType: "Consent", ConsentJourney: "Reauthentication",
		ConsentID: id, ConsentStatus: c.Status, CustomerReference: c.CustomerReference, OccurredAt: now,
	})
	return cb, true
}

// errorDescriptions are the simulator's error_description texts (Atto's
// own wording is not published).
var errorDescriptions = map[string]string{
	"access_denied":                "The customer or the bank has denied access",
	"customer_cancelled":           "The customer cancelled the journey",
	"provider_permanent_error":     "The bank is not available for this journey",
	"provider_unsupported_feature": "The bank does not support this journey",
	"unexpected_error":             "Something went wrong",
}

// Approve plays the end user opening link (a re-auth link or a flow's URL)
// in a browser and pressing "Continue to your bank" on the Connect page,
// then approving at the bank. Like a browser, it loads the page, fills the
// form (the access token from the fragment, as the page's script does) and
// submits it. It returns the query of the callback URL Connect redirects to
// (state=success&consent_id=...&customer_ref=...), ready for
// reauth.Reply{Callback: ...}; the callback itself is never requested.
func (s *Server) Approve(ctx context.Context, link string) (url.Values, error) {
	return s.decide(ctx, link, DecisionApprove, "")
}

// Deny plays the end user pressing "Cancel": the callback carries
// state=error&error=access_denied (Atto: "the customer or the bank has
// denied").
func (s *Server) Deny(ctx context.Context, link string) (url.Values, error) {
	return s.decide(ctx, link, DecisionDeny, "")
}

// Fail plays a journey ending with Atto error code (for example
// customer_cancelled or provider_permanent_error): the callback carries
// state=error&error=code.
func (s *Server) Fail(ctx context.Context, link, code string) (url.Values, error) {
	return s.decide(ctx, link, DecisionDeny, code)
}

// decide plays the user at the Connect page link points at: the page's
// form, with the access token from the link's fragment (what the page's
// script does) and, when code is set, the journey's error code.
func (s *Server) decide(ctx context.Context, link, decision, code string) (url.Values, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("attotest: link is not a URL")
	}
	connect, _ := url.Parse(s.ConnectURL())
	if u.Host != connect.Host || strings.TrimSuffix(u.Path, "/") != connect.Path {
		return nil, fmt.Errorf("attotest: link does not point at the simulated Connect page")
	}
	frag, err := url.ParseQuery(u.EscapedFragment())
	if err != nil {
		return nil, fmt.Errorf("attotest: link fragment unreadable")
	}
	extra := url.Values{"access_token": {frag.Get("access_token")}}
	if code != "" {
		extra.Set("error", code)
	}
	cb, err := sim.Decide(ctx, link, decision, extra)
	if err != nil {
		return nil, fmt.Errorf("attotest: %w", err)
	}
	return cb, nil
}
