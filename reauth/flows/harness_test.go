package flows_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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
	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore/sqlstoretest"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

const redirectURI = "https://app.example/callback"

// storeKinds are the stores every Manager rule runs on; postgres skips
// without REAUTHKIT_TEST_POSTGRES.
var storeKinds = []string{"memory", "sqlite", "postgres"}

// storeInfo is a test's store and, for SQL stores, where to read its raw
// contents.
type storeInfo struct {
	store flows.Store
	file  string  // SQLite: the database file
	db    *sql.DB // SQL stores: the database
	table string  // SQL stores: the flow table
}

// eachStore runs a parallel subtest per store kind.
func eachStore(t *testing.T, run func(*testing.T, storeInfo)) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			run(t, newStore(t, kind))
		})
	}
}

func newStore(t testing.TB, kind string) storeInfo {
	t.Helper()
	var d sqlstoretest.DB
	switch kind {
	case "memory":
		return storeInfo{store: flows.NewMemoryStore()}
	case "sqlite":
		d = sqlstoretest.SQLite(t)
	case "postgres":
		d = sqlstoretest.Postgres(t)
	default:
		t.Fatalf("unknown store %q", kind)
	}
	return storeInfo{store: d.Store, file: d.File, db: d.DB, table: d.Table}
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

// approved begins a flow on m and plays the user approving it at the bank:
// the key and the callback query.
func (e *trueLayerEnv) approved(t testing.TB, m *flows.Manager) (string, url.Values) {
	t.Helper()
	key, flow := begin(t, m, "", reauth.TrueLayer, e.req)
	cb, err := e.srv.Approve(context.Background(), flow.URL)
	if err != nil {
		t.Fatal(err)
	}
	return key, cb
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
