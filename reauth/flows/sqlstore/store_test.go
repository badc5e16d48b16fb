package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth/flows"
	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore"
	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore/sqlstoretest"
	"github.com/reauthkit/reauthkit/reauth/sweep"
)

func openSQLite(t testing.TB) *sqlstore.Store   { return sqlstoretest.SQLite(t).Store }
func openPostgres(t testing.TB) *sqlstore.Store { return sqlstoretest.Postgres(t).Store }

func TestSQLiteStore(t *testing.T) {
	t.Parallel()
	flows.RunStoreTests(t, func() flows.Store { return openSQLite(t) })
}

func TestPostgresStore(t *testing.T) {
	t.Parallel()
	openPostgres(t) // skips without a server
	flows.RunStoreTests(t, func() flows.Store { return openPostgres(t) })
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() { errs <- s.Migrate(context.Background()) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

var stores = map[string]func(testing.TB) *sqlstore.Store{"sqlite": openSQLite, "postgres": openPostgres}

// Four instances claim the same 10,000 keys: each key is claimed once.
func TestLedgerClaimsEachKeyOnce(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			led := open(t).Ledger()
			keys, instances := 10000, 4
			if testing.Short() {
				keys = 1000
			}
			until := time.Now().Add(time.Hour)
			won := make([]atomic.Int32, keys)
			var wg sync.WaitGroup
			for i := range instances {
				wg.Go(func() {
					for k := range keys {
						key := (k + i*keys/instances) % keys // instances start at different keys
						ok, err := led.Claim(context.Background(), fmt.Sprintf("notice-%d", key), until)
						if err != nil {
							t.Error(err)
							return
						}
						if ok {
							won[key].Add(1)
						}
					}
				})
			}
			wg.Wait()
			for k := range won {
				if n := won[k].Load(); n != 1 {
					t.Fatalf("key %d claimed %d times, want exactly once", k, n)
				}
			}
		})
	}
}

func TestLedgerReleaseAndExpiry(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			led := open(t).Ledger()
			claim := func(key string, until time.Time) bool {
				t.Helper()
				ok, err := led.Claim(ctx, key, until)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			later := time.Now().Add(time.Hour)
			if !claim("a", later) || claim("a", later) {
				t.Fatal("want the first claim only")
			}
			if err := led.(sweep.Releaser).Release(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if !claim("a", later) {
				t.Fatal("a released key must be claimable again")
			}
			if !claim("b", time.Now().Add(-time.Second)) || !claim("b", later) {
				t.Fatal("a claim whose until passed must be claimable again")
			}
			if _, err := led.Claim(ctx, "", later); err == nil {
				t.Fatal("an empty key must be refused")
			}
		})
	}
}

// Locks: one holder per key across "instances" (two Stores on one
// database), until unlock or ttl.
func TestLocker(t *testing.T) {
	t.Parallel()
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			lk := s.Locker()
			var holders, maxHolders, total atomic.Int32
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					unlock, err := lk.Lock(ctx, "conn-1", time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					n := holders.Add(1)
					for {
						m := maxHolders.Load()
						if n <= m || maxHolders.CompareAndSwap(m, n) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					total.Add(1)
					holders.Add(-1)
					unlock()
					unlock() // a second call is harmless
				})
			}
			wg.Wait()
			if maxHolders.Load() != 1 || total.Load() != 16 {
				t.Fatalf("max concurrent holders %d (want 1), locks taken %d (want 16)", maxHolders.Load(), total.Load())
			}
			// A holder that never unlocks loses the key after ttl.
			ctx := context.Background()
			if _, err := lk.Lock(ctx, "conn-2", 20*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			unlock, err := lk.Lock(wctx, "conn-2", time.Minute)
			if err != nil {
				t.Fatalf("the key must be free after the first holder's ttl: %v", err)
			}
			unlock()
			// Lock gives up when ctx ends.
			if _, err := lk.Lock(ctx, "conn-3", time.Hour); err != nil {
				t.Fatal(err)
			}
			short, cancel2 := context.WithTimeout(ctx, 30*time.Millisecond)
			defer cancel2()
			if _, err := lk.Lock(short, "conn-3", time.Minute); err == nil {
				t.Fatal("Lock of a held key must end with ctx")
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := sqlstore.Open(nil, sqlstore.SQLite); err == nil {
		t.Error("nil db accepted")
	}
	if _, err := sqlstore.Open(db, "mysql"); err == nil {
		t.Error("unknown dialect accepted")
	}
	if _, err := sqlstore.Open(db, sqlstore.SQLite, sqlstore.WithTable("x; DROP TABLE y")); err == nil {
		t.Error("unsafe table name accepted")
	}
	var s *sqlstore.Store
	if _, err := s.Get(context.Background(), "k"); err == nil {
		t.Error("nil store: want an error")
	}
}
