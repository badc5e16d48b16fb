package finchtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// newReceiver starts an application endpoint that answers 204 and hands
// each delivery to f.
func newReceiver(t *testing.T, f func(r *http.Request, body []byte)) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f(r, b)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s.URL
}
