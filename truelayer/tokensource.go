package truelayer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/reauthkit/reauthkit/reauth"
)

// DefaultTokenSkew is how long before its expiry a TokenSource replaces an
// access token.
const DefaultTokenSkew = time.Minute

// tokenLockTTL is how long a refresh may hold the connection's lock before
// another instance may take it: a refresh with its retries ends well before.
const tokenLockTTL = 2 * time.Minute

// ErrRefreshLost is wrapped by a TokenSource's error when a refresh reached
// TrueLayer but its answer never came back, and TrueLayer then refused the
// old refresh token (invalid_grant): TrueLayer rotated the pair and the new
// one is lost. Nobody can recover it, so the error also wraps
// reauth.ErrReauthRequired; it is returned only after the store (when
// given) was reloaded and held no newer pair.
var ErrRefreshLost = errors.New("truelayer: a refresh reached TrueLayer but its answer was lost, and the old refresh token is spent")

// TokenOption configures a [TokenSource].
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	load   func(context.Context) (reauth.Credentials, error)
	save   func(context.Context, reauth.Credentials) error
	locker reauth.Locker
	key    string
	skew   time.Duration
	errs   []error
}

// WithTokenStore makes the source load the latest pair after taking the
// lock (another instance may have refreshed it) and save every new pair
// before handing it out. Store the access and refresh token together,
// atomically: they rotate as one.
func WithTokenStore(load func(context.Context) (reauth.Credentials, error), save func(context.Context, reauth.Credentials) error) TokenOption {
	return func(c *tokenConfig) {
		if load == nil || save == nil {
			c.errs = append(c.errs, errors.New("WithTokenStore: nil load or save"))
			return
		}
		c.load, c.save = load, save
	}
}

// WithLocker serialises refreshes of one connection across every instance
// sharing l (for example a database-backed Locker). Without it, the
// TokenSources of one Client share an in-process lock.
func WithLocker(l reauth.Locker) TokenOption {
	return func(c *tokenConfig) {
		if l == nil {
			c.errs = append(c.errs, errors.New("WithLocker: nil Locker"))
			return
		}
		c.locker = l
	}
}

// WithTokenKey sets the lock key, normally the connection id. The default
// is derived from the client id and the initial pair (hashed, never the
// token itself): pass the connection id when instances may start from
// different pairs of one connection.
func WithTokenKey(connectionID string) TokenOption {
	return func(c *tokenConfig) {
		if connectionID == "" {
			c.errs = append(c.errs, errors.New("WithTokenKey: empty key"))
			return
		}
		c.key = connectionID
	}
}

// WithTokenSkew sets how long before expiry the access token is replaced
// (default [DefaultTokenSkew]).
func WithTokenSkew(d time.Duration) TokenOption {
	return func(c *tokenConfig) {
		if d < 0 {
			c.errs = append(c.errs, errors.New("WithTokenSkew: negative skew"))
			return
		}
		c.skew = d
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
// A refresh whose answer is lost (network error after sending, or a 5xx)
// is retried once with the reloaded pair. invalid_grant is reported as
// reauth.ErrReauthRequired only when the store holds no newer pair; if the
// lost attempt had rotated the pair, the error wraps [ErrRefreshLost].
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
	err    error

	refreshing chan struct{} // one refresh in flight per source

	mu      sync.Mutex
	cur     reauth.Credentials
	unsaved bool // cur came from a refresh whose save failed
}

// TokenSource returns a source for the connection whose current pair is
// tok. Invalid options make every Token call fail.
func (c *Client) TokenSource(tok reauth.Credentials, opts ...TokenOption) *TokenSource {
	cfg := tokenConfig{skew: DefaultTokenSkew}
	for _, o := range opts {
		if o == nil {
			cfg.errs = append(cfg.errs, errors.New("nil TokenOption"))
			continue
		}
		o(&cfg)
	}
	st := &tokenState{c: c, skew: cfg.skew, locker: cfg.locker, load: cfg.load, save: cfg.save, cur: tok, refreshing: make(chan struct{}, 1)}
	switch {
	case c.ready() != nil:
		st.err = c.ready()
	case len(cfg.errs) > 0:
		st.err = fmt.Errorf("truelayer: invalid token source configuration: %w", errors.Join(cfg.errs...))
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
	return st.refresh(ctx)
}

// fresh reports whether t's access token outlives the skew.
func (st *tokenState) fresh(t reauth.Credentials) bool {
	return t.AccessToken != "" && !t.ExpiresAt.IsZero() && st.c.now().Add(st.skew).Before(t.ExpiresAt)
}

func (st *tokenState) usable() (reauth.Credentials, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cur, !st.unsaved && st.fresh(st.cur)
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
	if !lost && !errors.Is(err, reauth.ErrReauthRequired) {
		return reauth.Credentials{}, err
	}
	// The answer was lost, or TrueLayer refused the token: another
	// instance may hold a newer pair by now. Reload and try once more.
	latest, rerr := st.reload(ctx)
	if rerr != nil {
		return reauth.Credentials{}, errors.Join(err, rerr)
	}
	if latest.RefreshToken == base.RefreshToken && !lost {
		return reauth.Credentials{}, err // a plain invalid_grant: nothing newer exists
	}
	if st.fresh(latest) {
		return st.keep(ctx, latest, false)
	}
	tok, err2 := st.c.refresh(ctx, latest.RefreshToken)
	switch {
	case err2 == nil:
		return st.keep(ctx, tok.Credentials(), true)
	case lost && latest.RefreshToken == base.RefreshToken && errors.Is(err2, reauth.ErrReauthRequired):
		return reauth.Credentials{}, fmt.Errorf("%w: %w", ErrRefreshLost, err2)
	}
	return reauth.Credentials{}, err2
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

// OAuth2 returns the source as an oauth2.TokenSource for oauth2.NewClient;
// ctx bounds every refresh. The oauth2 token carries the access token only.
func (s *TokenSource) OAuth2(ctx context.Context) oauth2.TokenSource {
	return oauth2Source{ctx: ctx, s: s}
}

type oauth2Source struct {
	ctx context.Context
	s   *TokenSource
}

func (o oauth2Source) Token() (*oauth2.Token, error) {
	t, err := o.s.Token(o.ctx)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.ExpiresAt}, nil
}

// String describes the source by its lock key, never its tokens. (The
// printing methods have value receivers so that a TokenSource printed by
// value cannot show its state either.)
func (s TokenSource) String() string {
	if s.st == nil {
		return "truelayer.TokenSource{}"
	}
	return "truelayer.TokenSource{Key: " + s.st.key + "}"
}

// GoString is String for %#v.
func (s TokenSource) GoString() string { return s.String() }

// Format prints the source without its tokens under every verb.
func (s TokenSource) Format(f fmt.State, verb rune) { format(f, verb, s) }

// LogValue logs the lock key only.
func (s TokenSource) LogValue() slog.Value { return slog.StringValue(s.String()) }
