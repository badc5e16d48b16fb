package sweep_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/sweep"
	"github.com/reauthkit/reauthkit/reauth/sweep/sweeptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func clock() time.Time { return now }

// collector records notices; safe for concurrent use.
type collector struct {
	mu      sync.Mutex
	notices []sweep.Notice
	fail    func(sweep.Notice) error
}

func (c *collector) notify(_ context.Context, n sweep.Notice) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		if err := c.fail(n); err != nil {
			return err
		}
	}
	c.notices = append(c.notices, n)
	return nil
}

func (c *collector) byID() map[string]sweep.Notice {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]sweep.Notice{}
	for _, n := range c.notices {
		out[n.Connection.Request.ConnectionID] = n
	}
	return out
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.notices)
}

func registry(t testing.TB, rs ...reauth.Reauthenticator) *reauth.Registry {
	t.Helper()
	reg, err := reauth.NewRegistry(rs...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func newSweeper(t testing.TB, reg *reauth.Registry, opts ...sweep.Option) *sweep.Sweeper {
	t.Helper()
	s, err := sweep.New(reg, append([]sweep.Option{sweep.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func healths(hs ...reauth.Health) iter.Seq2[reauth.Health, error] {
	return func(yield func(reauth.Health, error) bool) {
		for _, h := range hs {
			if !yield(h, nil) {
				return
			}
		}
	}
}

func conns(cs ...sweep.Connection) iter.Seq2[sweep.Connection, error] {
	return func(yield func(sweep.Connection, error) bool) {
		for _, c := range cs {
			if !yield(c, nil) {
				return
			}
		}
	}
}

func TestLeads(t *testing.T) {
	const none = time.Duration(-1)
	cases := []struct {
		name string
		h    reauth.Health
		want time.Duration
	}{
		{"healthy far away", reauth.Health{State: reauth.Healthy, ExpiresAt: now.Add(60 * day)}, none},
		{"healthy no date", reauth.Health{State: reauth.Healthy}, none},
		{"exactly 30 days", reauth.Health{State: reauth.Healthy, ExpiresAt: now.Add(30 * day)}, 30 * day},
		{"29 days", reauth.Health{State: reauth.Healthy, ExpiresAt: now.Add(29 * day)}, 30 * day},
		{"6 days", reauth.Health{State: reauth.ExpiringSoon, ExpiresAt: now.Add(6 * day)}, 7 * day},
		{"reconfirm earlier than expiry", reauth.Health{State: reauth.ExpiringSoon, ExpiresAt: now.Add(80 * day), ReconfirmBy: now.Add(12 * time.Hour)}, day},
		{"expiry earlier than reconfirm", reauth.Health{State: reauth.ExpiringSoon, ExpiresAt: now.Add(3 * day), ReconfirmBy: now.Add(40 * day)}, 7 * day},
		{"date passed", reauth.Health{State: reauth.Healthy, ExpiresAt: now.Add(-time.Minute)}, 0},
		{"needs reauth", reauth.Health{State: reauth.NeedsReauth}, 0},
		{"needs reauth with a far date", reauth.Health{State: reauth.NeedsReauth, ExpiresAt: now.Add(60 * day)}, 0},
		{"revoked", reauth.Health{State: reauth.Revoked}, 0},
		{"expiring soon without date", reauth.Health{State: reauth.ExpiringSoon}, 30 * day},
		{"pending", reauth.Health{State: reauth.Pending, ExpiresAt: now.Add(time.Hour)}, none},
		{"unknown", reauth.Health{State: reauth.Unknown}, none},
	}
	var hs []reauth.Health
	for i, c := range cases {
		c.h.Provider, c.h.ConnectionID = "fake", strconv.Itoa(i)
		hs = append(hs, c.h)
	}
	in := &sweeptest.Inspector{Name: "fake"}
	s := newSweeper(t, registry(t, in))
	var got collector
	rep, err := s.Run(context.Background(), sweep.FromHealth(healths(hs...)), got.notify)
	if err != nil {
		t.Fatal(err)
	}
	sent := got.byID()
	for i, c := range cases {
		n, ok := sent[strconv.Itoa(i)]
		switch {
		case c.want == none && ok:
			t.Errorf("%s: notice with lead %v, want none", c.name, n.Lead)
		case c.want != none && !ok:
			t.Errorf("%s: no notice, want lead %v", c.name, c.want)
		case ok && n.Lead != c.want:
			t.Errorf("%s: lead %v, want %v", c.name, n.Lead, c.want)
		}
	}
	if in.Calls() != 0 {
		t.Errorf("Known health: %d Inspect calls, want 0", in.Calls())
	}
	if rep.Inspected != len(cases) || rep.Failed != 0 || rep.Notified != len(sent) {
		t.Errorf("report %+v; want %d inspected, %d notified", rep, len(cases), len(sent))
	}
	if rep.ByState[reauth.NeedsReauth] != 2 || rep.ByState[reauth.Pending] != 1 {
		t.Errorf("ByState %v", rep.ByState)
	}
}

func TestCustomLeads(t *testing.T) {
	s := newSweeper(t, registry(t, &sweeptest.Inspector{Name: "fake"}), sweep.WithLeads(3*day, 14*day, 3*day))
	var got collector
	h := reauth.Health{Provider: "fake", ConnectionID: "c", State: reauth.Healthy, ExpiresAt: now.Add(10 * day)}
	if _, err := s.Run(context.Background(), sweep.FromHealth(healths(h)), got.notify); err != nil {
		t.Fatal(err)
	}
	if n := got.byID()["c"]; n.Lead != 14*day {
		t.Fatalf("lead %v, want 14 days", n.Lead)
	}
}

// expiring answers Inspect with an expiry 5 days away (Lead 7 days) for
// every connection, or NeedsReauth for ids starting with "broken".
func expiring(name reauth.Provider) *sweeptest.Inspector {
	return &sweeptest.Inspector{Name: name, Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		h := &reauth.Health{Provider: name, ConnectionID: req.ConnectionID, State: reauth.ExpiringSoon, ExpiresAt: now.Add(5 * day)}
		if len(req.ConnectionID) > 6 && req.ConnectionID[:6] == "broken" {
			h.State, h.ExpiresAt = reauth.NeedsReauth, time.Time{}
		}
		return h, nil
	}}
}

func ids(p reauth.Provider, prefix string, n int) []sweep.Connection {
	out := make([]sweep.Connection, n)
	for i := range out {
		out[i] = sweep.Connection{Provider: p, Request: reauth.Request{ConnectionID: prefix + strconv.Itoa(i)}}
	}
	return out
}

func TestRerunSendsNothingNew(t *testing.T) {
	in := expiring("fake")
	s := newSweeper(t, registry(t, in))
	cs := append(ids("fake", "c", 20), ids("fake", "broken", 5)...)
	var got collector
	r1, err := s.Run(context.Background(), conns(cs...), got.notify)
	if err != nil || r1.Notified != 25 {
		t.Fatalf("first run: %+v, %v; want 25 notified", r1, err)
	}
	r2, err := s.Run(context.Background(), conns(cs...), got.notify)
	if err != nil || r2.Notified != 0 || r2.AlreadySent != 25 || got.len() != 25 {
		t.Fatalf("second run: %+v, %v, %d notices in all; want 0 notified, 25 already sent", r2, err, got.len())
	}
	// The same connection twice in one Run is one notice.
	var once collector
	s2 := newSweeper(t, registry(t, in))
	r3, _ := s2.Run(context.Background(), conns(cs[0], cs[0], cs[0]), once.notify)
	if r3.Notified != 1 || r3.AlreadySent != 2 {
		t.Fatalf("a connection listed thrice: %+v; want 1 notified, 2 already sent", r3)
	}
}

func TestNewExpiryIsANewNotice(t *testing.T) {
	expiry := now.Add(5 * day)
	var mu sync.Mutex
	in := &sweeptest.Inspector{Name: "fake", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		mu.Lock()
		defer mu.Unlock()
		return &reauth.Health{Provider: "fake", ConnectionID: req.ConnectionID, State: reauth.ExpiringSoon, ExpiresAt: expiry}, nil
	}}
	s := newSweeper(t, registry(t, in))
	var got collector
	c := conns(ids("fake", "c", 1)...)
	if r, _ := s.Run(context.Background(), c, got.notify); r.Notified != 1 {
		t.Fatalf("first run notified %d", r.Notified)
	}
	mu.Lock()
	expiry = now.Add(6 * day) // re-authenticated: another expiry
	mu.Unlock()
	if r, _ := s.Run(context.Background(), c, got.notify); r.Notified != 1 {
		t.Fatalf("after a new expiry: notified %d, want 1", r.Notified)
	}
}

func TestMemoryLedger(t *testing.T) {
	sweeptest.RunLedgerTests(t, func(*testing.T) sweep.Ledger { return sweep.NewMemoryLedger() })
}

func TestMemoryLedgerForgetsExpiredClaims(t *testing.T) {
	var mu sync.Mutex
	at := now
	l := sweep.NewMemoryLedger(sweep.LedgerClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return at }))
	ctx := context.Background()
	for i := range 5000 {
		if ok, err := l.Claim(ctx, strconv.Itoa(i), now.Add(time.Hour)); !ok || err != nil {
			t.Fatalf("Claim %d: %v %v", i, ok, err)
		}
	}
	mu.Lock()
	at = now.Add(2 * time.Hour)
	mu.Unlock()
	if ok, _ := l.Claim(ctx, "0", now.Add(3*time.Hour)); !ok {
		t.Fatal("Claim after until = false, want true")
	}
	for i := range 5000 {
		l.Claim(ctx, "new"+strconv.Itoa(i), now.Add(3*time.Hour))
	}
	if n := l.Len(); n > 5001+1024 {
		t.Fatalf("ledger holds %d claims; expired ones were not purged", n)
	}
}

func TestSharedLedgerAcrossSweepers(t *testing.T) {
	l := sweep.NewMemoryLedger()
	in := expiring("fake")
	cs := ids("fake", "c", 500)
	var got collector
	var wg sync.WaitGroup
	for range 4 {
		s := newSweeper(t, registry(t, in), sweep.WithLedger(l))
		wg.Go(func() {
			if _, err := s.Run(context.Background(), conns(cs...), got.notify); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got.len() != 500 || len(got.byID()) != 500 {
		t.Fatalf("4 sweepers: %d notices, %d distinct; want 500, 500", got.len(), len(got.byID()))
	}
}

func rateLimited(retryAfter time.Duration) error {
	return &reauth.APIError{Provider: "slow", Op: "GET /consents/{id}", StatusCode: 429, RetryAfter: retryAfter, Kind: reauth.ErrRateLimited}
}

func TestRateLimitPausesOnlyThatProvider(t *testing.T) {
	fastDone := make(chan struct{})
	var mu sync.Mutex
	attempts := map[string]int{}
	// slow answers 429 (Retry-After 1h) until every fast connection is
	// done, then works.
	slow := &sweeptest.Inspector{Name: "slow", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		mu.Lock()
		attempts[req.ConnectionID]++
		mu.Unlock()
		select {
		case <-fastDone:
			return &reauth.Health{Provider: "slow", ConnectionID: req.ConnectionID, State: reauth.NeedsReauth}, nil
		default:
			return nil, fmt.Errorf("slow: wrapped: %w", rateLimited(time.Hour))
		}
	}}
	fast := expiring("fast")
	var got collector
	var fastOnce sync.Once
	got.fail = func(n sweep.Notice) error {
		if n.Connection.Provider == "fast" && got.countLocked("fast") == 49 {
			fastOnce.Do(func() { close(fastDone) })
		}
		return nil
	}
	s := newSweeper(t, registry(t, slow, fast), sweep.WithConcurrency(4), sweep.WithReadAhead(300))
	var slept []time.Duration
	var sleptMu sync.Mutex
	paused := make(chan struct{})
	var pausedOnce sync.Once
	sweep.SetSleep(s, func(ctx context.Context, d time.Duration) error {
		sleptMu.Lock()
		slept = append(slept, d) // only the slow lane pauses
		sleptMu.Unlock()
		pausedOnce.Do(func() { close(paused) })
		select { // the pause lasts until every fast connection is done
		case <-fastDone:
		case <-time.After(time.Minute): // the fast lane was stalled: the checks below fail
		}
		return nil
	})
	// 200 slow connections listed before the fast ones, which are listed
	// once the slow lane has paused: read ahead, the slow ones wait in the
	// paused lane while the fast lane goes on.
	source := func(yield func(sweep.Connection, error) bool) {
		for c := range conns(ids("slow", "s", 200)...) {
			if !yield(c, nil) {
				return
			}
		}
		<-paused
		for c := range conns(ids("fast", "f", 50)...) {
			if !yield(c, nil) {
				return
			}
		}
	}
	rep, err := s.Run(context.Background(), source, got.notify)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notified != 250 || rep.Failed != 0 || rep.Paused["slow"] < 1 || rep.Paused["fast"] != 0 {
		t.Fatalf("report %+v; want 250 notified, slow paused, fast never", rep)
	}
	for _, d := range slept {
		if d <= 59*time.Minute || d > time.Hour {
			t.Fatalf("paused for %v, want the provider's Retry-After (1h)", d)
		}
	}
	total := 0
	for _, n := range attempts {
		total += n
	}
	if len(attempts) != 200 || total <= 200 {
		t.Fatalf("%d attempts at %d slow connections; want every one, and retries after the 429s", total, len(attempts))
	}
	// Every fast connection was notified while the slow lane was paused.
	for i, n := range got.notices {
		if want := reauth.Provider("fast"); i < 50 && n.Connection.Provider != want {
			t.Fatalf("notice %d is %s's; the fast lane waited for the paused one", i, n.Connection.Provider)
		}
	}
}

func (c *collector) countLocked(p reauth.Provider) int {
	n := 0
	for _, x := range c.notices {
		if x.Connection.Provider == p {
			n++
		}
	}
	return n
}

func TestRateLimitDefaultsAndGivesUp(t *testing.T) {
	always := &sweeptest.Inspector{Name: "slow", Health: func(context.Context, reauth.Request) (*reauth.Health, error) {
		return nil, rateLimited(0)
	}}
	s := newSweeper(t, registry(t, always), sweep.WithRetryAfter(3*time.Second), sweep.WithMaxRetries(2))
	var mu sync.Mutex
	var slept []time.Duration
	sweep.SetSleep(s, func(_ context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	})
	var got collector
	rep, err := s.Run(context.Background(), conns(ids("slow", "s", 1)...), got.notify)
	if err != nil {
		t.Fatal(err)
	}
	if always.Calls() != 3 || rep.Failed != 1 || rep.Paused["slow"] != 2 {
		t.Fatalf("%d calls, report %+v; want 3 calls (2 retries), 1 failed, 2 pauses", always.Calls(), rep)
	}
	if !errors.Is(rep.Failures[0].Err, reauth.ErrRateLimited) {
		t.Fatalf("failure %v, want ErrRateLimited", rep.Failures[0].Err)
	}
	for _, d := range slept {
		if d > 3*time.Second {
			t.Fatalf("paused %v; without Retry-After the pause is WithRetryAfter's 3s", d)
		}
	}
	if len(slept) != 2 {
		t.Fatalf("slept %d times, want 2", len(slept))
	}
}

func TestCancelReturnsPartialReport(t *testing.T) {
	in := expiring("fake")
	s := newSweeper(t, registry(t, in), sweep.WithConcurrency(3))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var count int
	var mu sync.Mutex
	endless := func(yield func(sweep.Connection, error) bool) {
		for i := 0; ; i++ {
			if !yield(sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: strconv.Itoa(i)}}, nil) {
				return
			}
		}
	}
	notify := func(ctx context.Context, n sweep.Notice) error {
		mu.Lock()
		count++
		if count == 10 {
			cancel()
		}
		mu.Unlock()
		return nil
	}
	rep, err := s.Run(ctx, endless, notify)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep.Notified < 10 || rep.Failed != 0 {
		t.Fatalf("partial report %+v; want >= 10 notified, no failures from the cancellation", rep)
	}
	// Already cancelled: nothing is read.
	rep, err = s.Run(ctx, endless, notify)
	if !errors.Is(err, context.Canceled) || rep.Inspected != 0 {
		t.Fatalf("cancelled Run: %+v, %v", rep, err)
	}
}

func TestCancelDuringPause(t *testing.T) {
	in := &sweeptest.Inspector{Name: "slow", Health: func(context.Context, reauth.Request) (*reauth.Health, error) {
		return nil, rateLimited(time.Hour)
	}}
	s := newSweeper(t, registry(t, in))
	ctx, cancel := context.WithCancel(context.Background())
	sweep.SetSleep(s, func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	var got collector
	rep, err := s.Run(ctx, conns(ids("slow", "s", 5)...), got.notify)
	if !errors.Is(err, context.Canceled) || rep.Failed != 0 || rep.Notified != 0 {
		t.Fatalf("%+v, %v; want context.Canceled, nothing failed or sent", rep, err)
	}
}

func TestBadConnections(t *testing.T) {
	boom := errors.New("fake: provider unavailable")
	in := &sweeptest.Inspector{Name: "fake", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		switch req.ConnectionID {
		case "fails":
			return nil, &reauth.APIError{Provider: "fake", StatusCode: 503, Kind: reauth.ErrProviderUnavailable}
		case "nil":
			return nil, nil
		case "":
			return &reauth.Health{Provider: "fake", State: reauth.NeedsReauth}, nil // no id anywhere
		}
		return &reauth.Health{Provider: "fake", ConnectionID: req.ConnectionID, State: reauth.NeedsReauth}, nil
	}}
	plain := reauthtest.NewFake("plain") // a Reauthenticator without Inspect
	s := newSweeper(t, registry(t, in, plain))
	var got collector
	source := func(yield func(sweep.Connection, error) bool) {
		for _, c := range []sweep.Connection{
			{Provider: "nobody", Request: reauth.Request{ConnectionID: "x"}},
			{Request: reauth.Request{ConnectionID: "no-provider"}},
			{Provider: "fake"},
			{Provider: "fake", Request: reauth.Request{Token: "tok-only"}},
			{Provider: "fake", Request: reauth.Request{ConnectionID: "fails"}},
			{Provider: "fake", Request: reauth.Request{ConnectionID: "nil"}},
			{Provider: "plain", Request: reauth.Request{ConnectionID: "p1"}},
			{Provider: "fake", Request: reauth.Request{ConnectionID: "ok"}},
		} {
			if !yield(c, nil) {
				return
			}
		}
		if !yield(sweep.Connection{}, errors.New("db: page 3 unreadable")) {
			return
		}
		yield(sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: "after-error"}}, nil)
	}
	rep, err := s.Run(context.Background(), source, got.notify)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notified != 2 || rep.Failed != 8 || len(rep.Failures) != 8 {
		t.Fatalf("report %+v; want 2 notified (ok, after-error), 8 failed", rep)
	}
	want := map[string]error{
		"x": reauth.ErrUnknownProvider, "no-provider": reauth.ErrMissingInput,
		"fails": reauth.ErrProviderUnavailable, "nil": reauth.ErrInvalidResponse, "p1": reauth.ErrInvalidRequest,
	}
	for _, f := range rep.Failures {
		if w, ok := want[f.ConnectionID]; ok && !errors.Is(f, w) {
			t.Errorf("failure of %q: %v, want %v", f.ConnectionID, f, w)
		}
		if f.ConnectionID == "" && f.Err == nil {
			t.Errorf("failure without error: %+v", f)
		}
	}
	_ = boom

	// Bounded detail.
	s2 := newSweeper(t, registry(t, in), sweep.WithMaxFailures(2))
	rep, _ = s2.Run(context.Background(), conns(ids("nobody", "x", 10)...), got.notify)
	if rep.Failed != 10 || len(rep.Failures) != 2 {
		t.Fatalf("failed %d with %d listed; want 10 with 2", rep.Failed, len(rep.Failures))
	}
}

