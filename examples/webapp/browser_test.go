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
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", exe, err)
	}
	t.Logf("browser %s, screenshots in %s", exe, artifacts)
	return &browser{t: t, ctx: ctx, artifacts: artifacts}
}

// run performs actions, then saves a screenshot named after the step. Each
// step gets a generous minute.
func (b *browser) run(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	b.step++
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is PNG
	if err != nil {
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
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
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

	b.run("dashboard before", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#connections")))
	for _, id := range []string{"atto", "truelayer", "yapily", "finch", "mono"} {
		if st := b.text("#health-" + id); st == "healthy" {
			t.Fatalf("%s starts healthy; the demo needs it broken or expiring", id)
		}
	}

	// TrueLayer: deny at the bank first, then try again and approve.
	b.run("truelayer bank page", chromedp.Click(chromedp.CSS("#repair-truelayer")), chromedp.WaitVisible(chromedp.CSS("#deny")))
	b.run("truelayer denied", chromedp.Click(chromedp.CSS("#deny")), chromedp.WaitVisible(chromedp.CSS("#failed")))
	if r := b.text("#reason"); !strings.Contains(r, "cancelled") {
		t.Fatalf("deny page says %q", r)
	}
	b.run("truelayer retry", chromedp.Click(chromedp.CSS("#retry")), chromedp.WaitVisible(chromedp.CSS("#approve")))
	b.run("truelayer repaired", chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#done")))

	for _, id := range []string{"atto", "yapily", "finch"} {
		b.run(id+" provider page", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#repair-"+id)),
			chromedp.Click(chromedp.CSS("#repair-"+id)), chromedp.WaitVisible(chromedp.CSS("#approve")))
		b.run(id+" repaired", chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS("#done")))
	}

	// The browser reloads Finch's callback page: the stored result is shown
	// again and the code is not exchanged a second time.
	b.run("finch callback reloaded", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#done")))
	if n := app.sims.finch.Count("POST /auth/token"); n != 1 {
		t.Fatalf("finch code exchanges after a reload = %d, want 1", n)
	}

	// Mono asks in the app's own forms: which account, then the OTP, first
	// wrong, then right.
	b.run("mono account choice", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#repair-mono")),
		chromedp.Click(chromedp.CSS("#repair-mono")), chromedp.WaitVisible(chromedp.CSS("#field-accountNumber")))
	b.run("mono otp form", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#field-otp")))
	b.run("mono wrong otp", chromedp.SendKeys(chromedp.CSS("#field-otp"), "99999"),
		chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#problem")))
	b.run("mono repaired", chromedp.SendKeys(chromedp.CSS("#field-otp"), app.sims.MonoOTP()),
		chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#done")))

	b.run("dashboard after", chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#connections")))
	for _, id := range []string{"atto", "truelayer", "yapily", "finch", "mono"} {
		if st := b.text("#health-" + id); st != "healthy" {
			t.Fatalf("%s after its repair: %q", id, st)
		}
	}
	t.Logf("browser run took %s", time.Since(start).Round(time.Millisecond))
}
