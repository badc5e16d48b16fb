package attotest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto/attotest"
)

// browser finds Chromium, or skips (fails under REAUTHKIT_REQUIRE_BROWSER=1).
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("REAUTHKIT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REAUTHKIT_REQUIRE_BROWSER") == "1" {
		t.Fatal("REAUTHKIT_REQUIRE_BROWSER=1 but no Chromium found (install chromium or set REAUTHKIT_CHROMIUM)")
	}
	t.Skip("no Chromium found: install chromium (or set REAUTHKIT_CHROMIUM) to click through the Connect page")
	return ""
}

// Issue 17: a real browser opens a re-auth link, the page's script takes
// the token from the fragment, a click on Approve (or Deny) lands on the
// application's callback with Atto's parameters.
func TestConnectPageInABrowser(t *testing.T) {
	exe := browser(t)
	callbacks := make(chan url.Values, 2)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the callback counts: the browser also asks the app for
		// /favicon.ico, whenever it likes.
		if r.URL.Path != "/atto/callback" {
			http.NotFound(w, r)
			return
		}
		callbacks <- r.URL.Query()
		_, _ = w.Write([]byte(`<!doctype html><title>callback</title><p id="app">back at the app</p>`))
	}))
	t.Cleanup(app.Close)
	srv, hc := newServer(t, attotest.WithCallbackURL(app.URL+"/atto/callback"))
	id := srv.NewConsent(attotest.StatusExpired)

	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless)...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)

	for _, tc := range []struct{ button, state string }{{"#deny", "error"}, {"#approve", "success"}} {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(link(t, srv, hc, id)),
			chromedp.WaitVisible(tc.button),
			chromedp.Click(tc.button),
			// The callback page has loaded before the next navigation
			// starts, or that navigation aborts this one.
			chromedp.WaitVisible("#app"),
		), tc.button)
		select {
		case cb := <-callbacks:
			assert.Equal(t, tc.state, cb.Get("state"), tc.button)
		case <-ctx.Done():
			t.Fatal("the browser never reached the callback")
		}
	}
	c, _ := srv.Consent(id)
	assert.Equal(t, attotest.StatusActive, c.Status)
}
