package truelayer_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// expired is conn's pair as the application stored it, access token past
// its expiry.
func expired(conn truelayertest.Connection) reauth.Credentials {
	return reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(-time.Minute)}
}

// memStore is a shared token row; lag makes the first loads return the
// pair it held before (a replica behind).
type memStore struct {
	mu    sync.Mutex
	tok   reauth.Credentials
	old   reauth.Credentials
	lag   int
	saves int
}

func (m *memStore) load(context.Context) (reauth.Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lag > 0 {
		m.lag--
		return m.old, nil
	}
	return m.tok, nil
}

func (m *memStore) save(_ context.Context, t reauth.Credentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = t
	m.saves++
	return nil
}

func (m *memStore) get() reauth.Credentials { m.mu.Lock(); defer m.mu.Unlock(); return m.tok }

// concurrently runs n calls of ts.Token and returns their access tokens.
func concurrently(t *testing.T, n int, sources ...*truelayer.TokenSource) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ts := sources[i%len(sources)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := ts.Token(context.Background())
			assert.NoError(t, err)
			mu.Lock()
			got[tok.AccessToken]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

func TestTokenSourceOneRefreshFor64Callers(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	ts := c.TokenSource(expired(conn))
	got := concurrently(t, 64, ts)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken), "exactly one refresh")
	require.Len(t, got, 1)
	now, _ := srv.Lookup(conn.CredentialsID)
	assert.Equal(t, 64, got[now.AccessToken])
	// Fresh now: no further refresh.
	_, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken))
}

// Two instances (two Clients: their default locks are their own) given one
// Locker and one store make one refresh.
func TestTokenSourceTwoInstancesShareLockerAndStore(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	a, b := clientFor(t, srv), clientFor(t, srv) // two instances
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: expired(conn)}
	locker := &truelayer.LocalLocker{} // across processes: a database-backed Locker
	opts := []truelayer.TokenOption{truelayer.WithTokenStore(store.load, store.save), truelayer.WithLocker(locker), truelayer.WithTokenKey(conn.CredentialsID)}
	got := concurrently(t, 64, a.TokenSource(expired(conn), opts...), b.TokenSource(expired(conn), opts...))
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken), "one refresh in total")
	assert.Len(t, got, 1)
	assert.Equal(t, 1, store.saves)
	assert.Equal(t, 64, got[store.get().AccessToken])
}

// staleInstance: instance a refreshes and saves; instance b, whose first
// load still sees the old pair (its lock expired, or a replica lags),
// refreshes the spent token with fault injected on that refresh. b must
// end with a's pair, never ErrReauthRequired. It returns the refreshes
// TrueLayer saw.
func staleInstance(t *testing.T, fault *sim.Fault) int {
	t.Helper()
	ctx := context.Background()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	a, b := clientFor(t, srv), clientFor(t, srv)
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: expired(conn), old: expired(conn)}
	tokA, err := a.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, store.save)).Token(ctx)
	require.NoError(t, err)
	store.lag = 1
	if fault != nil {
		srv.Inject(truelayertest.RouteToken, 1, *fault)
	}
	tokB, err := b.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, store.save)).Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, tokA, tokB)
	return srv.Count(truelayertest.RouteToken)
}

// b's refresh meets invalid_grant; the reload finds a's newer pair.
func TestTokenSourceInvalidGrantWithNewerPairInStore(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 2, staleInstance(t, nil), "a's refresh, b's refused one")
}

