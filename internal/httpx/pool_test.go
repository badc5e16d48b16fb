package httpx

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// TestFailedCallsKeepThePool: 64 callers make good calls while one caller
// fails every 5 ms. A failed call must not empty the connection pool the
// good callers share (go-retryablehttp closes idle connections after every
// failure): after warm-up, 3,200 good calls open at most 32 connections.
func TestFailedCallsKeepThePool(t *testing.T) {
	srv := sim.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			sim.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "down"})
			return
		}
		sim.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}))
	defer srv.Close()
	s := DefaultSettings()
	s.SetRetries(1, time.Millisecond, time.Millisecond)
	c, err := New(Config{Provider: reauth.Finch, Settings: s})
	require.NoError(t, err)
	defer c.hc.CloseIdleConnections()
	u, err := ParseBaseURL("WithBaseURL", srv.URL)
	require.NoError(t, err)
	ctx := context.Background()
	call := func(path string) error {
		_, err := c.Do(ctx, &Request{Method: http.MethodGet, Base: u, Path: path})
		return err
	}
	const callers, perCaller = 64, 50
	good := func() {
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for range perCaller {
					assert.NoError(t, call("/ok"))
				}
			})
		}
		wg.Wait()
	}
	good() // warm-up: the pool holds up to 64 connections
	warm := srv.Connections()

	stop := make(chan struct{})
	failed := make(chan int)
	go func() {
		n := 0
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				failed <- n
				return
			case <-tick.C:
				if call("/fail") != nil {
					n++
				}
			}
		}
	}()
	good()
	close(stop)
	n := <-failed
	opened := srv.Connections() - warm
	t.Logf("%d good calls, %d failed calls: %d new connections after warm-up (%d during warm-up)", callers*perCaller, n, opened, warm)
	assert.LessOrEqual(t, opened, 32, "failed calls emptied the pool")
}
