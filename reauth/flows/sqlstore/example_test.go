package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore"
	"github.com/reauthkit/reauthkit/reauth/sweep"
)

// Open a Store on SQLite (sql.Open("pgx", dsn) and sqlstore.Postgres for a
// shared PostgreSQL), migrate it, and use its ledger: a notice key is
// claimed once, until it is released.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "flows.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	store, err := sqlstore.Open(db, sqlstore.SQLite)
	if err != nil {
		panic(err)
	}
	defer store.Close()
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		panic(err)
	}
	// flows.NewManager(reg, store, ...) keeps flows here; the sweep and
	// token refreshes share the same database:
	ledger := store.Ledger()
	until := time.Now().Add(7 * 24 * time.Hour)
	first, _ := ledger.Claim(ctx, "finch/conn-1/7d", until)
	second, _ := ledger.Claim(ctx, "finch/conn-1/7d", until)
	_ = ledger.(sweep.Releaser).Release(ctx, "finch/conn-1/7d")
	third, _ := ledger.Claim(ctx, "finch/conn-1/7d", until)
	fmt.Println(first, second, third)
	// Output:
	// true false true
}
