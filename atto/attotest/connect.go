package attotest

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// The simulated user's choice on the Connect page: the form field
// decision=approve|deny, as in every reauthkit simulator.
const (
	DecisionField   = "decision"
	DecisionApprove = "approve"
	DecisionDeny    = "deny"
)

// connectTmpl is the Connect page: a real form a browser can submit. Atto
// Connect reads the access token from the link's fragment, which a browser
// never sends to the server; the page's one line of script does the same
// and puts it in the form.
var connectTmpl = template.Must(template.New("connect").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Atto Connect (simulated)</title></head>
<body>
<h1>Atto Connect</h1>
<p>Reconnect your bank account (consent {{.ConsentID}}).</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="consent_id" value="{{.ConsentID}}">
<input type="hidden" name="access_token" id="access_token" value="">
<button type="submit" id="approve" name="decision" value="approve">Continue to your bank</button>
<button type="submit" id="deny" name="decision" value="deny">Cancel</button>
</form>
<script>document.getElementById("access_token").value = new URLSearchParams(location.hash.slice(1)).get("access_token") || "";</script>
</body>
</html>
`))

// connectPage serves the Connect page for ?consent_id=.
func (s *Server) connectPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("consent_id")
	if id == "" {
		http.Error(w, "consent_id is missing.", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = connectTmpl.Execute(w, struct{ ConsentID, Action string }{id, ConnectPath})
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

// hiddenInput matches the hidden inputs the Connect template writes.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)"(?: id="[a-z_]+")? value="([^"]*)">`)

var formAction = regexp.MustCompile(`<form method="post" action="([^"]*)">`)

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
	page, err := s.fetchPage(ctx, link)
	if err != nil {
		return nil, err
	}
	action := formAction.FindStringSubmatch(page)
	if action == nil || !strings.Contains(page, `id="`+decision+`"`) {
		return nil, fmt.Errorf("attotest: the Connect page has no %s button", decision)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	form.Set("access_token", frag.Get("access_token")) // what the page's script does
	form.Set(DecisionField, decision)
	if code != "" {
		form.Set("error", code)
	}
	target, err := u.Parse(action[1])
	if err != nil {
		return nil, fmt.Errorf("attotest: form action unreadable")
	}
	cb, err := sim.Browse(ctx, http.MethodPost, target.String(), form)
	if err != nil {
		return nil, err
	}
	return cb.Query(), nil
}

// fetchPage GETs the Connect page (a browser never sends the fragment).
func (s *Server) fetchPage(ctx context.Context, link string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return "", fmt.Errorf("attotest: connect page: %w", err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return "", fmt.Errorf("attotest: connect page: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", fmt.Errorf("attotest: connect page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("attotest: connect page answered %d", resp.StatusCode)
	}
	return string(b), nil
}
