package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
)

// TestContextEndsDuringTheBodyRead: a deadline or cancel that strikes while
// the body is being read is the caller's, and errors.Is says so.
func TestContextEndsDuringTheBodyRead(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	u, err := ParseBaseURL("WithBaseURL", srv.URL)
	require.NoError(t, err)
	s := DefaultSettings()
	s.SetRetries(0, 0, 0)
	c, err := New(Config{Provider: reauth.Atto, Settings: s})
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Base: u, Path: "/slow"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, reauth.ErrInvalidResponse), "%v", err)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Base: u, Path: "/slow"})
	assert.ErrorIs(t, err, context.Canceled)
}
