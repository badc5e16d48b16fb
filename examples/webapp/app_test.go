package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testApp serves a fresh App on loopback for one test.
type testApp struct {
	*App
	URL string
}

func startApp(t *testing.T) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	app, err := NewApp(ctx, Config{BaseURL: base, SQLitePath: filepath.Join(t.TempDir(), "flows.db")})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		app.Close()
	})
	return &testApp{App: app, URL: base}
}

// browserless is a user agent without a browser: a cookie jar, no automatic
// redirects, so each hop can be checked.
type browserless struct {
	t  *testing.T
	hc *http.Client
}

func newBrowserless(t *testing.T) *browserless {
	jar, _ := cookiejar.New(nil)
	return &browserless{t: t, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browserless) do(method, u string, form url.Values) (int, http.Header, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

// TestRepairEveryProviderOverHTTP drives every repair through the app's own
// handlers and the simulators' pages without a browser, so it runs on every
// machine; the browser test does the same clicking through real pages.
func TestRepairEveryProviderOverHTTP(t *testing.T) {
	app := startApp(t)
	b := newBrowserless(t)
	ctx := context.Background()

	status, _, page := b.do("GET", app.URL+"/", nil)
	if status != 200 {
		t.Fatalf("dashboard: %d", status)
	}
	for _, id := range []string{"atto", "truelayer", "yapily", "finch", "mono"} {
		if !strings.Contains(page, `id="repair-`+id+`"`) {
			t.Fatalf("dashboard offers no repair for %s:\n%s", id, page)
		}
	}

	approve := map[string]func(context.Context, string) (url.Values, error){
		"atto": app.sims.atto.Approve, "truelayer": app.sims.truelayer.Approve,
		"yapily": app.sims.yapily.Approve, "finch": app.sims.finch.Approve,
	}
	for _, id := range []string{"atto", "truelayer", "yapily", "finch"} {
		status, h, _ := b.do("POST", app.URL+"/repair/"+id, url.Values{})
		if status != http.StatusSeeOther {
			t.Fatalf("%s: repair answered %d", id, status)
		}
		cb, err := approve[id](ctx, h.Get("Location"))
		if err != nil {
			t.Fatalf("%s: approve: %v", id, err)
		}
		callback := app.URL + "/callback?" + cb.Encode()
		status, _, page = b.do("GET", callback, nil)
		if status != 200 || !strings.Contains(page, `id="done"`) {
			t.Fatalf("%s: callback %d:\n%s", id, status, page)
		}
		// A reload of the callback page shows the same result and spends nothing.
		status, _, page = b.do("GET", callback, nil)
		if status != 200 || !strings.Contains(page, `id="done"`) {
			t.Fatalf("%s: reloaded callback %d:\n%s", id, status, page)
		}
	}
	if n := app.sims.finch.Count("POST /auth/token"); n != 1 {
		t.Fatalf("finch code exchanges = %d, want 1", n)
	}
	if n := app.sims.truelayer.Count("POST /connect/token"); n != 1 {
		t.Fatalf("truelayer code exchanges = %d, want 1", n)
	}

	// Mono: a wrong OTP is refused and asked again, then the right one works.
	status, h, _ := b.do("POST", app.URL+"/repair/mono", url.Values{})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/flow/") {
		t.Fatalf("mono repair: %d %q", status, h.Get("Location"))
	}
	flowURL := app.URL + h.Get("Location")
	// First the bank asks which account; the page offers its choices.
	status, _, page = b.do("GET", flowURL, nil)
	m := regexp.MustCompile(`<select name="accountNumber"[^>]*><option value="([^"]+)"`).FindStringSubmatch(page)
	if status != 200 || m == nil {
		t.Fatalf("mono account choice page %d:\n%s", status, page)
	}
	status, h, _ = b.do("POST", flowURL, url.Values{"accountNumber": {m[1]}})
	if status != http.StatusSeeOther {
		t.Fatalf("account choice answered %d", status)
	}
	status, _, page = b.do("GET", app.URL+h.Get("Location"), nil)
	if status != 200 || !strings.Contains(page, `id="field-otp"`) {
		t.Fatalf("mono otp page %d:\n%s", status, page)
	}
	status, _, page = b.do("POST", flowURL, url.Values{"otp": {"99999"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="problem"`) {
		t.Fatalf("wrong otp: %d:\n%s", status, page)
	}
	status, _, page = b.do("POST", flowURL, url.Values{"otp": {app.sims.MonoOTP()}})
	if status != 200 || !strings.Contains(page, `id="done"`) {
		t.Fatalf("right otp: %d:\n%s", status, page)
	}

	status, _, page = b.do("GET", app.URL+"/", nil)
	if status != 200 || strings.Contains(page, `id="repair-`) {
		t.Fatalf("after every repair the dashboard still offers one (%d):\n%s", status, page)
	}
}

// TestDenyThenRetry: a user who denies at the bank is told so and can try
// again.
func TestDenyThenRetry(t *testing.T) {
	app := startApp(t)
	b := newBrowserless(t)
	ctx := context.Background()

	_, h, _ := b.do("POST", app.URL+"/repair/truelayer", url.Values{})
	cb, err := app.sims.truelayer.Deny(ctx, h.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	status, _, page := b.do("GET", app.URL+"/callback?"+cb.Encode(), nil)
	if status != 200 || !strings.Contains(page, "You cancelled") || !strings.Contains(page, `id="retry"`) {
		t.Fatalf("deny: %d:\n%s", status, page)
	}
	_, _, page = b.do("GET", app.URL+"/", nil)
	if !strings.Contains(page, "You cancelled") {
		t.Fatalf("the dashboard does not say the user cancelled:\n%s", page)
	}
}

// TestCallbackWithoutFlow: a callback nobody started is refused with a clear
// reason.
func TestCallbackWithoutFlow(t *testing.T) {
	app := startApp(t)
	b := newBrowserless(t)
	status, _, _ := b.do("GET", app.URL+"/callback?code=x&state=nope", nil)
	if status < 400 {
		t.Fatalf("an unknown callback answered %d", status)
	}
}

// TestFlowsInPostgres runs a repair with the flows in PostgreSQL (-dsn), when
// REAUTHKIT_TEST_POSTGRES names a server.
func TestFlowsInPostgres(t *testing.T) {
	dsn := os.Getenv("REAUTHKIT_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("REAUTHKIT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("REAUTHKIT_REQUIRE_POSTGRES=1 but REAUTHKIT_TEST_POSTGRES is empty")
		}
		t.Skip("set REAUTHKIT_TEST_POSTGRES to a PostgreSQL DSN to run the web app on PostgreSQL (.ci/postgres starts one)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	app, err := NewApp(context.Background(), Config{BaseURL: base, PostgresDSN: dsn})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		app.Close()
	})
	b := newBrowserless(t)
	status, h, _ := b.do("POST", base+"/repair/finch", url.Values{})
	if status != http.StatusSeeOther {
		t.Fatalf("repair answered %d", status)
	}
	cb, err := app.sims.finch.Approve(context.Background(), h.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	status, _, page := b.do("GET", base+"/callback?"+cb.Encode(), nil)
	if status != 200 || !strings.Contains(page, `id="done"`) {
		t.Fatalf("callback %d:\n%s", status, page)
	}
	if app.StoreName() != "PostgreSQL" {
		t.Fatalf("store %q", app.StoreName())
	}
}
