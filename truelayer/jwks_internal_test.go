package truelayer

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A delivery waiting on another delivery's JWKS fetch must not inherit that
// delivery's context error: when the fetcher gave up (its request was
// cancelled), the waiter, whose own context is live, fetches itself.
func TestJWKSWaiterFetchesWhenFetcherGaveUp(t *testing.T) {
	t.Parallel()
	const kid = "45fc75cf-5649-4134-84b3-192c2c78e990" // in testdata/jwks.json
	jwks, err := os.ReadFile("testdata/jwks.json")
	require.NoError(t, err)
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	mt.RegisterResponder(http.MethodGet, ProductionJWKSURL, httpmock.NewBytesResponder(200, jwks))

	// The cache reads its clock with its lock held, at the top of each
	// lookup: the first read says the waiter is inside key().
	entered := make(chan struct{})
	var once sync.Once
	now := func() time.Time {
		once.Do(func() { close(entered) })
		return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	}
	c := newJWKSCache(&http.Client{Transport: mt}, now, time.Hour, 10*time.Second)

	// Another delivery's fetch is in flight.
	inflight := make(chan struct{})
	c.sets[ProductionJWKSURL] = &jwksEntry{inflight: inflight}

	type result struct {
		k   *ecdsa.PublicKey
		err error
	}
	out := make(chan result, 1)
	go func() {
		k, err := c.key(context.Background(), ProductionJWKSURL, kid)
		out <- result{k, err}
	}()
	<-entered
	// Taking the lock proves the waiter has released it, i.e. it saw the
	// fetch in flight and now waits for it.
	c.mu.Lock()
	e := c.sets[ProductionJWKSURL]
	e.err = fmt.Errorf("truelayer: webhook: fetching JWKS: %w", context.Canceled)
	e.inflight = nil
	close(inflight)
	c.mu.Unlock()

	r := <-out
	require.NoError(t, r.err)
	assert.NotNil(t, r.k)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "the waiter fetched the keys itself")
}
