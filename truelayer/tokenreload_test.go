package truelayer_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// valid is conn's pair as just issued: its access token works for most of
// an hour.
func valid(conn truelayertest.Connection) reauth.Credentials {
	return reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(50 * time.Minute)}
}

// accounts makes the application's data call through hc and returns the
// status.
func accounts(t *testing.T, hc *http.Client, srv *truelayertest.Server) int {
	t.Helper()
	resp, err := hc.Get(srv.APIURL() + "/data/v1/accounts")
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

// reauthenticate runs the user's re-authentication of conn and returns
// the new pair (the old access token is refused from now on).
func reauthenticate(t *testing.T, c *truelayer.Client, srv *truelayertest.Server, conn truelayertest.Connection) reauth.Credentials {
	t.Helper()
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	return done.Result.Credentials
}

// After a re-authentication stored a new pair, Invalidate makes the next
// Token take it from the store: no hour of 401s, and no refresh.
func TestTokenSourceInvalidateAfterReauth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: valid(conn)}
	ts := c.TokenSource(valid(conn), truelayer.WithTokenStore(store.load, store.save))
	hc := &http.Client{Transport: &oauth2.Transport{Source: ts.OAuth2(ctx)}}
	t.Cleanup(hc.CloseIdleConnections)
	require.Equal(t, http.StatusOK, accounts(t, hc, srv))

	pair := reauthenticate(t, c, srv, conn)
	require.NoError(t, store.save(ctx, pair))
	assert.Equal(t, http.StatusUnauthorized, accounts(t, hc, srv), "the old access token is refused")
	ts.Invalidate()
	tok, err := ts.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, pair.AccessToken, tok.AccessToken, "the stored pair, not the refused one")
	assert.Equal(t, http.StatusOK, accounts(t, hc, srv))
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken), "only the code exchange: no refresh")
}

// Another instance refreshed: TrueLayer refuses this instance's access
// token. Told so (by Transport itself, or by Notify through Invalidate),
// the source takes the pair the other instance stored.
func TestTokenSourcePicksUpAnotherInstancesPair(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, client := range map[string]func(*truelayer.TokenSource) *http.Client{
		"Transport drops the refused token": func(ts *truelayer.TokenSource) *http.Client {
			return &http.Client{Transport: ts.Transport(&http.Transport{})}
		},
		"oauth2.Transport, Notify invalidates": func(ts *truelayer.TokenSource) *http.Client {
			notify := func(_ *http.Request, err error) {
				if errors.Is(err, truelayer.ErrAccessTokenExpired) {
					ts.Invalidate()
				}
			}
			return &http.Client{Transport: &oauth2.Transport{Source: ts.OAuth2(ctx),
				Base: &reauth.Transport{Base: &http.Transport{}, Check: truelayer.CheckResponse, Notify: notify}}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := truelayertest.NewServer()
			t.Cleanup(srv.Close)
			a, b := clientFor(t, srv), clientFor(t, srv)
			conn := srv.Connect(redirectURI)
			store := &memStore{tok: valid(conn)}
			opt := truelayer.WithTokenStore(store.load, store.save)
			hc := client(a.TokenSource(valid(conn), opt))
			t.Cleanup(hc.CloseIdleConnections)
			require.Equal(t, http.StatusOK, accounts(t, hc, srv))

			// b refreshes (with a longer skew, the pair is due for it) and saves.
			_, err := b.TokenSource(valid(conn), opt, truelayer.WithTokenSkew(time.Hour)).Token(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, srv.Count(truelayertest.RouteToken))

			assert.Equal(t, http.StatusUnauthorized, accounts(t, hc, srv), "a's access token was replaced")
			assert.Equal(t, http.StatusOK, accounts(t, hc, srv), "the refused token was dropped, the stored pair used")
			assert.Equal(t, http.StatusOK, accounts(t, hc, srv))
			assert.Equal(t, 1, srv.Count(truelayertest.RouteToken), "a took b's pair: no second refresh")
		})
	}
}

// When the store holds the refused token too (no store, or nobody stored
// anything newer), Invalidate leads to a refresh.
func TestTokenSourceInvalidateRefreshesWhenNothingNewer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: valid(conn)}
	for _, opts := range [][]truelayer.TokenOption{nil, {truelayer.WithTokenStore(store.load, store.save)}} {
		ts := c.TokenSource(valid(conn), opts...)
		before, err := ts.Token(ctx)
		require.NoError(t, err)
		ts.Invalidate()
		after, err := ts.Token(ctx)
		require.NoError(t, err)
		assert.NotEqual(t, before.AccessToken, after.AccessToken)
		conn, _ = srv.Lookup(conn.CredentialsID)
		assert.Equal(t, conn.AccessToken, after.AccessToken)
		store.tok = valid(conn)
	}
	assert.Equal(t, 2, srv.Count(truelayertest.RouteToken))
	var nilTS *truelayer.TokenSource
	nilTS.Invalidate() // no panic
}

