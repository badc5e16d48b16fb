package sim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// consentSim serves a consent page at /page (or the raw body of ?raw=) and
// redirects the form's post to the application with everything it got.
func consentSim(t *testing.T) *Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		if raw := r.URL.Query().Get("raw"); raw != "" {
			_, _ = io.WriteString(w, raw)
			return
		}
		WriteDecisionPage(w, DecisionPage{Title: "Bank", Heading: "Bank", Text: "Allow <app>?", Action: "/submit?x=1&y=2",
			Hidden: map[string]string{"session": `s"1&<`, "token": ""}})
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		http.Redirect(w, r, "/hop?"+r.Form.Encode(), http.StatusFound)
	})
	mux.HandleFunc("GET /hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://app.example/cb?"+r.URL.RawQuery, http.StatusSeeOther)
	})
	s := NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestDecideSubmitsThePageForm(t *testing.T) {
	t.Parallel()
	s := consentSim(t)
	cb, err := Decide(t.Context(), s.URL+"/page#token=frag", DecisionApprove, url.Values{"token": {"t1"}, "more": {"m"}})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"x": {"1"}, "y": {"2"}, "session": {`s"1&<`}, "token": {"t1"}, "more": {"m"},
		DecisionField: {DecisionApprove}}, cb, "hidden inputs unescaped, extra wins, action's query kept")
	assert.Equal(t, 1, s.Count("GET /page"))
	assert.Empty(t, s.Requests()[0].Query, "the fragment never reaches the server")

	cb, err = Decide(t.Context(), s.URL+"/page", DecisionDeny, nil)
	require.NoError(t, err)
	assert.Equal(t, DecisionDeny, cb.Get(DecisionField))
	assert.Equal(t, "", cb.Get("token"))

	cb, err = Decide(t.Context(), s.URL+"/page", "new_connection", nil)
	require.NoError(t, err, "a decision without a button is scripted")
	assert.Equal(t, "new_connection", cb.Get(DecisionField))
}

func TestDecisionPageIsARealForm(t *testing.T) {
	t.Parallel()
	s := consentSim(t)
	resp, err := s.Client().Get(s.URL + "/page")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	for _, want := range []string{
		`<form method="post" action="/submit?x=1&amp;y=2">`,
		`<input type="hidden" name="session" value="s&#34;1&amp;&lt;">`,
		`<button type="submit" id="approve" name="decision" value="approve">Approve</button>`,
		`<button type="submit" id="deny" name="decision" value="deny">Deny</button>`,
		`<p>Allow &lt;app&gt;?</p>`,
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "<script>")
}

func TestDecideRejectsBadPages(t *testing.T) {
	t.Parallel()
	s := consentSim(t)
	raw := func(body string) string { return s.URL + "/page?raw=" + url.QueryEscape(body) }
	buttons := `<button type="submit" name="decision" value="approve">A</button><button name="decision" value="deny">D</button>`
	for name, tc := range map[string]struct{ url, want string }{
		"not a URL":     {"::", "not an absolute URL"},
		"relative":      {"/page", "not an absolute URL"},
		"no form":       {raw("<html><p>hello"), "no <form"},
		"get form only": {raw(`<form method="get" action="/submit">` + buttons + `</form>`), "no <form"},
		"two forms":     {raw(strings.Repeat(`<form method="post" action="/submit">`+buttons+`</form>`, 2)), "2 post forms"},
		"no button":     {raw(`<form method="post" action="/submit"><input type="hidden" name="a" value="b"></form>`), "no approve button"},
		"unclosed":      {raw(`<form method="post" action="/submit"><button name="decision" value="approve">`), "no <form"},
		"bad action":    {raw(`<form method="post" action="http://[::1">` + buttons + `</form>`), "action is not a URL"},
		"not found":     {s.URL + "/missing", "answered 404"},
		"no redirect":   {raw(`<form method="post" action="/page?raw=x">` + buttons + `</form>`), "not a redirect"},
		"huge page":     {raw(`<form method="post" action="/submit">` + strings.Repeat(" ", maxPageBytes) + buttons + `</form>`), "no <form"},
	} {
		_, err := Decide(t.Context(), tc.url, DecisionApprove, nil)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tc.want, name)
			assert.True(t, strings.HasPrefix(err.Error(), "sim: "), name)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Decide(ctx, s.URL+"/page", DecisionApprove, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func BenchmarkDecide(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		WriteDecisionPage(w, DecisionPage{Action: "/submit", Hidden: map[string]string{"session": "s1"}})
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://app.example/cb?code=c", http.StatusSeeOther)
	})
	s := NewServer(mux)
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decide(context.Background(), s.URL+"/page", DecisionApprove, nil); err != nil {
			b.Fatal(err)
		}
	}
}
