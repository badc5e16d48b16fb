package tokencache

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestThousandConcurrentCallersCauseOneFetch(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	release := make(chan struct{})
	c := New(func(ctx context.Context) (Token, error) {
		fetches.Add(1)
		<-release // hold the fetch until every caller is waiting
		return Token{Value: "tok", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}, 0, nil)
	var wg, started sync.WaitGroup
	errs := make(chan error, 1000)
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			tok, err := c.Token(context.Background())
			if err == nil && tok.Value != "tok" {
				err = errors.New("wrong token " + tok.Value)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	started.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	assert.EqualValues(t, 1, fetches.Load())
	assert.Equal(t, 1, c.Fetches())
}

func TestRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	n := 0
	c := New(func(ctx context.Context) (Token, error) {
		n++
		return Token{Value: "tok" + strconv.Itoa(n), ExpiresAt: clk.Now().Add(time.Hour)}, nil
	}, 2*time.Minute, clk.Now)
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok1", tok.Value)
	clk.Add(57 * time.Minute) // 3 minutes left: still above the 2-minute minimum
	tok, _ = c.Token(context.Background())
	assert.Equal(t, "tok1", tok.Value)
	clk.Add(90 * time.Second) // 90 s left: refreshed
	tok, _ = c.Token(context.Background())
	assert.Equal(t, "tok2", tok.Value)
	// A caller needing 45 minutes gets a fresh token when only 10 are left.
	clk.Add(50 * time.Minute)
	tok, _ = c.TokenValidFor(context.Background(), 45*time.Minute)
	assert.Equal(t, "tok3", tok.Value)
	c.Invalidate("tok3")
	tok, _ = c.Token(context.Background())
	assert.Equal(t, "tok4", tok.Value)
	c.Invalidate("not-the-current-one")
	tok, _ = c.Token(context.Background())
	assert.Equal(t, "tok4", tok.Value)
}

func TestFetchUsesCallersContextAndErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	type key struct{}
	calls := 0
	c := New(func(ctx context.Context) (Token, error) {
		calls++
		if ctx.Value(key{}) != "caller" {
			return Token{}, errors.New("fetch did not get the caller's ctx")
		}
		if calls == 1 {
			return Token{}, errors.New("provider down")
		}
		return Token{Value: "ok"}, nil
	}, 0, nil)
	ctx := context.WithValue(context.Background(), key{}, "caller")
	_, err := c.Token(ctx)
	require.EqualError(t, err, "provider down")
	tok, err := c.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "ok", tok.Value)
}

func TestWaiterSurvivesLeaderCancellation(t *testing.T) {
	t.Parallel()
	leaderIn := make(chan struct{})
	var calls atomic.Int32
	c := New(func(ctx context.Context) (Token, error) {
		if calls.Add(1) == 1 {
			close(leaderIn)
			<-ctx.Done()
			return Token{}, ctx.Err()
		}
		return Token{Value: "second"}, nil
	}, 0, nil)
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := c.Token(leaderCtx); leaderErr <- err }()
	<-leaderIn
	waiterTok := make(chan Token, 1)
	go func() { tok, _ := c.Token(context.Background()); waiterTok <- tok }()
	cancel()
	assert.ErrorIs(t, <-leaderErr, context.Canceled)
	assert.Equal(t, "second", (<-waiterTok).Value)
}

func TestWaiterContextEndsItsWait(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	in := make(chan struct{})
	c := New(func(ctx context.Context) (Token, error) {
		close(in)
		<-hold
		return Token{Value: "late"}, nil
	}, 0, nil)
	done := make(chan struct{})
	go func() { defer close(done); _, _ = c.Token(context.Background()) }()
	<-in
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Token(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	close(hold)
	<-done
}

func TestShortLivedTokensServeLongerNeedsFromTheCache(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	n := 0
	c := New(func(ctx context.Context) (Token, error) {
		n++
		return Token{Value: "tok" + strconv.Itoa(n), ExpiresAt: clk.Now().Add(30 * time.Minute)}, nil
	}, time.Minute, clk.Now)
	// A caller needing 45 minutes of 30-minute tokens: the first call
	// fetches, later ones reuse the token while 3/4 of its life is left.
	tok, err := c.TokenValidFor(context.Background(), 45*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "tok1", tok.Value)
	tok, _ = c.TokenValidFor(context.Background(), 45*time.Minute)
	assert.Equal(t, "tok1", tok.Value, "a fresh token is the best there is: no refetch")
	clk.Add(8 * time.Minute) // 22 minutes left, under 3/4 of 30
	tok, _ = c.TokenValidFor(context.Background(), 45*time.Minute)
	assert.Equal(t, "tok2", tok.Value)
	assert.Equal(t, 2, c.Fetches())
}

// TestShortLivedTokensAreReused: whatever the lifetime, 100 calls within a
// few seconds share one token, for plain calls and for calls that need
// more validity than the token has.
func TestShortLivedTokensAreReused(t *testing.T) {
	for _, life := range []time.Duration{30 * time.Second, 60 * time.Second} {
		for _, need := range []time.Duration{0, time.Minute, 10 * time.Minute} {
			clk := &clock{now: time.Unix(1_700_000_000, 0)}
			c := New(func(context.Context) (Token, error) {
				return Token{Value: "tok", ExpiresAt: clk.Now().Add(life)}, nil
			}, 0, clk.Now)
			for range 100 {
				_, err := c.TokenValidFor(context.Background(), need)
				require.NoError(t, err)
				clk.Add(50 * time.Millisecond)
			}
			assert.Equal(t, 1, c.Fetches(), "lifetime %s, need %s", life, need)
			clk.Add(life) // expired: fetched again
			_, err := c.Token(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 2, c.Fetches())
		}
	}
}
