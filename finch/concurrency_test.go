package finch_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
)

// beginWave runs goroutines × each Begins on c and fails on any error.
func beginWave(t *testing.T, c *finch.Client, connID string, goroutines, each int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: connID})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// TestConcurrentBeginsReuseConnections runs Begins from many goroutines on
// one Client with the default transport. Once warm, the pool serves every
// goroutine: a second wave opens no TCP connection at all. The cold start
// may open a few more connections than goroutines: Go's Transport dials
// for a waiting request and keeps that connection even when an idle one
// was handed over first (bounding it needs MaxConnsPerHost on the
// transport, see the report on internal/httpx).
func TestConcurrentBeginsReuseConnections(t *testing.T) {
	t.Parallel()
	const goroutines, each = 16, 10
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL))
	require.NoError(t, err)

	beginWave(t, c, conn.ID, goroutines, each)
	cold := srv.Connections()
	assert.LessOrEqual(t, cold, 2*goroutines, "cold start")

	beginWave(t, c, conn.ID, goroutines, each)
	assert.Equal(t, 2*goroutines*each, srv.Count(routeSession))
	assert.Equal(t, cold, srv.Connections(), "a warm pool opens no new connection")
}
