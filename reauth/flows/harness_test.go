package flows_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

const redirectURI = "https://app.example/callback"

// storeKinds are the stores every Manager rule runs on; postgres skips
// without REAUTHKIT_TEST_POSTGRES.
var storeKinds = []string{"memory", "sqlite", "postgres"}

// sqlFile remembers where a test's SQLite store lives, to scan its bytes.
type storeInfo struct {
	store flows.Store
	file  string  // SQLite: the database file
	db    *sql.DB // SQL stores: the database
	table string  // SQL stores: the flow table
}

var tableSeq atomic.Int64

func newStore(t testing.TB, kind string) storeInfo {
	t.Helper()
	switch kind {
	case "memory":
		return storeInfo{store: flows.NewMemoryStore()}
	case "sqlite":
		file := filepath.Join(t.TempDir(), "flows.db")
		db, err := sql.Open("sqlite", file)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return storeInfo{store: openSQL(t, db, sqlstore.SQLite, "reauth_flows"), file: file, db: db, table: "reauth_flows"}
	case "postgres":
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
		table := fmt.Sprintf("flows_t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, tableSeq.Add(1))
		t.Cleanup(func() {
			for _, sfx := range []string{"", "_ledger", "_locks"} {
				_, _ = db.Exec("DROP TABLE IF EXISTS " + table + sfx)
			}
			_ = db.Close()
		})
		return storeInfo{store: openSQL(t, db, sqlstore.Postgres, table), db: db, table: table}
	}
	t.Fatalf("unknown store %q", kind)
	return storeInfo{}
}

func openSQL(t testing.TB, db *sql.DB, d sqlstore.Dialect, table string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(db, d, sqlstore.WithTable(table))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// trueLayerEnv is a simulated TrueLayer with one connection to repair.
type trueLayerEnv struct {
	srv  *truelayertest.Server
	reg  *reauth.Registry
	req  reauth.Request
	conn truelayertest.Connection
}

func newTrueLayer(t testing.TB) *trueLayerEnv {
	t.Helper()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	conn := srv.Connect(redirectURI)
	srv.ExpireConsent(conn.CredentialsID, 24*time.Hour)
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	return &trueLayerEnv{srv: srv, reg: registry(t, c), conn: conn,
		req: reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI}}
}

// exchanges counts code exchanges at the simulated TrueLayer.
func (e *trueLayerEnv) exchanges() int { return e.srv.Count(truelayertest.RouteToken) }

func registry(t testing.TB, rs ...reauth.Reauthenticator) *reauth.Registry {
	t.Helper()
	reg, err := reauth.NewRegistry(rs...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func newFinch(t testing.TB) (*finchtest.Server, *reauth.Registry, reauth.Request) {
	t.Helper()
	srv := finchtest.NewServer()
	t.Cleanup(srv.Close)
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)
	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return srv, registry(t, c), reauth.Request{Token: conn.AccessToken, RedirectURI: redirectURI}
}

func newAtto(t testing.TB) (*attotest.Server, *reauth.Registry, reauth.Request) {
	t.Helper()
	srv := attotest.NewServer()
	t.Cleanup(srv.Close)
	id := srv.NewConsent(attotest.StatusExpired)
	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))
	if err != nil {
		t.Fatal(err)
	}
	return srv, registry(t, c), reauth.Request{ConnectionID: id, RedirectURI: redirectURI}
}

func newYapily(t testing.TB) (*yapilytest.Server, *reauth.Registry, yapilytest.Consent) {
	t.Helper()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return srv, registry(t, c), consent
}

func newMono(t testing.TB) (*monotest.Server, *reauth.Registry) {
	t.Helper()
	srv := monotest.NewServer()
	t.Cleanup(srv.Close)
	c, err := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, mono.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return srv, registry(t, c)
}

func newManager(t testing.TB, reg *reauth.Registry, s flows.Store, opts ...flows.Option) *flows.Manager {
	t.Helper()
	m, err := flows.NewManager(reg, s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// app serves a Manager's callback handler over real HTTP.
type app struct {
	*httptest.Server
	client *http.Client
}

func newApp(t testing.TB, m *flows.Manager, opts ...func(*http.ServeMux)) *app {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/callback", m.CallbackHandler(nil, nil))
	for _, o := range opts {
		o(mux)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &app{Server: srv, client: &http.Client{Timeout: time.Minute}}
}

// callback delivers the provider's callback query to the app, as the user's
// browser would, optionally with a header (a subject) and cookies.
func (a *app) callback(t testing.TB, q url.Values, header http.Header, cookies ...*http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+"/callback?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// begin starts a flow on m and fails the test on error.
func begin(t testing.TB, m *flows.Manager, subject string, p reauth.Provider, req reauth.Request) (string, *reauth.Flow) {
	t.Helper()
	key, flow, err := m.Begin(context.Background(), subject, p, req)
	if err != nil {
		t.Fatal(err)
	}
	return key, flow
}

func record(t testing.TB, s flows.Store, key string) flows.Record {
	t.Helper()
	rec, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
