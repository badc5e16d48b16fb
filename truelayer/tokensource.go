package truelayer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// DefaultTokenSkew is how long before its expiry a TokenSource replaces an
// access token.
const DefaultTokenSkew = time.Minute

// tokenLockTTL is how long a refresh may hold the connection's lock before
// another instance may take it: a refresh with its retries ends well before.
const tokenLockTTL = 2 * time.Minute

// DefaultStoreWait is how long a TokenSource keeps reloading its store for
// a newer pair after TrueLayer refused its refresh token (invalid_grant):
// another instance that won the refresh may not have saved yet.
const DefaultStoreWait = 2 * time.Second

// The first and the longest pause between those reloads.
const (
	storePollFirst = 25 * time.Millisecond
	storePollMax   = 400 * time.Millisecond
)

// ErrRefreshLost is wrapped by a TokenSource's error when a refresh reached
// TrueLayer but its answer never came back, and TrueLayer then refused the
// old refresh token (invalid_grant): TrueLayer rotated the pair and the new
// one is lost. Nobody can recover it, so the error also wraps
// reauth.ErrReauthRequired; it is returned only after the store (when
// given) was reloaded and held no newer pair.
var ErrRefreshLost = errors.New("truelayer: a refresh reached TrueLayer but its answer was lost, and the old refresh token is spent")

// TokenOption configures a [TokenSource]. An option that returns an error
// makes every Token call fail with it.
type TokenOption func(*tokenConfig) error

type tokenConfig struct {
	load   func(context.Context) (reauth.Credentials, error)
	save   func(context.Context, reauth.Credentials) error
	locker reauth.Locker
	key    string
	skew   time.Duration
	wait   time.Duration
}

// WithTokenStore makes the source load the latest pair after taking the
// lock (another instance may have refreshed it) and save every new pair
// before handing it out. Store the access and refresh token together,
// atomically: they rotate as one.
func WithTokenStore(load func(context.Context) (reauth.Credentials, error), save func(context.Context, reauth.Credentials) error) TokenOption {
	return func(c *tokenConfig) error {
		if load == nil || save == nil {
			return errors.New("WithTokenStore: nil load or save")
		}
		c.load, c.save = load, save
		return nil
	}
}

// WithLocker serialises refreshes of one connection across every instance
// sharing l: a database-backed Locker across processes, one [LocalLocker]
// in one process. Only a Locker shared by every TokenSource of the
// connection makes one refresh per connection. Without it, the
// TokenSources of one Client share that Client's own lock, and instances
// (or Clients) refresh independently: two of them may both refresh, the
// loser's refresh token is refused, and the loser then takes the winner's
// pair from the store ([WithStoreWait]) rather than report
// reauth.ErrReauthRequired.
func WithLocker(l reauth.Locker) TokenOption {
	return func(c *tokenConfig) error {
		if l == nil {
			return errors.New("WithLocker: nil Locker")
		}
		c.locker = l
		return nil
	}
}

// WithTokenKey sets the lock key, normally the connection id. The default
// is derived from the client id and the initial pair (hashed, never the
// token itself): pass the connection id when instances may start from
// different pairs of one connection.
func WithTokenKey(connectionID string) TokenOption {
	return func(c *tokenConfig) error {
		if connectionID == "" {
			return errors.New("WithTokenKey: empty key")
		}
		c.key = connectionID
		return nil
	}
}

// WithTokenSkew sets how long before expiry the access token is replaced
// (default [DefaultTokenSkew]).
func WithTokenSkew(d time.Duration) TokenOption {
	return nonNegative("WithTokenSkew", d, func(c *tokenConfig) { c.skew = d })
}

// WithStoreWait sets how long, after TrueLayer refused the refresh token
// (invalid_grant), the source keeps reloading the store for a newer pair
// that another instance is about to save (default [DefaultStoreWait]; 0
// reloads once). ctx bounds it too. It delays an ErrReauthRequired that no
// newer pair answers by at most d. Without a store it has no effect.
func WithStoreWait(d time.Duration) TokenOption {
	return nonNegative("WithStoreWait", d, func(c *tokenConfig) { c.wait = d })
}