func TestNotifyErrorIsRetriedNextRun(t *testing.T) {
	in := expiring("fake")
	for _, tc := range []struct {
		name   string
		ledger sweep.Ledger
		resend bool
	}{
		{"releaser", sweep.NewMemoryLedger(sweep.LedgerClock(clock)), true},
		{"claim only", claimOnly{sweep.NewMemoryLedger(sweep.LedgerClock(clock))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSweeper(t, registry(t, in), sweep.WithLedger(tc.ledger))
			var got collector
			got.fail = func(sweep.Notice) error { return errors.New("mail: server down") }
			rep, err := s.Run(context.Background(), conns(ids("fake", "c", 3)...), got.notify)
			if err != nil || rep.Notified != 0 || rep.Failed != 3 {
				t.Fatalf("failing notify: %+v, %v", rep, err)
			}
			got.fail = nil
			rep, _ = s.Run(context.Background(), conns(ids("fake", "c", 3)...), got.notify)
			if resent := rep.Notified == 3; resent != tc.resend {
				t.Fatalf("next run notified %d (already sent %d); want resent = %v", rep.Notified, rep.AlreadySent, tc.resend)
			}
		})
	}
}

// claimOnly hides MemoryLedger's Release.
type claimOnly struct{ l *sweep.MemoryLedger }

