package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findBrowser returns the Chromium to drive: $REAUTHKIT_CHROMIUM, else the
// first one on PATH. Without one the browser test skips, unless
// REAUTHKIT_REQUIRE_BROWSER=1 (CI) makes that a failure.
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("REAUTHKIT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found: install it (Debian: apt-get install chromium) or set REAUTHKIT_CHROMIUM to run the browser test"
	if os.Getenv("REAUTHKIT_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium session that saves a screenshot per step.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	step      int
}

func newBrowser(t *testing.T) *browser {
	exe := findBrowser(t)
	artifacts := os.Getenv("REAUTHKIT_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	artifacts = filepath.Join(artifacts, "webapp", t.Name())
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1000, 700),
	)
	// Generous: a loaded 2-core machine starts Chromium slowly.
	base, cancelTimeout := context.WithTimeout(context.Background(), 4*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	t.Logf("browser %s, screenshots in %s", exe, artifacts)
	return &browser{t: t, ctx: ctx, artifacts: artifacts}
}

// run performs actions, then saves a screenshot named after the step.
func (b *browser) run(name string, actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	b.step++
	var png []byte
	if err := chromedp.Run(b.ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		b.t.Fatalf("%s: screenshot: %v", name, err)
	}
	file := filepath.Join(b.artifacts, strings.ReplaceAll(
		strings.ToLower(strings.Join([]string{twoDigits(b.step), name}, "-")), " ", "-")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	if err := chromedp.Run(b.ctx, chromedp.Text(sel, &s, chromedp.ByQuery)); err != nil {
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// TestBrowserRepairsEveryProvider clicks through the demo in headless
// Chromium: each provider's repair on the simulated provider's own page, one
// deny then retry, Mono's wrong then right OTP, and a reload of a callback
// page, which must not spend the code twice.
func TestBrowserRepairsEveryProvider(t *testing.T) {
	b := newBrowser(t)
	app := startApp(t)
	start := time.Now()

	b.run("dashboard before", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("#connections", chromedp.ByQuery))
	for _, id := range []string{"atto", "truelayer", "yapily", "finch", "mono"} {
		if st := b.text("#health-" + id); st == "healthy" {
			t.Fatalf("%s starts healthy; the demo needs it broken or expiring", id)
		}
	}

	// TrueLayer: deny at the bank first, then try again and approve.
	b.run("truelayer bank page", chromedp.Click("#repair-truelayer", chromedp.ByQuery), chromedp.WaitVisible("#deny", chromedp.ByQuery))
	b.run("truelayer denied", chromedp.Click("#deny", chromedp.ByQuery), chromedp.WaitVisible("#failed", chromedp.ByQuery))
	if r := b.text("#reason"); !strings.Contains(r, "cancelled") {
		t.Fatalf("deny page says %q", r)
	}
	b.run("truelayer retry", chromedp.Click("#retry", chromedp.ByQuery), chromedp.WaitVisible("#approve", chromedp.ByQuery))
	b.run("truelayer repaired", chromedp.Click("#approve", chromedp.ByQuery), chromedp.WaitVisible("#done", chromedp.ByQuery))

	for _, id := range []string{"atto", "yapily", "finch"} {
		b.run(id+" provider page", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("#repair-"+id, chromedp.ByQuery),
			chromedp.Click("#repair-"+id, chromedp.ByQuery), chromedp.WaitVisible("#approve", chromedp.ByQuery))
		b.run(id+" repaired", chromedp.Click("#approve", chromedp.ByQuery), chromedp.WaitVisible("#done", chromedp.ByQuery))
	}

	// The browser reloads Finch's callback page: the stored result is shown
	// again and the code is not exchanged a second time.
	b.run("finch callback reloaded", chromedp.Reload(), chromedp.WaitVisible("#done", chromedp.ByQuery))
	if n := app.sims.finch.Count("POST /auth/token"); n != 1 {
		t.Fatalf("finch code exchanges after a reload = %d, want 1", n)
	}

	// Mono asks for an OTP in the app's own form: wrong, then right.
	b.run("mono otp form", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("#repair-mono", chromedp.ByQuery),
		chromedp.Click("#repair-mono", chromedp.ByQuery), chromedp.WaitVisible("#field-otp", chromedp.ByQuery))
	b.run("mono wrong otp", chromedp.SendKeys("#field-otp", "000000", chromedp.ByQuery),
		chromedp.Click("#submit", chromedp.ByQuery), chromedp.WaitVisible("#problem", chromedp.ByQuery))
	b.run("mono repaired", chromedp.SendKeys("#field-otp", app.sims.MonoOTP(), chromedp.ByQuery),
		chromedp.Click("#submit", chromedp.ByQuery), chromedp.WaitVisible("#done", chromedp.ByQuery))

	b.run("dashboard after", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("#connections", chromedp.ByQuery))
	for _, id := range []string{"atto", "truelayer", "yapily", "finch", "mono"} {
		if st := b.text("#health-" + id); st != "healthy" {
			t.Fatalf("%s after its repair: %q", id, st)
		}
	}
	t.Logf("browser run took %s", time.Since(start).Round(time.Millisecond))
}
