package sim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFaultsAndLog(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, map[string]string{"a": "b"}) })
	mux.HandleFunc("GET /auth", func(w http.ResponseWriter, r *http.Request) {
		q := url.Values{"code": {"c1"}, "state": {r.URL.Query().Get("state")}}
		if d := r.URL.Query().Get("decision"); d != "" {
			q.Set("decision", d)
		}
		http.Redirect(w, r, "https://app.example/cb?"+q.Encode(), http.StatusFound)
	})
	s := NewServer(mux)
	defer s.Close()
	s.Inject("GET /ok", 1, Fault{Kind: FaultStatus, Status: 429, RetryAfter: "3"})
	c := s.Client()
	get := func() *http.Response {
		resp, err := c.Get(s.URL + "/ok")
		require.NoError(t, err)
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp
	}
	r1 := get()
	assert.Equal(t, 429, r1.StatusCode)
	assert.Equal(t, "3", r1.Header.Get("Retry-After"))
	assert.Equal(t, 200, get().StatusCode)
	// A POST: net/http itself resends an idempotent GET whose reused
	// connection closed without an answer.
	s.Inject("", 1, Fault{Kind: FaultDropBeforeRead})
	_, err := c.Post(s.URL+"/ok", "application/json", nil)
	assert.Error(t, err)
	s.Inject("GET /ok", 1, Fault{Kind: FaultTruncate})
	resp, err := c.Get(s.URL + "/ok")
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, 3, s.Count("GET /ok"))
	assert.Equal(t, 1, s.Count("POST /ok"))
	assert.GreaterOrEqual(t, s.Connections(), 1)

	loc, err := Browse(context.Background(), http.MethodGet, s.URL+"/auth?state=st", nil)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"code": {"c1"}, "state": {"st"}}, loc.Query())
	c.CloseIdleConnections()
}