// nonNegative is a duration option that refuses d < 0.
func nonNegative(name string, d time.Duration, set func(*tokenConfig)) TokenOption {
	return func(c *tokenConfig) error {
		if d < 0 {
			return fmt.Errorf("%s: negative duration %s", name, d)
		}
		set(c)
		return nil
	}
}

// TokenSource hands out a connection's access token and refreshes the
// rotating pair when needed: when the access token has expired, is within
// the skew of expiry, or has no known expiry. At most one refresh per
// source is in flight; with a shared [WithLocker], one per connection
// across instances. After taking the lock it reloads the pair from the
// store ([WithTokenStore]) and uses it if another instance refreshed it;
// every new pair is saved before it is returned.
//
// Like oauth2.ReuseTokenSource, it keeps the access token in memory until
// it is due and does not read the store on every Token: a load per call
// would put the database on the path of every data call. So a pair
// replaced elsewhere (a re-authentication, another instance's refresh) is
// noticed when TrueLayer refuses the access token in memory: [Transport]
// notices by itself; with [TokenSource.OAuth2], call [TokenSource.Invalidate]
// when a data call's error wraps [ErrAccessTokenExpired] (from
// reauth.Transport's Notify). The next Token then reloads the store and
// uses its pair, or refreshes when the store holds the refused token too.
// The instance that stored a re-authentication's pair calls Invalidate
// right away.
//
// A refresh whose answer is lost (network error after sending, or a 5xx)
// is retried once with the reloaded pair. invalid_grant is reported as
// reauth.ErrReauthRequired only when the store, reloaded for up to
// [WithStoreWait], holds no newer pair; if the lost attempt had rotated the
// pair, the error wraps [ErrRefreshLost].
//
// A TokenSource is safe for concurrent use. Printing or logging it shows no
// token.
type TokenSource struct {
	st *tokenState // behind a pointer: printing the value shows no token
}

type tokenState struct {
	c      *Client
	key    string
	skew   time.Duration
	locker reauth.Locker
	load   func(context.Context) (reauth.Credentials, error)
	save   func(context.Context, reauth.Credentials) error
	wait   time.Duration
	err    error

	refreshing chan struct{} // one refresh in flight per source

	mu      sync.Mutex
	cur     reauth.Credentials
	unsaved bool   // cur came from a refresh whose save failed
	refused string // an access token TrueLayer refused: never handed out again
}

// TokenSource returns a source for the connection whose current pair is
// tok. Invalid options make every Token call fail.
func (c *Client) TokenSource(tok reauth.Credentials, opts ...TokenOption) *TokenSource {
	cfg := tokenConfig{skew: DefaultTokenSkew, wait: DefaultStoreWait}
	b := httpx.NewBuilderFor(provider, "token source")
	httpx.Apply(b, &cfg, opts...)
	st := &tokenState{c: c, skew: cfg.skew, locker: cfg.locker, load: cfg.load, save: cfg.save, wait: cfg.wait, cur: tok, refreshing: make(chan struct{}, 1)}
	switch {
	case c.ready() != nil:
		st.err = c.ready()
	case b.Err() != nil:
		st.err = b.Err()
	}
	if st.locker == nil && c != nil {
		st.locker = c.locks
	}
	st.key = "truelayer:" + cfg.key
	if cfg.key == "" {
		id := ""
		if c != nil {
			id = c.creds.ClientID
		}
		sum := sha256.Sum256([]byte(id + "\x00" + tok.RefreshToken + "\x00" + tok.AccessToken))
		st.key = "truelayer:pair:" + hex.EncodeToString(sum[:16])
	}
	return &TokenSource{st: st}
}