func (c claimOnly) Claim(ctx context.Context, key string, until time.Time) (bool, error) {
	return c.l.Claim(ctx, key, until)
}

func TestLeadZeroHold(t *testing.T) {
	var mu sync.Mutex
	at := now
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	in := &sweeptest.Inspector{Name: "fake", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		return &reauth.Health{Provider: "fake", ConnectionID: req.ConnectionID, State: reauth.NeedsReauth, ExpiresAt: now.Add(-day)}, nil
	}}
	s, err := sweep.New(registry(t, in), sweep.WithClock(tick), sweep.WithHold(2*day))
	if err != nil {
		t.Fatal(err)
	}
	var got collector
	c := conns(ids("fake", "c", 1)...)
	for i, want := range []struct {
		advance time.Duration
		sent    int
	}{{0, 1}, {day, 0}, {day + time.Minute, 1}} {
		mu.Lock()
		at = at.Add(want.advance)
		mu.Unlock()
		if r, _ := s.Run(context.Background(), c, got.notify); r.Notified != want.sent {
			t.Fatalf("run %d: notified %d, want %d (an expired connection is reminded once per hold)", i, r.Notified, want.sent)
		}
	}
}

func TestProgress(t *testing.T) {
	in := expiring("fake")
	seen := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var calls []sweep.Report
	s := newSweeper(t, registry(t, in), sweep.WithProgressInterval(time.Millisecond), sweep.WithProgress(func(r sweep.Report) {
		mu.Lock()
		calls = append(calls, r)
		mu.Unlock()
		if r.Notified > 0 {
			once.Do(func() { close(seen) })
		}
	}))
	notify := func(ctx context.Context, n sweep.Notice) error {
		if n.Connection.Request.ConnectionID == "c9" { // hold the last one until progress was reported
			select {
			case <-seen:
			case <-ctx.Done():
			}
		}
		return nil
	}
	cs := ids("fake", "c", 10)
	rep, err := s.Run(context.Background(), conns(cs...), notify)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) < 2 {
		t.Fatalf("%d progress calls, want at least one during the run and the final one", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Inspected < calls[i-1].Inspected {
			t.Fatalf("progress went backwards: %d then %d", calls[i-1].Inspected, calls[i].Inspected)
		}
	}
	if last := calls[len(calls)-1]; last.Notified != rep.Notified || last.Elapsed != rep.Elapsed {
		t.Fatalf("final progress %+v, report %+v", last, rep)
	}
}

