package main

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/reauthkit/reauthkit/reauth"
)

type dashboardRow struct {
	ID, Name, Provider, State, Health, Message string
	Broken                                     bool
}

type dashboardPage struct {
	Rows  []dashboardRow
	Error string
}

type inputPage struct {
	Key, Prompt, Problem, Hint string
	Fields                     []reauth.Field
}

type donePage struct{ Name string }

type failPage struct {
	ConnectionID, Message, Detail string
	CanRetry                      bool
}

// pages are plain html/template pages: no JavaScript.
var pages = template.Must(template.New("layout").Parse(`{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reauthkit demo</title>
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.5rem;border-bottom:1px solid #ddd;text-align:left}
.healthy{color:#17702c}.expiring_soon{color:#9a6700}.needs_reauth,.revoked{color:#b3261e}
button{padding:.35rem .9rem;border-radius:.3rem;border:1px solid #555;background:#f5f5f5;cursor:pointer}
.msg{color:#555;font-size:.9rem}.problem{color:#b3261e}.hint{color:#555}
</style></head><body><h1><a href="/">reauthkit demo</a></h1>{{end}}
{{define "bottom"}}</body></html>{{end}}

{{define "dashboard"}}{{template "top"}}
<p>Your connections, checked by an expiry sweep each time this page loads.</p>
{{if .Error}}<p class="problem" id="error">{{.Error}}</p>{{end}}
<table id="connections"><tr><th>Connection</th><th>Provider</th><th>Health</th><th></th></tr>
{{range .Rows}}<tr id="conn-{{.ID}}" data-state="{{.State}}">
<td>{{.Name}}{{if .Message}}<div class="msg" id="msg-{{.ID}}">{{.Message}}</div>{{end}}</td>
<td>{{.Provider}}</td><td class="{{.State}}" id="health-{{.ID}}">{{.Health}}</td>
<td>{{if .Broken}}<form method="post" action="/repair/{{.ID}}"><button id="repair-{{.ID}}" type="submit">Repair</button></form>{{end}}</td>
</tr>{{end}}</table>
{{template "bottom"}}{{end}}

{{define "input"}}{{template "top"}}
<h2>Your bank asks</h2><p id="prompt">{{.Prompt}}</p>
{{if .Problem}}<p class="problem" id="problem">{{.Problem}}</p>{{end}}
<form method="post" action="/flow/{{.Key}}">
{{range .Fields}}<p><label>{{if .Label}}{{.Label}}{{else}}{{.Name}}{{end}}<br>
{{if .Options}}<select name="{{.Name}}" id="field-{{.Name}}">{{range .Options}}<option value="{{.}}">{{.}}</option>{{end}}</select>
{{else}}<input name="{{.Name}}" id="field-{{.Name}}" autocomplete="off" {{if .Secret}}type="password"{{else}}type="text"{{end}} {{if .MaxLength}}maxlength="{{.MaxLength}}"{{end}}>{{end}}
</label></p>{{end}}
<button id="submit" type="submit">Continue</button></form>
{{if .Hint}}<p class="hint" id="hint">{{.Hint}}</p>{{end}}
{{template "bottom"}}{{end}}

{{define "done"}}{{template "top"}}
<h2 id="done">Connection repaired</h2><p>{{.Name}} works again.</p>
<p><a id="back" href="/">Back to your connections</a></p>
{{template "bottom"}}{{end}}

{{define "fail"}}{{template "top"}}
<h2 id="failed">Not repaired</h2><p id="reason">{{.Message}}</p>
<p class="msg">{{.Detail}}</p>
{{if and .CanRetry .ConnectionID}}<form method="post" action="/repair/{{.ConnectionID}}"><button id="retry" type="submit">Try again</button></form>{{end}}
<p><a id="back" href="/">Back to your connections</a></p>
{{template "bottom"}}{{end}}`))

// render executes a page into a buffer first, so a template error is a
// clean 500 instead of half a page.
func render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
