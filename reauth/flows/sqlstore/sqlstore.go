package sqlstore

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/reauthkit/reauthkit/reauth/flows"
)

// Dialect is the SQL database a [Store] talks to.
type Dialect string

// The supported dialects.
const (
	// Postgres: PostgreSQL through github.com/jackc/pgx/v5/stdlib
	// (sql.Open("pgx", dsn)); what several instances share.
	Postgres Dialect = "postgres"
	// SQLite: modernc.org/sqlite (sql.Open("sqlite", path)), pure Go; the
	// single-node default that needs no server.
	SQLite Dialect = "sqlite"
)

// Store is a [flows.Store] on database/sql, with a [sweep.Ledger] and a
// [reauth.Locker] in tables beside it. It is safe for concurrent use by
// goroutines and by instances sharing the database.
type Store struct {
	db      *sql.DB
	dialect Dialect
	table   string
	now     func() time.Time
	busy    time.Duration
	q       queries
	// SQLite: the connection every statement uses, set up by Open, and
	// the semaphore that hands it to one statement at a time.
	conn   *sql.Conn
	writer chan struct{}
}

// Option configures a [Store].
type Option func(*Store) error

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,39}$`)

// WithTable names the flow table (default "reauth_flows"); the ledger and
// lock tables are named after it with "_ledger" and "_locks". Letters,
// digits and underscores, at most 40. Give each application, or each test,
// its own name to keep them apart in one database.
func WithTable(name string) Option {
	return func(s *Store) error {
		if !identifier.MatchString(name) {
			return fmt.Errorf("sqlstore: table name %q: letters, digits and underscores only, at most 40", name)
		}
		s.table = name
		return nil
	}
}

// WithClock sets the clock claims, leases and expiry read (default
// time.Now). Instances sharing a database should keep their clocks in sync.
func WithClock(now func() time.Time) Option {
	return func(s *Store) error {
		if now == nil {
			return errors.New("sqlstore: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithBusyTimeout sets how long a SQLite statement waits for a lock held by
// another connection (default 5 s); PostgreSQL ignores it.
func WithBusyTimeout(d time.Duration) Option {
	return func(s *Store) error {
		if d < 0 {
			return errors.New("sqlstore: negative busy timeout")
		}
		s.busy = d
		return nil
	}
}

// Open returns a Store on db. For SQLite it holds one connection of db's
// pool for all its statements (Close gives it back), with WAL journaling,
// a busy timeout and synchronous=NORMAL set on it; it works with a pool of
// one connection too. Open creates no table: call Migrate.
func Open(db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil db")
	}
	if dialect != Postgres && dialect != SQLite {
		return nil, fmt.Errorf("sqlstore: unknown dialect %q", dialect)
	}
	s := &Store{db: db, dialect: dialect, table: "reauth_flows", now: time.Now, busy: 5 * time.Second}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.q = newQueries(dialect, s.table)
	if dialect == SQLite {
		if err := s.setUpSQLite(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// setUpSQLite takes one connection from the pool and sets it up: WAL
// journaling (kept in the file), the busy timeout (how long a statement
// waits for another process's lock) and synchronous=NORMAL (in WAL mode a
// commit survives an application crash without an fsync each; a power loss
// may roll back the last commits).
func (s *Store) setUpSQLite() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.busy+10*time.Second)
	defer cancel()
	c, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: sqlite: %w", err)
	}
	for _, p := range []string{"PRAGMA busy_timeout = " + strconv.FormatInt(s.busy.Milliseconds(), 10),
		"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"} {
		if _, err := c.ExecContext(ctx, p); err != nil {
			_ = c.Close()
			return fmt.Errorf("sqlstore: sqlite: %s: %w", p, err)
		}
	}
	s.conn, s.writer = c, make(chan struct{}, 1)
	return nil
}

// Close gives back the connection a SQLite Store holds (PostgreSQL holds
// none); it does not close the *sql.DB.
func (s *Store) Close() error {
	if s == nil || s.conn == nil {
		return nil
	}
	return s.conn.Close()
}

var _ flows.Store = (*Store)(nil)

// String names the dialect and table.
func (s *Store) String() string {
	if s == nil {
		return "sqlstore.Store(nil)"
	}
	return fmt.Sprintf("sqlstore.Store{dialect: %s, table: %s}", s.dialect, s.table)
}

// Format prints String under every verb, so the *sql.DB it holds (whose
// connector may know a password) is never printed.
func (s *Store) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// Migrate creates the tables and indexes when missing; it is idempotent and
// safe to run from several instances at once.
func (s *Store) Migrate(ctx context.Context) error {
	if s == nil {
		return errNil
	}
	if s.conn != nil {
		for _, stmt := range s.q.schema {
			if err := s.exec(ctx, stmt); err != nil {
				return fmt.Errorf("sqlstore: migrate: %w", err)
			}
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// Concurrent CREATE ... IF NOT EXISTS can still collide in PostgreSQL's
	// catalog: one migration at a time per table.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "reauthkit:"+s.table); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	for _, stmt := range s.q.schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

var errNil = errors.New("sqlstore: nil store")

func (s *Store) exec(ctx context.Context, q string, args ...any) error {
	_, err := s.execN(ctx, q, args...)
	return err
}

func (s *Store) execN(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := s.run(ctx, func(db execer) error {
		res, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// run runs fn on the Store's database: for PostgreSQL the pool; for
// SQLite the one connection Open set up, one statement at a time in this
// process (SQLite has one writer at a time anyway).
func (s *Store) run(ctx context.Context, fn func(execer) error) error {
	if s.conn == nil {
		return fn(s.db)
	}
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writer }()
	return fn(s.conn)
}

// execer is what *sql.DB and *sql.Conn share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func toNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func randomID() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// queries are the statements of one dialect and table.
type queries struct {
	schema                                                []string
	create, get, findOpen, claim, update, del, delExpired string
	ledgerClaim, ledgerRelease, lock, unlock              string
}

func newQueries(d Dialect, t string) queries {
	blob := "BYTEA"
	if d == SQLite {
		blob = "BLOB"
	}
	cols := "id, subject, provider, connection_id, callback_id, status, data, expires_at, claimed_until, updated_at"
	// Claimable: open and unexpired → claimed; open and expired, or claimed
	// with its lease run out → failed. One statement, so one winner.
	claimable := "(status = 'open' OR (status = 'claimed' AND claimed_until <= $2))"
	fresh := "(status = 'open' AND (expires_at = 0 OR expires_at > $2))"
	q := queries{
		schema: []string{
			`CREATE TABLE IF NOT EXISTS ` + t + ` (
	id TEXT PRIMARY KEY,
	subject TEXT NOT NULL,
	provider TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	callback_id TEXT NOT NULL,
	status TEXT NOT NULL,
	data ` + blob + ` NOT NULL,
	expires_at BIGINT NOT NULL,
	claimed_until BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
)`,
			`CREATE INDEX IF NOT EXISTS ` + t + `_callback ON ` + t + ` (provider, callback_id, created_at) WHERE status = 'open'`,
			`CREATE INDEX IF NOT EXISTS ` + t + `_expires ON ` + t + ` (expires_at)`,
			`CREATE TABLE IF NOT EXISTS ` + t + `_ledger (id TEXT PRIMARY KEY, hold_until BIGINT NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS ` + t + `_locks (id TEXT PRIMARY KEY, holder TEXT NOT NULL, hold_until BIGINT NOT NULL)`,
		},
		create: `INSERT INTO ` + t + ` (` + cols + `, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
		get:    `SELECT ` + cols + ` FROM ` + t + ` WHERE id = $1`,
		findOpen: `SELECT ` + cols + ` FROM ` + t + ` WHERE provider = $1 AND callback_id = $2 AND status = 'open'
	AND (expires_at = 0 OR expires_at > $3) ORDER BY created_at DESC, id DESC LIMIT 1`,
		claim: `UPDATE ` + t + ` SET
	status = CASE WHEN ` + fresh + ` THEN 'claimed' ELSE 'failed' END,
	claimed_until = CASE WHEN ` + fresh + ` THEN $3 ELSE claimed_until END,
	updated_at = $2
WHERE id = $1 AND ` + claimable + `
RETURNING ` + cols,
		update:     `UPDATE ` + t + ` SET data = $2, status = $3, expires_at = $4, claimed_until = 0, updated_at = $5 WHERE id = $1`,
		del:        `DELETE FROM ` + t + ` WHERE id = $1`,
		delExpired: `DELETE FROM ` + t + ` WHERE expires_at <> 0 AND expires_at < $1 AND (status <> 'claimed' OR claimed_until <= $2)`,
		ledgerClaim: `INSERT INTO ` + t + `_ledger AS l (id, hold_until) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET hold_until = excluded.hold_until WHERE l.hold_until <= $3
RETURNING id`,
		ledgerRelease: `DELETE FROM ` + t + `_ledger WHERE id = $1`,
		lock: `INSERT INTO ` + t + `_locks AS l (id, holder, hold_until) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, hold_until = excluded.hold_until WHERE l.hold_until <= $4
RETURNING holder`,
		unlock: `DELETE FROM ` + t + `_locks WHERE id = $1 AND holder = $2`,
	}
	if d == SQLite {
		// SQLite numbers parameters ?N; the statements are otherwise the same.
		for _, p := range []*string{&q.create, &q.get, &q.findOpen, &q.claim, &q.update, &q.del,
			&q.delExpired, &q.ledgerClaim, &q.ledgerRelease, &q.lock, &q.unlock} {
			*p = strings.ReplaceAll(*p, "$", "?")
		}
	}
	return q
}