func TestFreshTokenAndNoSecrets(t *testing.T) {
	const stale, fresh = "stale-token-9d8e7f6a5b", "fresh-token-1a2b3c4d5e"
	scan := reauthtest.NewLeakScan(stale, fresh)
	var gotToken string
	var mu sync.Mutex
	in := &sweeptest.Inspector{Name: "fake", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		mu.Lock()
		gotToken = req.Token
		mu.Unlock()
		if req.ConnectionID == "bad" {
			return nil, &reauth.APIError{Provider: "fake", StatusCode: 401, Kind: reauth.ErrUnauthorized}
		}
		return &reauth.Health{Provider: "fake", ConnectionID: req.ConnectionID, State: reauth.NeedsReauth}, nil
	}}
	s := newSweeper(t, registry(t, in), sweep.WithLogger(scan.Logger()))
	c := sweep.Connection{Provider: "fake", Subject: "user-1", Request: reauth.Request{ConnectionID: "c1", Token: stale},
		Fresh: func(context.Context) (reauth.Credentials, error) { return reauth.Credentials{AccessToken: fresh}, nil }}
	bad := c
	bad.Request.ConnectionID = "bad"
	var got collector
	rep, err := s.Run(context.Background(), conns(c, bad), got.notify)
	if err != nil || rep.Notified != 1 || rep.Failed != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
	if gotToken != fresh {
		t.Fatal("Inspect did not get the token Fresh returned")
	}
	n := got.notices[0]
	scan.Add(rep, n, &n, n.Connection, &n.Connection, rep.Failures[0], error(rep.Failures[0]))
	for _, verb := range []string{"%d", "%x", "%q", "%t", "%+v"} {
		scan.Add(fmt.Sprintf(verb, n), fmt.Sprintf(verb, n.Connection))
	}
	if scan.Check(t) < 10 {
		t.Fatal("scanned too little")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	reg := registry(t, &sweeptest.Inspector{Name: "fake"})
	for name, opt := range map[string]sweep.Option{
		"lead":        sweep.WithLeads(day, 0),
		"concurrency": sweep.WithConcurrency(0),
		"rate":        sweep.WithRate("fake", 0, 1),
		"ledger":      sweep.WithLedger(nil),
		"interval":    sweep.WithProgressInterval(0),
		"retry after": sweep.WithRetryAfter(-1),
		"hold":        sweep.WithHold(0),
		"retries":     sweep.WithMaxRetries(-1),
		"failures":    sweep.WithMaxFailures(-1),
		"read-ahead":  sweep.WithReadAhead(0),
	} {
		if _, err := sweep.New(reg, opt); err == nil {
			t.Errorf("%s: New accepted a bad option", name)
		}
	}
	if _, err := sweep.New(nil); !errors.Is(err, reauth.ErrInvalidRequest) {
		t.Errorf("New(nil) = %v", err)
	}
	var nilSweeper *sweep.Sweeper
	if _, err := nilSweeper.Run(context.Background(), conns(), func(context.Context, sweep.Notice) error { return nil }); err == nil {
		t.Error("nil Sweeper ran")
	}
	s := newSweeper(t, reg)
	if _, err := s.Run(context.Background(), nil, nil); err == nil {
		t.Error("Run without source or notify succeeded")
	}
	//lint:ignore SA1012 a nil context must be refused, not panic
	if _, err := s.Run(nil, conns(), func(context.Context, sweep.Notice) error { return nil }); err == nil {
		t.Error("Run with a nil context succeeded")
	}
	var nilLedger *sweep.MemoryLedger
	if _, err := nilLedger.Claim(context.Background(), "k", now); err == nil {
		t.Error("nil MemoryLedger claimed")
	}
}