// Token returns a pair whose access token is valid for at least the skew,
// refreshing first when needed.
func (s *TokenSource) Token(ctx context.Context) (reauth.Credentials, error) {
	if s == nil || s.st == nil {
		return reauth.Credentials{}, errors.New("truelayer: nil TokenSource: create it with Client.TokenSource")
	}
	st := s.st
	if st.err != nil {
		return reauth.Credentials{}, st.err
	}
	if tok, ok := st.usable(); ok {
		return tok, nil
	}
	select {
	case st.refreshing <- struct{}{}:
	case <-ctx.Done():
		return reauth.Credentials{}, fmt.Errorf("truelayer: waiting for a token refresh: %w", ctx.Err())
	}
	defer func() { <-st.refreshing }()
	if tok, ok := st.usable(); ok { // another caller just refreshed
		return tok, nil
	}
	unlock, err := st.locker.Lock(ctx, st.key, tokenLockTTL)
	if err != nil {
		return reauth.Credentials{}, fmt.Errorf("truelayer: taking the token lock: %w", err)
	}
	defer unlock()
	// Once the lock is held the refresh runs to its end whatever the
	// caller's ctx does (a data call whose client hung up): TrueLayer may
	// already have rotated the pair, and the new one must reach the store,
	// or the connection would be lost. The lock's ttl bounds it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenLockTTL)
	defer cancel()
	return st.refresh(rctx)
}

// Invalidate tells the source that TrueLayer refused its access token (a
// data call answered 401 invalid_token, [ErrAccessTokenExpired]), for
// example because a re-authentication or another instance replaced the
// pair. The next Token reloads the store and uses the stored pair when its
// access token is another one, or refreshes. Call it from
// reauth.Transport's Notify when using [TokenSource.OAuth2], and after
// storing a re-authentication's pair; [Transport] calls it by itself.
// Safe on a nil source.
func (s *TokenSource) Invalidate() {
	if s != nil && s.st != nil {
		s.st.invalidate("")
	}
}

// invalidate marks the current access token refused, when it is
// accessToken ("" for any): a late refusal of a token already replaced
// changes nothing.
func (st *tokenState) invalidate(accessToken string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if accessToken == "" || accessToken == st.cur.AccessToken {
		st.refused = st.cur.AccessToken
	}
}

// fresh reports whether t's access token outlives the skew and was not
// refused.
func (st *tokenState) fresh(t reauth.Credentials) bool {
	st.mu.Lock()
	refused := st.refused
	st.mu.Unlock()
	return st.freshLocked(t, refused)
}

func (st *tokenState) freshLocked(t reauth.Credentials, refused string) bool {
	return t.AccessToken != "" && t.AccessToken != refused && !t.ExpiresAt.IsZero() && st.c.now().Add(st.skew).Before(t.ExpiresAt)
}

func (st *tokenState) usable() (reauth.Credentials, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cur, !st.unsaved && st.freshLocked(st.cur, st.refused)
}

func (st *tokenState) current() (reauth.Credentials, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cur, st.unsaved
}

// keep makes t the current pair and saves it when it is new.
func (st *tokenState) keep(ctx context.Context, t reauth.Credentials, isNew bool) (reauth.Credentials, error) {
	st.mu.Lock()
	st.cur, st.unsaved = t, isNew && st.save != nil
	st.mu.Unlock()
	if !isNew || st.save == nil {
		return t, nil
	}
	if err := st.save(ctx, t); err != nil {
		return reauth.Credentials{}, fmt.Errorf("truelayer: saving the refreshed pair (kept in memory, saved on the next call): %w", err)
	}
	st.mu.Lock()
	st.unsaved = false
	st.mu.Unlock()
	return t, nil
}

// reload returns the stored pair, or cur when there is no store.
func (st *tokenState) reload(ctx context.Context) (reauth.Credentials, error) {
	cur, unsaved := st.current()
	if st.load == nil || unsaved {
		// An unsaved pair is newer than anything stored.
		return cur, nil
	}
	t, err := st.load(ctx)
	if err != nil {
		return reauth.Credentials{}, fmt.Errorf("truelayer: loading the stored pair: %w", err)
	}
	if t.RefreshToken == "" {
		return cur, nil
	}
	return t, nil
}

