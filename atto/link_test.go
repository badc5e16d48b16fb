package atto_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func TestThousandConcurrentLinksFetchOneToken(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var fetches atomic.Int32
	release := make(chan struct{})
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", func(req *http.Request) (*http.Response, error) {
		fetches.Add(1)
		<-release // hold the fetch until every caller is waiting on it or done
		return jsonResponse(200, snakeToken(testToken)), nil
	})
	concurrentLinks(t, c, 1000, release)
	assert.EqualValues(t, 1, fetches.Load())
	assert.Equal(t, 1, c.TokenFetches())
}

func TestLinkNeverCarriesATokenCloseToExpiry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	c, mt := mockClient(t, atto.WithClock(clock))
	var fetches atomic.Int32
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", func(req *http.Request) (*http.Response, error) {
		tok := testToken
		if fetches.Add(1) > 1 {
			tok = testToken2
		}
		return jsonResponse(200, snakeToken(tok)), nil
	})

	first, err := c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Contains(t, first.URL, testToken)

	advance(10 * time.Minute) // 50 minutes left: still reused
	again, err := c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Equal(t, first.URL, again.URL)
	assert.EqualValues(t, 1, fetches.Load())

	advance(40 * time.Minute) // 10 minutes left: replaced before the link is issued
	fresh, err := c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Contains(t, fresh.URL, testToken2)
	assert.EqualValues(t, 2, fetches.Load())
	assert.GreaterOrEqual(t, fresh.ExpiresAt.Sub(clock()), atto.DefaultMinLinkValidity)
}

func TestMinLinkValidityIsConfigurable(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, mt := mockClient(t, atto.WithClock(clock), atto.WithMinLinkValidity(5*time.Minute))
	var fetches atomic.Int32
	registerToken(t, mt, testToken, &fetches)
	_, err := c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	mu.Lock()
	now = now.Add(50 * time.Minute) // 10 minutes left, 5 needed
	mu.Unlock()
	_, err = c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, fetches.Load())
}

func TestLinkPrintsRedacted(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	registerToken(t, mt, testToken, nil)
	link, err := c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Contains(t, link.URL, "#access_token="+testToken, "the field keeps the real URL")
	scan := reauthtest.NewLeakScan(testToken)
	scan.Add(link, *link)
	assert.Equal(t, 2, scan.Check(t))
	// What it prints instead: the consent and a redaction marker.
	for _, v := range []any{link, *link} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.Contains(t, out, "REDACTED", verb)
			assert.Contains(t, out, testConsentID, verb)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "link", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "link", v)
		assert.Contains(t, buf.String(), "REDACTED")
	}
}

func TestShortLivedTokensAreNotFetchedForEveryLink(t *testing.T) {
	t.Parallel()
	srv := newSim(t, attotest.WithTokenLifetime(30*time.Minute))
	c := simClient(t, srv)
	for range 5 {
		link, err := c.ReauthLink(t.Context(), "consent-1")
		require.NoError(t, err)
		assert.Greater(t, time.Until(link.ExpiresAt), 20*time.Minute)
	}
	assert.Equal(t, 1, srv.TokenFetches())
}

// With tokens that live shorter than the link minimum, a cold cache still
// makes one fetch for any number of concurrent links: every caller waiting
// on the fetch takes its token (a fresh token is the best there is), and
// later links reuse it under the three-quarter cap.
func TestShortLivedTokensConcurrentColdCacheFetchOnce(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var fetches atomic.Int32
	release := make(chan struct{})
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", func(req *http.Request) (*http.Response, error) {
		fetches.Add(1)
		<-release
		return jsonResponse(200, `{"access_token":"`+testToken+`","expires_in":1800}`), nil
	})
	concurrentLinks(t, c, 200, release)
	_, err := c.ReauthLink(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, fetches.Load())
}

// concurrentLinks asks for n links at once while the token fetch is held,
// closes release once every caller has started, and requires every link.
func concurrentLinks(t *testing.T, c *atto.Client, n int, release chan struct{}) {
	t.Helper()
	var wg, started sync.WaitGroup
	errs := make(chan error, n)
	started.Add(n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			link, err := c.ReauthLink(t.Context(), testConsentID)
			if err == nil && link.URL == "" {
				err = fmt.Errorf("empty link")
			}
			errs <- err
		}()
	}
	started.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