func TestNoticeKey(t *testing.T) {
	a := sweep.NoticeKey("atto", "a:b", day, now)
	b := sweep.NoticeKey("atto:a", "b", day, now)
	if a == b {
		t.Fatalf("keys collide: %s", a)
	}
	if sweep.NoticeKey("atto", "x", day, now) == sweep.NoticeKey("atto", "x", 7*day, now) ||
		sweep.NoticeKey("atto", "x", day, now) == sweep.NoticeKey("atto", "x", day, now.Add(time.Second)) ||
		sweep.NoticeKey("atto", "x", 0, time.Time{}) == sweep.NoticeKey("atto", "x", 0, now) {
		t.Fatal("lead or expiry not in the key")
	}
}

func TestFromHealth(t *testing.T) {
	listErr := errors.New("list: page 2 failed")
	seq := func(yield func(reauth.Health, error) bool) {
		if !yield(reauth.Health{Provider: "fake", ConnectionID: "a", State: reauth.Revoked}, nil) {
			return
		}
		if !yield(reauth.Health{}, listErr) {
			return
		}
		yield(reauth.Health{Provider: "fake", ConnectionID: "b", State: reauth.Healthy}, nil)
	}
	var got []sweep.Connection
	var errs []error
	for c, err := range sweep.FromHealth(seq, sweep.WithSubject(func(h reauth.Health) string { return "user-" + h.ConnectionID })) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, c)
	}
	if len(got) != 2 || len(errs) != 1 || got[0].Subject != "user-a" || got[0].Known == nil || got[0].Known.State != reauth.Revoked ||
		got[1].Request.ConnectionID != "b" || got[0].Known == got[1].Known {
		t.Fatalf("connections %v, errors %v", got, errs)
	}
	for range sweep.FromHealth(seq) {
		break // stops early without panicking
	}
	for range sweep.FromHealth(nil) {
		t.Fatal("nil listing yielded")
	}
}

