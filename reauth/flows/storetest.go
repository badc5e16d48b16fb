package flows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// RunStoreTests runs the shared store suite against stores made by
// newStore, one fresh, empty store per subtest: create and get, ErrExists,
// ErrNotFound from every method, 64 goroutines racing to claim one record
// (exactly one wins, the rest get ErrClaimed), a lease that runs out
// (failed, reauth.ErrFlowExpired, never claimed again), expiry, FindOpen's
// newest open record, Update releasing a claim, and DeleteExpired. Stores
// must run on the real clock: the suite waits a few milliseconds for leases
// to run out. Use it for your own Store.
func RunStoreTests(t *testing.T, newStore func() Store) {
	t.Helper()
	for _, tc := range storeTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore()
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tc.run(t, s)
		})
	}
}

var storeTests = []struct {
	name string
	run  func(*testing.T, Store)
}{
	{"CreateGet", testCreateGet},
	{"Exists", testExists},
	{"NotFound", testNotFound},
	{"InvalidInput", testInvalidInput},
	{"ClaimRace", testClaimRace},
	{"ClaimStates", testClaimStates},
	{"LeaseRunsOut", testLeaseRunsOut},
	{"Expired", testExpired},
	{"FindOpen", testFindOpen},
	{"DeleteExpired", testDeleteExpired},
}

func sampleRecord(key string) Record {
	return Record{Key: key, Subject: "user-1", Provider: reauth.Finch, ConnectionID: "conn-1",
		CallbackID: "cb-1", Status: StatusOpen, Data: []byte(`{"sealed":"\x00\xff bytes"}`),
		ExpiresAt: time.Now().Add(time.Hour).Round(time.Microsecond), UpdatedAt: time.Now().Round(time.Microsecond)}
}

func mustCreate(t *testing.T, s Store, rec Record) {
	t.Helper()
	if err := s.Create(context.Background(), rec); err != nil {
		t.Fatalf("Create(%s): %v", rec.Key, err)
	}
}