// What the SDK can and cannot do about a lost refresh answer.
func TestTokenSourceDroppedRefreshAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("dropped before TrueLayer acted: the retry refreshes", func(t *testing.T) {
		t.Parallel()
		c, srv := simClient(t)
		conn := srv.Connect(redirectURI)
		store := &memStore{tok: expired(conn)}
		srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultDropBeforeRead})
		tok, err := c.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, store.save)).Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, store.get(), tok)
	})
	t.Run("dropped after rotation, newer pair in the store: no ErrReauthRequired", func(t *testing.T) {
		t.Parallel()
		staleInstance(t, &sim.Fault{Kind: sim.FaultDropAfterRead})
	})
	t.Run("dropped after rotation, nobody has the pair: ErrRefreshLost", func(t *testing.T) {
		t.Parallel()
		c, srv := simClient(t)
		conn := srv.Connect(redirectURI)
		store := &memStore{tok: expired(conn)}
		srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultDropAfterRead})
		_, err := c.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, store.save)).Token(ctx)
		require.ErrorIs(t, err, truelayer.ErrRefreshLost)
		assert.ErrorIs(t, err, reauth.ErrReauthRequired, "the spent pair cannot come back: only a re-auth helps")
		assert.Equal(t, conn.RefreshToken, store.get().RefreshToken, "the store keeps the last good pair")
		assert.Equal(t, 2, srv.Count(truelayertest.RouteToken), "sent, then retried once with the reloaded pair")
	})
}

func TestTokenSourceOAuth2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	hc := oauth2.NewClient(context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: &http.Transport{}}), c.TokenSource(expired(conn)).OAuth2(ctx))
	t.Cleanup(hc.CloseIdleConnections)
	for range 3 {
		resp, err := hc.Get(srv.URL + "/data/v1/accounts")
		require.NoError(t, err)
		require.NoError(t, truelayer.CheckResponse(resp))
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken))
}

func TestTokenSourceOptionsAndNil(t *testing.T) {
	t.Parallel()
	c, _ := simClient(t)
	ts := c.TokenSource(reauth.Credentials{}, truelayer.WithTokenStore(nil, nil), truelayer.WithLocker(nil), truelayer.WithTokenKey(""), truelayer.WithTokenSkew(-1), nil)
	_, err := ts.Token(context.Background())
	require.Error(t, err)
	for _, s := range []string{"WithTokenStore", "WithLocker", "WithTokenKey", "WithTokenSkew", "option 4 is nil"} {
		assert.Contains(t, err.Error(), s)
	}
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	var nilClient *truelayer.Client
	_, err = nilClient.TokenSource(reauth.Credentials{RefreshToken: "rt-secret"}).Token(context.Background())
	require.Error(t, err)
	var nilTS *truelayer.TokenSource
	_, err = nilTS.Token(context.Background())
	require.Error(t, err)
	_, err = nilTS.OAuth2(context.Background()).Token()
	require.Error(t, err)
}

// A token within the skew of expiry is replaced; outside it is kept.
func TestTokenSourceSkew(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	soon := reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(3 * time.Minute)}
	tok, err := c.TokenSource(soon, truelayer.WithTokenSkew(time.Minute)).Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, conn.AccessToken, tok.AccessToken)
	tok, err = c.TokenSource(soon, truelayer.WithTokenSkew(5*time.Minute)).Token(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, conn.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken))
}

// A pair whose save failed is kept and saved on the next call, never
// refreshed again (its refresh token is the only valid one).
func TestTokenSourceSaveFailureRetried(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: expired(conn)}
	fail := true
	save := func(ctx context.Context, tok reauth.Credentials) error {
		if fail {
			return errors.New("database down")
		}
		return store.save(ctx, tok)
	}
	ts := c.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, save))
	_, err := ts.Token(context.Background())
	require.ErrorContains(t, err, "database down")
	fail = false
	tok, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, store.get(), tok)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken))
}

// A caller that hangs up while the refresh is on its way (a data call whose
// client went away) does not lose the rotated pair: the refresh finishes
// under the lock and the pair is saved.
func TestTokenSourceCallerHangingUpKeepsTheRotatedPair(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: expired(conn)}
	srv.Inject(truelayertest.RouteToken, 1, sim.Fault{Kind: sim.FaultDelay, Delay: 300 * time.Millisecond})
	ts := c.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, store.save))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _ = ts.Token(ctx)
	require.NotEqual(t, conn.RefreshToken, store.get().RefreshToken, "the rotated pair reached the store")
	tok, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, store.get(), tok)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken), "one refresh")
}