func TestConcat(t *testing.T) {
	srcErr := errors.New("db: row unreadable")
	a := conns(sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: "a1"}})
	b := func(yield func(sweep.Connection, error) bool) {
		if !yield(sweep.Connection{}, srcErr) {
			return
		}
		yield(sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: "b1"}}, nil)
	}
	var got []string
	for c, err := range sweep.Concat(a, nil, b, a) {
		if err != nil {
			got = append(got, "err")
			continue
		}
		got = append(got, c.Request.ConnectionID)
	}
	if want := []string{"a1", "err", "b1", "a1"}; !slices.Equal(got, want) {
		t.Fatalf("Concat yielded %v, want %v", got, want)
	}
	n := 0
	for range sweep.Concat(a, a) {
		n++
		break // stops early without yielding again
	}
	for range sweep.Concat() {
		t.Fatal("an empty Concat yielded")
	}
	if n != 1 {
		t.Fatalf("yielded %d after break", n)
	}
}

type brokenLedger struct{}

func (brokenLedger) Claim(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("db: connection refused")
}

func TestLedgerErrorIsAFailureNotAnAbort(t *testing.T) {
	s := newSweeper(t, registry(t, expiring("fake")), sweep.WithLedger(brokenLedger{}))
	var got collector
	rep, err := s.Run(context.Background(), conns(ids("fake", "c", 5)...), got.notify)
	if err != nil || rep.Failed != 5 || rep.Inspected != 5 || got.len() != 0 {
		t.Fatalf("%+v, %v; want 5 inspected, 5 failed, nothing sent", rep, err)
	}
}

