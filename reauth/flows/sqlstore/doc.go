// Package sqlstore keeps re-authentication flows ([flows.Store]), the
// expiry sweep's ledger ([sweep.Ledger], also a [sweep.Releaser]) and
// token-refresh locks ([reauth.Locker]) in a SQL database through
// database/sql: PostgreSQL through github.com/jackc/pgx/v5/stdlib for
// several instances, SQLite through modernc.org/sqlite (pure Go) for one
// node.
//
//	db, err := sql.Open("pgx", dsn) // or sql.Open("sqlite", "flows.db")
//	store, err := sqlstore.Open(db, sqlstore.Postgres)
//	err = store.Migrate(ctx) // idempotent
//	m, err := flows.NewManager(reg, store, flows.WithSealer(sealer))
//
// A claim is one atomic UPDATE … RETURNING, so one instance wins however
// many race; the ledger and the locks are one INSERT … ON CONFLICT …
// RETURNING each. Times are stored as Unix nanoseconds read from the
// Store's clock (WithClock), the same on both databases.
//
// For SQLite, Open holds one connection of the pool for all the Store's
// statements (SQLite has one writer at a time) with WAL journaling, a busy
// timeout (WithBusyTimeout, default 5 s) for other processes' locks, and
// synchronous=NORMAL: a commit survives an application crash, and a power
// loss may roll back the last ones.
//
// WithTable names the tables, so several applications or test runs can
// share one database.
package sqlstore
