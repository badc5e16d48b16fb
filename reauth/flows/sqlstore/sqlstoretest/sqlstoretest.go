// Package sqlstoretest opens migrated sqlstore Stores for tests: SQLite in
// a temporary directory, and PostgreSQL from the DSN in
// REAUTHKIT_TEST_POSTGRES with tables of its own, so parallel tests and
// packages sharing one server never collide. Without a DSN the PostgreSQL
// tests skip, saying how to run them; REAUTHKIT_REQUIRE_POSTGRES=1 makes a
// missing DSN fail them instead (CI sets it).
package sqlstoretest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore"
)

// DB is a migrated Store and where its rows live.
type DB struct {
	Store *sqlstore.Store
	DB    *sql.DB
	Table string // the flow table
	File  string // SQLite: the database file
}

// SQLite opens a Store on a fresh SQLite file; everything is closed when
// the test ends.
func SQLite(t testing.TB, opts ...sqlstore.Option) DB {
	t.Helper()
	file := filepath.Join(t.TempDir(), "flows.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	d := open(t, db, sqlstore.SQLite, "reauth_flows", opts)
	d.File = file
	return d
}

var seq atomic.Int64

// Postgres opens a Store on the server in REAUTHKIT_TEST_POSTGRES, with
// tables named for this test alone (dropped when it ends) and a pool of 16
// connections.
func Postgres(t testing.TB, opts ...sqlstore.Option) DB {
	t.Helper()
	dsn := os.Getenv("REAUTHKIT_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("REAUTHKIT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("REAUTHKIT_REQUIRE_POSTGRES=1 but REAUTHKIT_TEST_POSTGRES holds no DSN")
		}
		t.Skip("PostgreSQL tests skipped: set REAUTHKIT_TEST_POSTGRES=postgres://user@127.0.0.1:5432/db?sslmode=disable to run them")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	// Sized like a service's pool, so racing goroutines reuse connections.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	table := fmt.Sprintf("flows_t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	t.Cleanup(func() {
		for _, sfx := range []string{"", "_ledger", "_locks"} {
			_, _ = db.Exec("DROP TABLE IF EXISTS " + table + sfx)
		}
		_ = db.Close()
	})
	return open(t, db, sqlstore.Postgres, table, opts)
}

func open(t testing.TB, db *sql.DB, d sqlstore.Dialect, table string, opts []sqlstore.Option) DB {
	t.Helper()
	s, err := sqlstore.Open(db, d, append([]sqlstore.Option{sqlstore.WithTable(table)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // Migrate is idempotent
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = s.Close() })
	return DB{Store: s, DB: db, Table: table}
}