// Two instances without a shared Locker both refresh; the loser's refresh
// token is refused before the winner saved. The loser must wait for the
// winner's pair, never report ErrReauthRequired.
func TestTokenSourceLoserWaitsForTheWinnersSave(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	winner, loser := clientFor(t, srv), clientFor(t, srv) // each with its own default lock
	conn := srv.Connect(redirectURI)
	store := &memStore{tok: expired(conn)}

	refreshed := make(chan struct{}) // the winner has its new pair, unsaved
	reloaded := make(chan struct{})  // the loser reloaded after its refusal
	slowSave := func(ctx context.Context, tok reauth.Credentials) error {
		close(refreshed)
		select {
		case <-reloaded:
		case <-ctx.Done():
			return ctx.Err()
		}
		return store.save(ctx, tok)
	}
	loads := 0
	countedLoad := func(ctx context.Context) (reauth.Credentials, error) {
		if loads++; loads == 2 {
			defer close(reloaded)
		}
		return store.load(ctx)
	}

	won := make(chan reauth.Credentials, 1)
	go func() {
		tok, err := winner.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, slowSave)).Token(ctx)
		assert.NoError(t, err)
		won <- tok
	}()
	<-refreshed
	tok, err := loser.TokenSource(expired(conn), truelayer.WithTokenStore(countedLoad, store.save),
		truelayer.WithStoreWait(30*time.Second)).Token(ctx) // generous: found as soon as the winner saves
	require.NoError(t, err, "a newer pair was about to land in the store")
	assert.Equal(t, <-won, tok)
	assert.Equal(t, 2, srv.Count(truelayertest.RouteToken), "the winner's refresh and the loser's refused one")
	assert.Greater(t, loads, 2, "the loser kept reloading")
}

// A plain invalid_grant (the consent lapsed) is still ErrReauthRequired,
// after reloading for the store wait.
func TestTokenSourceInvalidGrantAfterStoreWait(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := lapsed(srv)
	store := &memStore{tok: expired(conn)}
	loads := 0
	load := func(ctx context.Context) (reauth.Credentials, error) { loads++; return store.load(ctx) }
	_, err := c.TokenSource(expired(conn), truelayer.WithTokenStore(load, store.save),
		truelayer.WithStoreWait(100*time.Millisecond)).Token(context.Background())
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	assert.NotErrorIs(t, err, truelayer.ErrRefreshLost)
	assert.Greater(t, loads, 2, "reloaded more than once before giving up")
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken))

	// A cancelled ctx ends the wait with TrueLayer's answer.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.TokenSource(expired(conn), truelayer.WithTokenStore(store.load, store.save)).Token(ctx)
	require.Error(t, err)
}

func TestLocalLocker(t *testing.T) {
	t.Parallel()
	var l truelayer.LocalLocker // the zero value works
	unlock, err := l.Lock(context.Background(), "k", time.Minute)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = l.Lock(ctx, "k", time.Minute)
	require.ErrorIs(t, err, context.DeadlineExceeded, "held")
	other, err := l.Lock(context.Background(), "other", time.Minute)
	require.NoError(t, err, "keys are independent")
	other()
	unlock()
	unlock() // twice is harmless
	again, err := l.Lock(context.Background(), "k", time.Minute)
	require.NoError(t, err)
	again()
	var nilLocker *truelayer.LocalLocker
	_, err = nilLocker.Lock(context.Background(), "k", time.Minute)
	require.Error(t, err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A refusal of a token the source has already replaced drops nothing: the
// next call uses the replacement, with no second refresh.
func TestTokenSourceTransportLateRefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	ts := c.TokenSource(valid(conn))
	first := true
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if first { // while this call is in flight, the source moves on
			first = false
			ts.Invalidate()
			_, err := ts.Token(r.Context())
			require.NoError(t, err)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	hc := &http.Client{Transport: ts.Transport(base)}
	assert.Equal(t, http.StatusUnauthorized, accounts(t, hc, srv), "sent with the token just replaced")
	assert.Equal(t, http.StatusOK, accounts(t, hc, srv))
	assert.Equal(t, 1, srv.Count(truelayertest.RouteToken), "the late refusal did not drop the new token")

	// The caller's request is not modified.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.APIURL()+"/data/v1/accounts", nil)
	require.NoError(t, err)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, req.Header.Get("Authorization"))
}

func TestTokenSourceTransportErrors(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := lapsed(srv)
	_, err := c.TokenSource(expired(conn)).Transport(nil).RoundTrip(nil)
	require.Error(t, err)

	// No token: the request is not sent, and the error says why.
	hc := &http.Client{Transport: c.TokenSource(expired(conn)).Transport(nil)}
	before := len(srv.Requests())
	_, err = hc.Get(srv.APIURL() + "/data/v1/accounts")
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	assert.Len(t, srv.Requests(), before+1, "only the refused refresh")

	var nilTS *truelayer.TokenSource
	_, err = (&http.Client{Transport: nilTS.Transport(nil)}).Get(srv.APIURL() + "/data/v1/accounts")
	require.Error(t, err)
}
