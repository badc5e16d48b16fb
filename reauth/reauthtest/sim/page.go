package sim

import (
	"cmp"
	"html/template"
	"net/http"
)

// DecisionPage is a simulator's consent page: a real HTML form a browser
// can submit, with two submit buttons named DecisionField (ids approve and
// deny). Only Action is required.
type DecisionPage struct {
	Title   string // the document title
	Heading string // the page's <h1>
	Text    string // one paragraph above the form, as the provider words it
	Action  string // where the form posts (a path on the simulator)
	// Hidden are the form's hidden inputs, written in key order.
	Hidden map[string]string
	// ApproveLabel and DenyLabel caption the buttons (default "Approve",
	// "Deny").
	ApproveLabel, DenyLabel string
	// Script, when set, is one inline script after the form (for example,
	// copying a token from the URL fragment into a hidden input).
	Script template.JS
	// Done, when set, replaces the form: the page a journey ends on when
	// there is no application to send the user back to.
	Done string
}

var decisionPage = template.Must(template.New("decision").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body>
<h1>{{.Heading}}</h1>
{{if .Done}}<p>{{.Done}}</p>
{{else}}{{with .Text}}<p>{{.}}</p>
{{end}}<form method="post" action="{{.Action}}">
{{range $name, $value := .Hidden}}<input type="hidden" name="{{$name}}" value="{{$value}}">
{{end}}<button type="submit" id="approve" name="decision" value="approve">{{.ApproveLabel}}</button>
<button type="submit" id="deny" name="decision" value="deny">{{.DenyLabel}}</button>
</form>
{{with .Script}}<script>{{.}}</script>
{{end}}{{end}}</body>
</html>
`))

// WriteDecisionPage answers 200 with p as an uncached HTML page.
func WriteDecisionPage(w http.ResponseWriter, p DecisionPage) {
	p.ApproveLabel = cmp.Or(p.ApproveLabel, "Approve")
	p.DenyLabel = cmp.Or(p.DenyLabel, "Deny")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = decisionPage.Execute(w, p)
}
