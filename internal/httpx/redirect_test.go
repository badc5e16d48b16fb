package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
)

// TestRedirectsAreNeverFollowed: a provider (or anything in front of it)
// answering 307/308 to another host must not receive the secret headers and
// bodies again there, neither with the SDK's own client nor with the user's,
// for plain and one-time requests alike. The 3xx is an *APIError.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	var leaked atomic.Int64
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer thief.Close()
	// Another loopback host: 127.0.0.1 vs localhost.
	target := strings.Replace(thief.URL, "127.0.0.1", "localhost", 1)

	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target+"/steal", status)
		}))
		u, err := ParseBaseURL("WithBaseURL", provider.URL)
		require.NoError(t, err)
		userClient := &http.Client{Timeout: 5 * time.Second} // follows redirects by default
		for name, hc := range map[string]*http.Client{"default client": nil, "user client": userClient} {
			for _, oneTime := range []bool{false, true} {
				s := DefaultSettings()
				s.SetRetries(0, 0, 0)
				if hc != nil {
					s.SetHTTPClient(hc)
				}
				c, err := New(Config{Provider: reauth.Mono, Settings: s})
				require.NoError(t, err)
				req := &Request{Method: http.MethodPost, Base: u, Path: "/v1/commit", OneTime: oneTime,
					Header:  http.Header{"Mono-Sec-Key": {"live_sk_SECRETKEY"}},
					Secrets: []string{"live_sk_SECRETKEY", "123456"}}
				req.SetForm(map[string][]string{"otp": {"123456"}})
				_, err = c.Do(context.Background(), req)
				var apiErr *reauth.APIError
				require.True(t, errors.As(err, &apiErr), "%d %s one-time=%v: %v", status, name, oneTime, err)
				assert.Equal(t, status, apiErr.StatusCode)
				assert.Equal(t, "POST /v1/commit", apiErr.Op)
				assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
				assert.NotContains(t, err.Error(), "localhost")
			}
		}
		assert.Nil(t, userClient.CheckRedirect, "the user's client was modified")
		provider.Close()
	}
	assert.Zero(t, leaked.Load(), "a redirect was followed to another host")
}
