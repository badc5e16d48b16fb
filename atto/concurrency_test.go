package atto_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
)

// runConcurrently runs fn perG times in each of g goroutines, all released
// together, and returns the first error.
func runConcurrently(t *testing.T, g, perG int, fn func() error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, g)
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range perG {
				if err := fn(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// Issue 8: 256 goroutines × 40 begins against the simulator with a cold
// token cache make exactly one token fetch, and their 10,240 consent reads
// reuse connections: about one per goroutine (Go's transport may replace
// the odd connection it closed while the pool was full, hence the margin).
func TestConcurrentBeginsFetchOneTokenAndReuseConnections(t *testing.T) {
	const goroutines, perG = 256, 40
	srv := newSim(t)
	// A generous per-attempt timeout: 10,240 requests under the race detector
	// on a loaded 2-core machine queue for seconds, and a timed-out attempt
	// would be retried on a new connection.
	c := simClient(t, srv, atto.WithHTTPClient(&http.Client{Transport: newTransport(t), Timeout: 2 * time.Minute}))
	id := srv.NewConsent(attotest.StatusExpired)
	runConcurrently(t, goroutines, perG, func() error {
		flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
		if err == nil && flow.URL == "" {
			t.Error("begin returned no URL")
		}
		return err
	})
	assert.Equal(t, 1, srv.TokenFetches())
	assert.Equal(t, 1, srv.Count("POST /v1/oauth2/token"))
	// At least one read per Begin: on a loaded machine a read that timed out
	// is retried (reads are retry-safe), which adds a few.
	assert.GreaterOrEqual(t, srv.Count("GET /consents/v1/"+id), goroutines*perG, "each Begin reads the consent")
	assert.LessOrEqual(t, srv.Connections(), goroutines+goroutines/16)
}

// The same with a request on every call (Continue reads the consent) and
// the client's default *http.Client. Go's transport may dial a spare
// connection while an idle one is being returned; the default transport's
// MaxConnsPerHost (256, equal to its idle pool) keeps the connections
// opened at or below the number of goroutines.
func TestConcurrentContinuesReuseConnections(t *testing.T) {
	const goroutines, perG = 256, 2
	srv := newSim(t)
	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()))
	require.NoError(t, err)
	id := srv.NewConsent(attotest.StatusExpired)
	flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	runConcurrently(t, goroutines, perG, func() error {
		_, err := c.Continue(t.Context(), flow, reauth.Reply{})
		return err
	})
	assert.Equal(t, 1, srv.TokenFetches())
	assert.Equal(t, goroutines*perG+1, srv.Count("GET /consents/v1/"+id), "Begin reads the consent once")
	assert.LessOrEqual(t, srv.Connections(), goroutines)
}