func mustGet(t *testing.T, s Store, key string) Record {
	t.Helper()
	rec, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return rec
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func sameTime(a, b time.Time) bool {
	return a.Sub(b).Abs() <= time.Microsecond
}

func testCreateGet(t *testing.T, s Store) {
	want := sampleRecord("k-create")
	mustCreate(t, s, want)
	got := mustGet(t, s, want.Key)
	if got.Key != want.Key || got.Subject != want.Subject || got.Provider != want.Provider ||
		got.ConnectionID != want.ConnectionID || got.CallbackID != want.CallbackID ||
		got.Status != want.Status || !bytes.Equal(got.Data, want.Data) || !sameTime(got.ExpiresAt, want.ExpiresAt) {
		t.Fatalf("Get returned %#v, want %#v (data %q vs %q)", got, want, got.Data, want.Data)
	}
	got.Data[0] = 'X' // the store must hand out copies
	if again := mustGet(t, s, want.Key); !bytes.Equal(again.Data, want.Data) {
		t.Fatal("changing a returned record's Data changed the stored one")
	}
	ctx := context.Background()
	if err := s.Update(ctx, want.Key, []byte("next"), StatusDone, want.ExpiresAt.Add(time.Hour)); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got = mustGet(t, s, want.Key)
	if got.Status != StatusDone || string(got.Data) != "next" || !sameTime(got.ExpiresAt, want.ExpiresAt.Add(time.Hour)) {
		t.Fatalf("after Update: %#v", got)
	}
	if err := s.Delete(ctx, want.Key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := s.Get(ctx, want.Key)
	wantErr(t, "Get after Delete", err, ErrNotFound)
}

func testExists(t *testing.T, s Store) {
	rec := sampleRecord("k-exists")
	mustCreate(t, s, rec)
	other := rec
	other.Data = []byte("other")
	wantErr(t, "second Create", s.Create(context.Background(), other), ErrExists)
	if got := mustGet(t, s, rec.Key); !bytes.Equal(got.Data, rec.Data) {
		t.Fatal("a refused Create changed the stored record")
	}
}

func testNotFound(t *testing.T, s Store) {
	ctx := context.Background()
	_, err := s.Get(ctx, "missing")
	wantErr(t, "Get", err, ErrNotFound)
	_, err = s.Claim(ctx, "missing", time.Minute)
	wantErr(t, "Claim", err, ErrNotFound)
	wantErr(t, "Update", s.Update(ctx, "missing", nil, StatusOpen, time.Now().Add(time.Hour)), ErrNotFound)
	wantErr(t, "Delete", s.Delete(ctx, "missing"), ErrNotFound)
	_, err = s.FindOpen(ctx, reauth.Atto, "missing")
	wantErr(t, "FindOpen", err, ErrNotFound)
	_, err = s.FindOpen(ctx, reauth.Atto, "")
	wantErr(t, "FindOpen with an empty id", err, ErrNotFound)
}

func testInvalidInput(t *testing.T, s Store) {
	ctx := context.Background()
	rec := sampleRecord("")
	wantErr(t, "Create without a key", s.Create(ctx, rec), reauth.ErrMissingInput)
	rec = sampleRecord("k-invalid")
	rec.Provider = ""
	wantErr(t, "Create without a provider", s.Create(ctx, rec), reauth.ErrMissingInput)
	_, err := s.Get(ctx, "")
	wantErr(t, "Get without a key", err, reauth.ErrMissingInput)
	_, err = s.Claim(ctx, "", time.Minute)
	wantErr(t, "Claim without a key", err, reauth.ErrMissingInput)
}

func testClaimRace(t *testing.T, s Store) {
	rec := sampleRecord("k-race")
	mustCreate(t, s, rec)
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.Claim(context.Background(), rec.Key, time.Minute)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrClaimed):
			t.Errorf("a losing claim returned %v, want ErrClaimed", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent claims won, want exactly 1", won, n)
	}
	if got := mustGet(t, s, rec.Key); got.Status != StatusClaimed || !got.ClaimedUntil.After(time.Now()) {
		t.Fatalf("after the race: %#v", got)
	}
}

func testClaimStates(t *testing.T, s Store) {
	ctx := context.Background()
	rec := sampleRecord("k-states")
	mustCreate(t, s, rec)
	got, err := s.Claim(ctx, rec.Key, time.Minute)
	if err != nil || got.Status != StatusClaimed || !bytes.Equal(got.Data, rec.Data) {
		t.Fatalf("Claim: %#v, %v", got, err)
	}
	_, err = s.Claim(ctx, rec.Key, time.Minute)
	wantErr(t, "second Claim", err, ErrClaimed)
	// Update releases the claim.
	if err := s.Update(ctx, rec.Key, rec.Data, StatusOpen, rec.ExpiresAt); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := mustGet(t, s, rec.Key); got.Status != StatusOpen {
		t.Fatalf("after Update to open: %#v", got)
	}
	if _, err := s.Claim(ctx, rec.Key, time.Minute); err != nil {
		t.Fatalf("Claim after release: %v", err)
	}
	for _, st := range []Status{StatusDone, StatusFailed} {
		if err := s.Update(ctx, rec.Key, []byte(st), st, rec.ExpiresAt); err != nil {
			t.Fatalf("Update to %s: %v", st, err)
		}
		got, err := s.Claim(ctx, rec.Key, time.Minute)
		if err != nil || got.Status != st || string(got.Data) != string(st) {
			t.Fatalf("Claim of a %s record: %#v, %v; want it unchanged", st, got, err)
		}
		if again := mustGet(t, s, rec.Key); again.Status != st {
			t.Fatalf("Claim changed a %s record to %s", st, again.Status)
		}
	}
}

func testLeaseRunsOut(t *testing.T, s Store) {
	ctx := context.Background()
	rec := sampleRecord("k-lease")
	mustCreate(t, s, rec)
	if _, err := s.Claim(ctx, rec.Key, time.Millisecond); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	_, err := s.Claim(ctx, rec.Key, time.Minute)
	wantErr(t, "Claim after the lease ran out", err, reauth.ErrFlowExpired)
	if got := mustGet(t, s, rec.Key); got.Status != StatusFailed {
		t.Fatalf("after the lease ran out: status %s, want failed", got.Status)
	}
	got, err := s.Claim(ctx, rec.Key, time.Minute)
	if err != nil || got.Status != StatusFailed {
		t.Fatalf("Claim of the failed record: %#v, %v", got, err)
	}
}

func testExpired(t *testing.T, s Store) {
	ctx := context.Background()
	rec := sampleRecord("k-expired")
	rec.ExpiresAt = time.Now().Add(-time.Second)
	mustCreate(t, s, rec)
	_, err := s.Claim(ctx, rec.Key, time.Minute)
	wantErr(t, "Claim of an expired record", err, reauth.ErrFlowExpired)
	if got := mustGet(t, s, rec.Key); got.Status != StatusFailed {
		t.Fatalf("expired record after Claim: status %s, want failed", got.Status)
	}
}

func testFindOpen(t *testing.T, s Store) {
	ctx := context.Background()
	for i, st := range []Status{StatusOpen, StatusOpen, StatusDone} {
		rec := sampleRecord(fmt.Sprintf("k-find-%d", i))
		rec.Provider, rec.CallbackID, rec.Status = reauth.Atto, "consent-1", st
		mustCreate(t, s, rec)
		time.Sleep(2 * time.Millisecond) // distinct creation order on coarse clocks
	}
	expired := sampleRecord("k-find-expired")
	expired.Provider, expired.CallbackID, expired.ExpiresAt = reauth.Atto, "consent-1", time.Now().Add(-time.Second)
	mustCreate(t, s, expired)
	got, err := s.FindOpen(ctx, reauth.Atto, "consent-1")
	if err != nil || got.Key != "k-find-1" {
		t.Fatalf("FindOpen: %v, %v; want the newest open record k-find-1", got.Key, err)
	}
	if _, err := s.Claim(ctx, "k-find-1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err = s.FindOpen(ctx, reauth.Atto, "consent-1"); err != nil || got.Key != "k-find-0" {
		t.Fatalf("FindOpen with the newest claimed: %v, %v; want k-find-0", got.Key, err)
	}
	_, err = s.FindOpen(ctx, reauth.Yapily, "consent-1")
	wantErr(t, "FindOpen of another provider", err, ErrNotFound)
}

func testDeleteExpired(t *testing.T, s Store) {
	ctx := context.Background()
	now := time.Now()
	keep := sampleRecord("k-keep")
	old := sampleRecord("k-old")
	old.ExpiresAt = now.Add(-time.Minute)
	oldDone := sampleRecord("k-old-done")
	oldDone.ExpiresAt, oldDone.Status = now.Add(-time.Minute), StatusDone
	// A claimed record past its expiry whose lease still runs is kept: its
	// holder is about to store a result. One whose lease ran out is not.
	held := sampleRecord("k-held")
	held.Status, held.ClaimedUntil, held.ExpiresAt = StatusClaimed, now.Add(time.Hour), now.Add(-time.Minute)
	heldOut := sampleRecord("k-held-out")
	heldOut.Status, heldOut.ClaimedUntil, heldOut.ExpiresAt = StatusClaimed, now.Add(-time.Second), now.Add(-time.Minute)
	for _, r := range []Record{keep, old, oldDone, held, heldOut} {
		mustCreate(t, s, r)
	}
	n, err := s.DeleteExpired(ctx, now)
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpired: %d, %v; want 3", n, err)
	}
	mustGet(t, s, keep.Key)
	mustGet(t, s, held.Key)
	for _, k := range []string{old.Key, oldDone.Key, heldOut.Key} {
		_, err := s.Get(ctx, k)
		wantErr(t, "Get of a deleted record", err, ErrNotFound)
	}
	if n, err := s.DeleteExpired(ctx, now); err != nil || n != 0 {
		t.Fatalf("second DeleteExpired: %d, %v; want 0", n, err)
	}
}