func TestFreshErrors(t *testing.T) {
	in := expiring("fake")
	s := newSweeper(t, registry(t, in))
	var mu sync.Mutex
	calls := 0
	throttled := sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: "throttled"},
		Fresh: func(context.Context) (reauth.Credentials, error) {
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls == 1 { // the token endpoint is rate limited once
				return reauth.Credentials{}, rateLimited(time.Millisecond)
			}
			return reauth.Credentials{AccessToken: "fresh-access-token"}, nil
		}}
	broken := sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: "broken-refresh"},
		Fresh: func(context.Context) (reauth.Credentials, error) {
			return reauth.Credentials{}, fmt.Errorf("refresh: %w", reauth.ErrReauthRequired)
		}}
	var got collector
	rep, err := s.Run(context.Background(), conns(throttled, broken), got.notify)
	if err != nil || rep.Notified != 1 || rep.Failed != 1 || rep.Paused["fake"] != 1 {
		t.Fatalf("%+v, %v; want the throttled one paused then sent, the broken one failed", rep, err)
	}
	if !errors.Is(rep.Failures[0], reauth.ErrReauthRequired) || rep.Failures[0].ConnectionID != "broken-refresh" {
		t.Fatalf("failure %v", rep.Failures[0])
	}
}

func TestKnownHealthWithoutInspector(t *testing.T) {
	// A provider that cannot inspect one by one is swept from its listing.
	s := newSweeper(t, registry(t, reauthtest.NewFake("lister")))
	var got collector
	list := healths(reauth.Health{Provider: "lister", ConnectionID: "l1", State: reauth.NeedsReauth})
	rep, err := s.Run(context.Background(), sweep.FromHealth(list), got.notify)
	if err != nil || rep.Notified != 1 || rep.Failed != 0 {
		t.Fatalf("%+v, %v", rep, err)
	}
	// Known health of another provider than the connection's is refused.
	bad := sweep.Connection{Provider: "lister", Request: reauth.Request{ConnectionID: "l2"},
		Known: &reauth.Health{Provider: "other", State: reauth.NeedsReauth}}
	rep, _ = s.Run(context.Background(), conns(bad), got.notify)
	if rep.Failed != 1 || !errors.Is(rep.Failures[0], reauth.ErrInvalidRequest) {
		t.Fatalf("%+v", rep)
	}
}
