package sweeptest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/sweep"
)

// RunLedgerTests checks that a [sweep.Ledger] keeps the sweep's promise:
// a key is claimed once until its until, 64 racing claims have one
// winner, a [sweep.Releaser] gives claims back (so a notice whose notify
// failed is sent by the next Run), and four Sweepers sharing
// the ledger over the same connections send every notice exactly once
// (10,000 connections; 1,000 with -short; see [SharedConnections]). It
// also sweeps bad connections through the ledger: each is reported on its
// own and claims nothing. newLedger returns an empty ledger (or one whose
// keys no earlier test used) for each subtest.
func RunLedgerTests(t *testing.T, newLedger func(t *testing.T) sweep.Ledger, opts ...SuiteOption) {
	cfg := suite{shared: 10_000}
	if testing.Short() {
		cfg.shared = 1_000
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	t.Run("ClaimOnce", func(t *testing.T) { testClaimOnce(t, newLedger(t)) })
	t.Run("ClaimAfterUntil", func(t *testing.T) { testClaimAfterUntil(t, newLedger(t)) })
	t.Run("RacingClaims", func(t *testing.T) { testRacingClaims(t, newLedger(t)) })
	t.Run("Release", func(t *testing.T) { testRelease(t, newLedger(t)) })
	t.Run("FailedNoticeRetried", func(t *testing.T) { testFailedNoticeRetried(t, newLedger(t)) })
	t.Run("BadConnections", func(t *testing.T) { testBadConnections(t, newLedger(t)) })
	t.Run("SharedSweepers", func(t *testing.T) { CheckSharedSweepers(t, newLedger(t), cfg.shared) })
}

// SuiteOption configures [RunLedgerTests].
type SuiteOption func(*suite)

type suite struct{ shared int }

// SharedConnections sets how many connections the four sharing Sweepers
// sweep (default 10,000; 1,000 with -short), e.g. fewer for a slow ledger
// under the race detector; n below 1 is ignored.
func SharedConnections(n int) SuiteOption {
	return func(s *suite) {
		if n > 0 {
			s.shared = n
		}
	}
}

// uniq makes keys that no earlier run of the suite used, for ledgers
// that persist between runs.
func uniq(name string) string {
	return "sweeptest:" + name + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func claim(t *testing.T, l sweep.Ledger, key string, until time.Time) bool {
	t.Helper()
	ok, err := l.Claim(context.Background(), key, until)
	if err != nil {
		t.Fatalf("Claim(%q): %v", key, err)
	}
	return ok
}

func testClaimOnce(t *testing.T, l sweep.Ledger) {
	key, other := uniq("once"), uniq("once-other")
	until := time.Now().Add(time.Hour)
	if !claim(t, l, key, until) {
		t.Fatal("first Claim of a new key = false, want true")
	}
	if claim(t, l, key, until) {
		t.Fatal("second Claim before until = true, want false")
	}
	if !claim(t, l, other, until) {
		t.Fatal("Claim of another key = false, want true")
	}
}

func testClaimAfterUntil(t *testing.T, l sweep.Ledger) {
	key := uniq("after")
	past := time.Now().Add(-time.Minute)
	if !claim(t, l, key, past) {
		t.Fatal("first Claim = false, want true")
	}
	if !claim(t, l, key, time.Now().Add(time.Hour)) {
		t.Fatal("Claim after the previous claim's until = false, want true")
	}
	if claim(t, l, key, time.Now().Add(time.Hour)) {
		t.Fatal("Claim during the renewed claim = true, want false")
	}
}

func testRacingClaims(t *testing.T, l sweep.Ledger) {
	key := uniq("race")
	until := time.Now().Add(time.Hour)
	var wins atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			ok, err := l.Claim(context.Background(), key, until)
			if err != nil {
				errs <- err
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Claim: %v", err)
	}
	if w := wins.Load(); w != 1 {
		t.Fatalf("64 racing Claims: %d won, want exactly 1", w)
	}
}

func testRelease(t *testing.T, l sweep.Ledger) {
	rel, ok := l.(sweep.Releaser)
	if !ok {
		t.Skip("the ledger is not a sweep.Releaser")
	}
	ctx := context.Background()
	key := uniq("release")
	until := time.Now().Add(time.Hour)
	claim(t, l, key, until)
	if err := rel.Release(ctx, key); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if !claim(t, l, key, until) {
		t.Fatal("Claim after Release = false, want true")
	}
	if err := rel.Release(ctx, uniq("never-claimed")); err != nil {
		t.Fatalf("Release of a key never claimed: %v", err)
	}
}

// population makes a registry of one fake provider holding n connections,
// all due one notice: every tenth needs re-auth (Lead 0), the others
// expire within 5 days (Lead 7 days). It returns the registry and the
// connections as a sweep source.
func population(n int) (*reauth.Registry, func(yield func(sweep.Connection, error) bool)) {
	now := time.Now()
	run := strconv.FormatInt(now.UnixNano(), 36) // fresh ids for persistent ledgers
	in := &Inspector{Name: "sweeptest", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		i, err := strconv.Atoi(req.ConnectionID[len(run)+1:])
		if err != nil {
			return nil, fmt.Errorf("sweeptest: bad connection id: %w", reauth.ErrNotFound)
		}
		h := &reauth.Health{Provider: "sweeptest", ConnectionID: req.ConnectionID, State: reauth.ExpiringSoon}
		if i%10 == 0 {
			h.State = reauth.NeedsReauth
		} else {
			h.ExpiresAt = now.Add(time.Duration(1+i%5) * 24 * time.Hour).Truncate(time.Second)
		}
		return h, nil
	}}
	reg, _ := reauth.NewRegistry(in)
	return reg, func(yield func(sweep.Connection, error) bool) {
		for i := range n {
			c := sweep.Connection{Provider: "sweeptest", Request: reauth.Request{ConnectionID: run + "-" + strconv.Itoa(i)}}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// CheckSharedSweepers runs four Sweepers at once, sharing l, over the same
// n connections (each due one notice), then a fifth: it fails t unless
// every notice was sent exactly once and the rerun sent nothing. A
// benchmark can call it to measure a ledger at a size tests avoid.
func CheckSharedSweepers(t testing.TB, l sweep.Ledger, n int) {
	t.Helper()
	reg, conns := population(n)
	var mu sync.Mutex
	sent := make(map[string]int, n)
	notify := func(_ context.Context, nt sweep.Notice) error {
		mu.Lock()
		sent[nt.Key()]++
		mu.Unlock()
		return nil
	}
	reports := make([]sweep.Report, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range reports {
		s, err := sweep.New(reg, sweep.WithLedger(l), sweep.WithConcurrency(8))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { reports[i], errs[i] = s.Run(context.Background(), conns, notify) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Run: %v", err)
	}
	notified, already := 0, 0
	for i, r := range reports {
		if r.Failed != 0 || r.Inspected != n {
			t.Errorf("sweeper %d: inspected %d, failed %d (%v); want %d, 0", i, r.Inspected, r.Failed, r.Failures, n)
		}
		notified += r.Notified
		already += r.AlreadySent
	}
	dups := 0
	for key, c := range sent {
		if c != 1 {
			dups++
			if dups <= 5 {
				t.Errorf("notice %s sent %d times", key, c)
			}
		}
	}
	if dups > 0 || len(sent) != n || notified != n || already != 3*n {
		t.Fatalf("4 sweepers over %d connections: %d notices, %d distinct, %d duplicated, %d already sent; want %d, %d, 0, %d",
			n, notified, len(sent), dups, already, n, n, 3*n)
	}

	// A rerun finds every notice claimed.
	s, err := sweep.New(reg, sweep.WithLedger(l))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Run(context.Background(), conns, notify)
	if err != nil || r.Notified != 0 || r.AlreadySent != n {
		t.Fatalf("rerun: notified %d, already sent %d, err %v; want 0, %d, nil", r.Notified, r.AlreadySent, err, n)
	}
}

func testFailedNoticeRetried(t *testing.T, l sweep.Ledger) {
	if _, ok := l.(sweep.Releaser); !ok {
		t.Skip("the ledger is not a sweep.Releaser: a failed notice waits for its claim to end")
	}
	reg, conns := population(20)
	s, err := sweep.New(reg, sweep.WithLedger(l))
	if err != nil {
		t.Fatal(err)
	}
	down := func(context.Context, sweep.Notice) error { return errors.New("sweeptest: mail server down") }
	r, err := s.Run(context.Background(), conns, down)
	if err != nil || r.Failed != 20 || r.Notified != 0 {
		t.Fatalf("run with failing notify: %+v, %v; want 20 failed", r, err)
	}
	up := func(context.Context, sweep.Notice) error { return nil }
	r, err = s.Run(context.Background(), conns, up)
	if err != nil || r.Notified != 20 {
		t.Fatalf("next run: notified %d (already sent %d), err %v; want all 20 retried", r.Notified, r.AlreadySent, err)
	}
}

// testBadConnections sweeps, through l, a connection of an unknown
// provider, one without an id and one whose Inspect fails beside good
// ones: each bad one is a Failure of its own, the good ones are notified,
// and the failed Inspect claimed nothing, so once the provider answers the
// next Run notifies it.
func testBadConnections(t *testing.T, l sweep.Ledger) {
	run := uniq("bad")
	var down atomic.Bool
	down.Store(true)
	in := &Inspector{Name: "sweeptest", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		if req.ConnectionID == run+"-fails" && down.Load() {
			return nil, &reauth.APIError{Provider: "sweeptest", StatusCode: 503, Kind: reauth.ErrProviderUnavailable}
		}
		return &reauth.Health{Provider: "sweeptest", ConnectionID: req.ConnectionID, State: reauth.NeedsReauth}, nil
	}}
	reg, err := reauth.NewRegistry(in)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.New(reg, sweep.WithLedger(l))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]error{
		run + "-unknown": reauth.ErrUnknownProvider,
		"":               reauth.ErrMissingInput,
		run + "-fails":   reauth.ErrProviderUnavailable,
	}
	conns := func(yield func(sweep.Connection, error) bool) {
		for _, c := range []sweep.Connection{
			{Provider: "nobody", Request: reauth.Request{ConnectionID: run + "-unknown"}},
			{Provider: "sweeptest"},
			{Provider: "sweeptest", Request: reauth.Request{ConnectionID: run + "-fails"}},
			{Provider: "sweeptest", Request: reauth.Request{ConnectionID: run + "-a"}},
			{Provider: "sweeptest", Request: reauth.Request{ConnectionID: run + "-b"}},
		} {
			if !yield(c, nil) {
				return
			}
		}
	}
	notify := func(context.Context, sweep.Notice) error { return nil }
	r, err := s.Run(context.Background(), conns, notify)
	if err != nil || r.Notified != 2 || r.Failed != 3 || len(r.Failures) != 3 {
		t.Fatalf("first run: %+v, %v; want 2 notified, 3 failed", r, err)
	}
	for _, f := range r.Failures {
		if w, ok := want[f.ConnectionID]; !ok || !errors.Is(f, w) {
			t.Errorf("failure %v: want one per bad connection, wrapping %v", f, w)
		}
	}
	down.Store(false)
	r, err = s.Run(context.Background(), conns, notify)
	if err != nil || r.Notified != 1 || r.AlreadySent != 2 || r.Failed != 2 {
		t.Fatalf("second run: %+v, %v; want the recovered connection notified, 2 already sent, 2 failed", r, err)
	}
}
