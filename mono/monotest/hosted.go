package monotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

type link struct {
	account, redirect, ref string
}

// initiate: POST /v2/accounts/initiate {"account","scope","redirect_url","meta":{"ref"}}.
func (s *Server) initiate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Account     string `json:"account"`
		Scope       string `json:"scope"`
		RedirectURL string `json:"redirect_url"`
		Meta        struct {
			Ref string `json:"ref"`
		} `json:"meta"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.Account == "" || in.Scope != "reauth" {
		fail(w, http.StatusBadRequest, "", "account and scope \"reauth\" are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[in.Account]; a == nil || a.unlinked {
		fail(w, http.StatusNotFound, "", "Account not found")
		return
	}
	id := sim.NewID("lnk_")
	s.links[id] = link{account: in.Account, redirect: in.RedirectURL, ref: in.Meta.Ref}
	s.v2ok(w, obj{"id": id, "mono_url": s.URL + "/hosted/reauth/" + id, "scope": "reauth",
		"redirect_url": in.RedirectURL, "meta": obj{"ref": in.Meta.Ref},
		"created_at": s.now().UTC().Format(time.RFC3339Nano)})
}

// hosted is the page the user sees at mono_url: GET shows an HTML form with
// Approve and Deny buttons (decision=approve|deny); POST of the form (or a
// GET with the decision in the query) redirects 303 to redirect_url with
// status=reauthorised&code=… (or status=cancelled&reason=user_cancelled),
// keeping redirect_url's own query. Simulator choice: Mono documents no
// redirect parameters.
func (s *Server) hosted(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	_ = r.ParseForm()
	decision := r.Form.Get(sim.DecisionField)
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[id]
	if !ok {
		http.Error(w, "link not found", http.StatusNotFound)
		return
	}
	page := sim.DecisionPage{
		Title: "SimBank via Mono: reconnect your account", Heading: "Reconnect your SimBank account",
		Text:   "An app asks to keep reading account " + l.account + " through Mono.",
		Action: "/hosted/reauth/" + id,
	}
	if decision != sim.DecisionApprove && decision != sim.DecisionDeny {
		sim.WriteDecisionPage(w, page)
		return
	}
	q := url.Values{}
	if decision == sim.DecisionDeny {
		q.Set("status", "cancelled")
		q.Set("reason", "user_cancelled")
	} else {
		s.complete(l.account)
		q.Set("status", "reauthorised")
		q.Set("reason", "account_reauthorised")
		q.Set("code", sim.NewSecret("code_"))
	}
	if l.ref != "" {
		q.Set("ref", l.ref)
	}
	if l.redirect == "" {
		page.Done = "Done. You can close this page."
		sim.WriteDecisionPage(w, page)
		return
	}
	u, err := url.Parse(l.redirect)
	if err != nil {
		http.Error(w, "bad redirect", http.StatusBadRequest)
		return
	}
	uq := u.Query()
	for k, vs := range q {
		uq[k] = vs
	}
	u.RawQuery = uq.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// Approve plays the user approving on the hosted page at rawURL (a link
// flow's URL): it opens the page, submits its form with the Approve
// button, follows the redirect like a browser and returns the callback's
// query, ready for reauth.Reply.Callback.
func (s *Server) Approve(ctx context.Context, rawURL string) (url.Values, error) {
	return decide(ctx, rawURL, sim.DecisionApprove)
}

// Deny plays the user pressing Deny on the hosted page at rawURL.
func (s *Server) Deny(ctx context.Context, rawURL string) (url.Values, error) {
	return decide(ctx, rawURL, sim.DecisionDeny)
}

func decide(ctx context.Context, rawURL, decision string) (url.Values, error) {
	if rawURL == "" {
		return nil, errors.New("monotest: no hosted page URL")
	}
	cb, err := sim.Decide(ctx, rawURL, decision, nil)
	if err != nil {
		return nil, fmt.Errorf("monotest: %s: %w", decision, err)
	}
	return cb, nil
}

// ApproveInputs plays the user answering a headless input step correctly:
// every field of flow gets [Server.Answer]. Mono offers no way to refuse an
// input step. It sends nothing (ctx is for symmetry with Approve): pass the
// reply to Continue.
func (s *Server) ApproveInputs(_ context.Context, flow *reauth.Flow) (reauth.Reply, error) {
	if flow == nil || flow.Step != reauth.StepInput {
		return reauth.Reply{}, errors.New("monotest: ApproveInputs needs an input step")
	}
	in := make(map[string]string, len(flow.Fields))
	for _, f := range flow.Fields {
		in[f.Name] = s.Answer(f.Name)
	}
	return reauth.Reply{Inputs: in}, nil
}

// Answer returns the correct answer for a form field the simulator asks:
// the OTP, the security answer, the credentials, or the first account
// ("0" in v1, AccountNumberSavings in v2).
func (s *Server) Answer(field string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch field {
	case FieldOTP:
		return s.otp
	case FieldAnswer:
		return s.answer
	case FieldAccount:
		return "0"
	case FieldAccountNumber:
		return AccountNumberSavings
	case FieldUsername:
		return DefaultUsername
	case FieldPassword:
		return DefaultPassword
	}
	return ""
}