// refresh runs with the lock held.
func (st *tokenState) refresh(ctx context.Context) (reauth.Credentials, error) {
	base, err := st.reload(ctx)
	if err != nil {
		return reauth.Credentials{}, err
	}
	_, unsaved := st.current()
	if st.fresh(base) {
		return st.keep(ctx, base, unsaved)
	}
	tok, err := st.c.refresh(ctx, base.RefreshToken)
	if err == nil {
		return st.keep(ctx, tok.Credentials(), true)
	}
	lost := answerLost(err)
	switch {
	case !lost && !errors.Is(err, reauth.ErrReauthRequired):
		return reauth.Credentials{}, err
	case !lost:
		// Refused: another instance may have refreshed first and be about
		// to save its pair.
		return st.adoptNewer(ctx, base.RefreshToken, err)
	}
	// The answer was lost: another instance may hold a newer pair by now.
	// Reload and try once more.
	latest, rerr := st.reload(ctx)
	if rerr != nil {
		return reauth.Credentials{}, errors.Join(err, rerr)
	}
	if st.fresh(latest) {
		return st.keep(ctx, latest, false)
	}
	tok, err2 := st.c.refresh(ctx, latest.RefreshToken)
	switch {
	case err2 == nil:
		return st.keep(ctx, tok.Credentials(), true)
	case !errors.Is(err2, reauth.ErrReauthRequired):
		return reauth.Credentials{}, err2
	}
	t, err3 := st.adoptNewer(ctx, latest.RefreshToken, err2)
	if err3 != nil && latest.RefreshToken == base.RefreshToken && errors.Is(err3, reauth.ErrReauthRequired) {
		return reauth.Credentials{}, fmt.Errorf("%w: %w", ErrRefreshLost, err3)
	}
	return t, err3
}

// adoptNewer runs after TrueLayer refused the refresh token spent: it
// reloads the store until it holds another pair (up to the store wait) and
// uses it, refreshing it once if its access token is due. With nothing
// newer it returns refused, TrueLayer's error.
func (st *tokenState) adoptNewer(ctx context.Context, spent string, refused error) (reauth.Credentials, error) {
	newer, err := st.awaitNewer(ctx, spent)
	switch {
	case err != nil:
		return reauth.Credentials{}, errors.Join(refused, err)
	case newer.RefreshToken == "":
		return reauth.Credentials{}, refused
	case st.fresh(newer):
		return st.keep(ctx, newer, false)
	}
	tok, err := st.c.refresh(ctx, newer.RefreshToken)
	if err != nil {
		return reauth.Credentials{}, err
	}
	return st.keep(ctx, tok.Credentials(), true)
}

// awaitNewer loads the store until its refresh token is not spent,
// pausing with backoff, for at most the store wait and while ctx lasts. It
// returns the zero pair when nothing newer appeared (or there is no store).
func (st *tokenState) awaitNewer(ctx context.Context, spent string) (reauth.Credentials, error) {
	if st.load == nil {
		return reauth.Credentials{}, nil
	}
	deadline := time.Now().Add(st.wait)
	pause := storePollFirst
	for {
		t, err := st.load(ctx)
		if err != nil {
			return reauth.Credentials{}, fmt.Errorf("truelayer: loading the stored pair: %w", err)
		}
		if t.RefreshToken != "" && t.RefreshToken != spent {
			return t, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return reauth.Credentials{}, nil
		}
		timer := time.NewTimer(min(pause, left))
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return reauth.Credentials{}, nil // report TrueLayer's answer, not the deadline
		}
		pause = min(2*pause, storePollMax)
	}
}

// answerLost reports whether a refresh may have been acted on by TrueLayer
// without its answer reaching us: a transport error after sending, or a 5xx.
func answerLost(err error) bool {
	var apiErr *reauth.APIError
	if !errors.As(err, &apiErr) {
		return !errors.Is(err, reauth.ErrMissingInput)
	}
	return apiErr.StatusCode >= 500 || apiErr.StatusCode == 0
}
