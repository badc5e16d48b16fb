package sim

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The simulated user's choice on a consent page, the same in every
// simulator: a form field (or query parameter) DecisionField with value
// DecisionApprove or DecisionDeny.
const (
	DecisionField   = "decision"
	DecisionApprove = "approve"
	DecisionDeny    = "deny"
)

// maxPageBytes bounds how much of a consent page Decide reads.
const maxPageBytes = 64 << 10

// Decide plays the user at the consent page at pageURL, as a browser would:
// it opens the page, finds its one <form method="post">, takes the form's
// hidden inputs, sets DecisionField to decision and every value of extra
// (what a page's script or a scripted user adds; extra wins over a hidden
// input), posts the form to its action and follows the redirects until they
// leave the simulator's host. It returns the query of that URL, the
// application's callback (never requested), ready for reauth.Reply.Callback.
//
// For DecisionApprove and DecisionDeny the form must have the matching
// button (name DecisionField, that value), so the page stays one a person
// can click; other decisions are submitted as if a button had them.
func Decide(ctx context.Context, pageURL, decision string, extra url.Values) (url.Values, error) {
	page, err := url.Parse(pageURL)
	if err != nil || page.Host == "" {
		return nil, errors.New("sim: decide: the consent page URL is not an absolute URL")
	}
	body, err := fetchPage(ctx, page)
	if err != nil {
		return nil, err
	}
	f, err := parseForm(body)
	if err != nil {
		return nil, err
	}
	if (decision == DecisionApprove || decision == DecisionDeny) && !f.buttons[decision] {
		return nil, fmt.Errorf("sim: decide: the consent page has no %s button", decision)
	}
	action, err := page.Parse(f.action)
	if err != nil {
		return nil, errors.New("sim: decide: the consent form's action is not a URL")
	}
	action.Fragment = ""
	form := f.hidden
	for k, vs := range extra {
		form[k] = append([]string(nil), vs...)
	}
	form.Set(DecisionField, decision)
	cb, err := Browse(ctx, http.MethodPost, action.String(), form)
	if err != nil {
		return nil, err
	}
	return cb.Query(), nil
}

// fetchPage GETs a consent page (a browser never sends the fragment) and
// returns at most maxPageBytes of it.
func fetchPage(ctx context.Context, page *url.URL) ([]byte, error) {
	u := *page
	u.Fragment, u.RawFragment = "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("sim: decide: %w", err)
	}
	client, done := NewClient(0)
	defer done()
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sim: decide: open the consent page: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	if err != nil {
		return nil, fmt.Errorf("sim: decide: read the consent page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sim: decide: the consent page answered %d", resp.StatusCode)
	}
	return body, nil
}

// The markup Decide reads. The pages are the simulators' own (html/template
// output, attributes always double-quoted), so a few patterns do what an
// HTML parser would.
var (
	formTag   = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputTag  = regexp.MustCompile(`(?i)<input\b([^>]*)>`)
	buttonTag = regexp.MustCompile(`(?i)<button\b([^>]*)>`)
	attribute = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"`)
)

// consentForm is what Decide needs of a page's post form.
type consentForm struct {
	action  string
	hidden  url.Values
	buttons map[string]bool // values of the DecisionField submit buttons
}

func parseForm(page []byte) (consentForm, error) {
	var found []consentForm
	for _, m := range formTag.FindAllSubmatch(page, -1) {
		fa := attrs(m[1])
		if !strings.EqualFold(fa["method"], http.MethodPost) {
			continue
		}
		f := consentForm{action: fa["action"], hidden: url.Values{}, buttons: map[string]bool{}}
		for _, in := range inputTag.FindAllSubmatch(m[2], -1) {
			a := attrs(in[1])
			if strings.EqualFold(a["type"], "hidden") && a["name"] != "" {
				f.hidden.Add(a["name"], a["value"])
			}
		}
		for _, b := range buttonTag.FindAllSubmatch(m[2], -1) {
			a := attrs(b[1])
			if a["name"] == DecisionField && !strings.EqualFold(a["type"], "button") {
				f.buttons[a["value"]] = true
			}
		}
		found = append(found, f)
	}
	switch len(found) {
	case 0:
		return consentForm{}, errors.New("sim: decide: the consent page has no <form method=\"post\">")
	case 1:
		return found[0], nil
	}
	return consentForm{}, fmt.Errorf("sim: decide: the consent page has %d post forms, want one", len(found))
}

// attrs reads a tag's double-quoted attributes, unescaped.
func attrs(tag []byte) map[string]string {
	out := map[string]string{}
	for _, m := range attribute.FindAllSubmatch(tag, -1) {
		out[strings.ToLower(string(m[1]))] = html.UnescapeString(string(m[2]))
	}
	return out
}
