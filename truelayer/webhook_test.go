package truelayer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

const hookPath = "/webhooks/truelayer"

var hookBody = []byte(`{"event_type":"payment_executed","event_id":"ev-1","credentials_id":"cred-9","timestamp":"2026-03-01T11:59:00Z"}`)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func hookSetup(t *testing.T) (*truelayer.WebhookVerifier, *truelayertest.Server, *clock) {
	t.Helper()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	clk := &clock{t: testNow}
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	v, err := truelayer.NewWebhookVerifier(
		truelayer.WithJWKSURLs(srv.JWKSURL()),
		truelayer.WithWebhookHTTPClient(hc),
		truelayer.WithWebhookClock(clk.now),
		truelayer.WithTolerance(2*time.Minute),
	)
	require.NoError(t, err)
	return v, srv, clk
}

func hookRequest(t testing.TB, h http.Header, path string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "https://app.example"+path, bytes.NewReader(body))
	for k, vs := range h {
		r.Header[k] = vs
	}
	return r
}

func TestWebhookSimulatorSignature(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v, srv, clk := hookSetup(t)
	h, err := srv.SignWebhook(hookPath, hookBody, testNow)
	require.NoError(t, err)

	ev, err := v.Verify(ctx, hookRequest(t, h, hookPath, hookBody), hookBody)
	require.NoError(t, err)
	assert.Equal(t, &reauth.Event{
		ID: "ev-1", Provider: reauth.TrueLayer, Type: reauth.Other, ProviderType: "payment_executed",
		ConnectionID: "cred-9", OccurredAt: time.Date(2026, 3, 1, 11, 59, 0, 0, time.UTC), Raw: hookBody,
	}, ev)

	for name, tc := range map[string]struct {
		mutate func(h http.Header) (path string, body []byte)
	}{
		"tampered body": {func(http.Header) (string, []byte) {
			return hookPath, bytes.Replace(hookBody, []byte("ev-1"), []byte("ev-2"), 1)
		}},
		"other path": {func(http.Header) (string, []byte) { return "/elsewhere", hookBody }},
		"timestamp header changed": {func(h http.Header) (string, []byte) {
			h.Set("X-Tl-Webhook-Timestamp", testNow.Add(time.Second).Format(time.RFC3339))
			return hookPath, hookBody
		}},
		"signed header changed": {func(h http.Header) (string, []byte) {
			h.Set("Content-Type", "text/plain")
			return hookPath, hookBody
		}},
		"signed header missing": {func(h http.Header) (string, []byte) {
			h.Del("Content-Type")
			return hookPath, hookBody
		}},
		"no signature": {func(h http.Header) (string, []byte) {
			h.Del("Tl-Signature")
			return hookPath, hookBody
		}},
		"garbage signature": {func(h http.Header) (string, []byte) {
			h.Set("Tl-Signature", "not-a-jws")
			return hookPath, hookBody
		}},
		"signature bytes flipped": {func(h http.Header) (string, []byte) {
			s := []byte(h.Get("Tl-Signature"))
			s[len(s)-5] ^= 1
			h.Set("Tl-Signature", string(s))
			return hookPath, hookBody
		}},
	} {
		t.Run(name, func(t *testing.T) {
			// Past the refetch window: a failed verification refetches the
			// keys once, then is final.
			clk.add(11 * time.Second)
			hh := h.Clone()
			path, body := tc.mutate(hh)
			_, err := v.Verify(ctx, hookRequest(t, hh, path, body), body)
			require.Error(t, err)
			assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
		})
	}
}

func TestWebhookStaleTimestamp(t *testing.T) {
	t.Parallel()
	v, srv, clk := hookSetup(t)
	h, err := srv.SignWebhook(hookPath, hookBody, testNow)
	require.NoError(t, err)
	clk.add(3 * time.Minute)
	_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
	clk.add(-6 * time.Minute) // from the future
	_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
	assert.Zero(t, srv.Count(truelayertest.RouteJWKS), "stale deliveries fetch no keys")
}

func TestWebhookWrongJKUNeverFetched(t *testing.T) {
	t.Parallel()
	v, srv, _ := hookSetup(t)
	var hits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(200)
	}))
	t.Cleanup(evil.Close)
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	for _, jku := range []string{evil.URL + "/.well-known/jwks", srv.JWKSURL() + "/", srv.JWKSURL() + "?x", "HTTP" + srv.JWKSURL()[4:]} {
		h := http.Header{}
		h.Set("X-Tl-Webhook-Timestamp", testNow.Format(time.RFC3339))
		h.Set("Content-Type", "application/json")
		sig, err := truelayertest.SignDetached(key, "kid-evil", jku, hookPath, "X-Tl-Webhook-Timestamp,Content-Type", h, hookBody)
		require.NoError(t, err)
		h.Set("Tl-Signature", sig)
		_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
		assert.ErrorIs(t, err, reauth.ErrInvalidSignature, jku)
	}
	assert.Zero(t, hits.Load())
	assert.Zero(t, srv.Count(""))
}

// forge builds a Tl-Signature with an arbitrary JOSE header.
func forge(header string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + ".." + base64.RawURLEncoding.EncodeToString([]byte("sig"))
}

func TestWebhookHeaderRules(t *testing.T) {
	t.Parallel()
	v, srv, _ := hookSetup(t)
	jku := srv.JWKSURL()
	for name, hdr := range map[string]string{
		"alg HS512":          `{"alg":"HS512","kid":"k","tl_version":"2","tl_headers":"X-Tl-Webhook-Timestamp","jku":"` + jku + `"}`,
		"alg none":           `{"alg":"none","kid":"k","tl_version":"2","tl_headers":"X-Tl-Webhook-Timestamp","jku":"` + jku + `"}`,
		"alg ES256":          `{"alg":"ES256","kid":"k","tl_version":"2","tl_headers":"X-Tl-Webhook-Timestamp","jku":"` + jku + `"}`,
		"tl_version 1":       `{"alg":"ES512","kid":"k","tl_version":"1","tl_headers":"X-Tl-Webhook-Timestamp","jku":"` + jku + `"}`,
		"no tl_version":      `{"alg":"ES512","kid":"k","tl_headers":"X-Tl-Webhook-Timestamp","jku":"` + jku + `"}`,
		"timestamp unsigned": `{"alg":"ES512","kid":"k","tl_version":"2","tl_headers":"Content-Type","jku":"` + jku + `"}`,
		"no kid":             `{"alg":"ES512","tl_version":"2","tl_headers":"X-Tl-Webhook-Timestamp","jku":"` + jku + `"}`,
		"not json":           `nope`,
	} {
		h := http.Header{}
		h.Set("X-Tl-Webhook-Timestamp", testNow.Format(time.RFC3339))
		h.Set("Content-Type", "application/json")
		h.Set("Tl-Signature", forge(hdr))
		_, err := v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
		assert.ErrorIs(t, err, reauth.ErrInvalidSignature, name)
	}
	assert.Zero(t, srv.Count(truelayertest.RouteJWKS))
}

func TestWebhookUnknownKidAndRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v, srv, clk := hookSetup(t)
	deliver := func() error {
		h, err := srv.SignWebhook(hookPath, hookBody, clk.now())
		require.NoError(t, err)
		_, err = v.Verify(ctx, hookRequest(t, h, hookPath, hookBody), hookBody)
		return err
	}
	require.NoError(t, deliver())
	require.NoError(t, deliver())
	assert.Equal(t, 1, srv.Count(truelayertest.RouteJWKS), "keys are cached")

	// A key nobody published: refetch once, then refuse.
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	clk.add(time.Minute)
	h := http.Header{}
	h.Set("X-Tl-Webhook-Timestamp", clk.now().Format(time.RFC3339))
	sig, err := truelayertest.SignDetached(key, "kid-unknown", srv.JWKSURL(), hookPath, "X-Tl-Webhook-Timestamp", h, hookBody)
	require.NoError(t, err)
	h.Set("Tl-Signature", sig)
	_, err = v.Verify(ctx, hookRequest(t, h, hookPath, hookBody), hookBody)
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
	assert.Equal(t, 2, srv.Count(truelayertest.RouteJWKS), "unknown kid refetches")
	_, err = v.Verify(ctx, hookRequest(t, h, hookPath, hookBody), hookBody)
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable, "inside the window: retry later, never not authentic")
	assert.NotErrorIs(t, err, reauth.ErrInvalidSignature)
	assert.Equal(t, 2, srv.Count(truelayertest.RouteJWKS), "refetches are rate limited")

	// The provider rotates its key: the next delivery refetches and passes.
	clk.add(time.Minute)
	srv.RotateKey()
	require.NoError(t, deliver())
	assert.Equal(t, 3, srv.Count(truelayertest.RouteJWKS))
}

func TestWebhookOneFetchUnderConcurrency(t *testing.T) {
	t.Parallel()
	v, srv, _ := hookSetup(t)
	h, err := srv.SignWebhook(hookPath, hookBody, testNow)
	require.NoError(t, err)
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Count(truelayertest.RouteJWKS))
}

func TestWebhookJWKSUnavailableIsNotASignatureError(t *testing.T) {
	t.Parallel()
	v, srv, clk := hookSetup(t)
	srv.Inject(truelayertest.RouteJWKS, 1, faultStatus(503))
	h, err := srv.SignWebhook(hookPath, hookBody, testNow)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
	require.Error(t, err)
	assert.False(t, errors.Is(err, reauth.ErrInvalidSignature))
	assert.False(t, errors.Is(err, reauth.ErrInvalidPayload))
	// The failure is rate-limited too: inside the window nothing is fetched.
	_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteJWKS))
	clk.add(11 * time.Second)
	_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
	require.NoError(t, err)
}

// A request without URL (built by hand) is refused, never a panic.
func TestWebhookRequestWithoutURL(t *testing.T) {
	t.Parallel()
	v, srv, _ := hookSetup(t)
	h, err := srv.SignWebhook(hookPath, hookBody, testNow)
	require.NoError(t, err)
	r := &http.Request{Method: http.MethodPost, Header: h}
	require.NotPanics(t, func() { _, err = v.Verify(context.Background(), r, hookBody) })
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
	_, err = v.Verify(context.Background(), nil, hookBody)
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
	for _, bad := range []*truelayer.WebhookVerifier{nil, {}} {
		require.NotPanics(t, func() { _, err = bad.Verify(context.Background(), r, hookBody) })
		assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
	}
}

func TestWebhookAuthenticButNotJSON(t *testing.T) {
	t.Parallel()
	v, srv, _ := hookSetup(t)
	for _, body := range [][]byte{[]byte(`not json`), []byte(`null`), []byte(` [] `), []byte(`"x"`), nil} {
		h, err := srv.SignWebhook(hookPath, body, testNow)
		require.NoError(t, err)
		_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, body), body)
		assert.ErrorIs(t, err, reauth.ErrInvalidPayload, "%q", body)
	}
}

func TestWebhookOptions(t *testing.T) {
	t.Parallel()
	_, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(), truelayer.WithWebhookHTTPClient(nil),
		truelayer.WithWebhookClock(nil), truelayer.WithTolerance(0), truelayer.WithJWKSCacheTTL(0), truelayer.WithWebhookPath("x"), nil)
	require.Error(t, err)
	for _, s := range []string{"WithJWKSURLs", "WithWebhookHTTPClient", "WithWebhookClock", "WithTolerance", "WithJWKSCacheTTL", "WithWebhookPath", "option 6 is nil"} {
		assert.Contains(t, err.Error(), s)
	}
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.True(t, strings.HasPrefix(err.Error(), "truelayer: new webhook verifier: "), err)
	_, err = truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs("ftp://x"))
	require.Error(t, err)
}

func TestWebhookPathOverride(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	v, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(srv.JWKSURL()), truelayer.WithWebhookPath(hookPath),
		truelayer.WithWebhookClock(func() time.Time { return testNow }))
	require.NoError(t, err)
	h, err := srv.SignWebhook(hookPath, hookBody, testNow)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), hookRequest(t, h, "/behind/proxy", hookBody), hookBody)
	require.NoError(t, err)
}

func TestWebhookHandlerEndToEnd(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	srv, clk, target := hookApp(t, hookPath, func(_ context.Context, ev reauth.Event) error {
		got.Store(ev.ID)
		return nil
	})
	status, err := srv.DeliverWebhook(context.Background(), target, hookBody)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ev-1", got.Load())

	// A delivery signed by someone else with a kid nobody published is
	// refused with 401 once the keys may be refetched.
	clk.add(11 * time.Second)
	assert.Equal(t, http.StatusUnauthorized, forged(t, srv, clk, target))
}

func TestWebhookJWKSKeyFiltering(t *testing.T) {
	t.Parallel()
	vec, err := os.ReadFile("testdata/jwks.json")
	require.NoError(t, err)
	sig, err := os.ReadFile("testdata/webhook-signature.txt")
	require.NoError(t, err)
	now, _ := time.Parse(time.RFC3339, vectorTS)
	for name, jwks := range map[string]string{
		"off-curve point":     strings.Replace(string(vec), `"y": "AX1c`, `"y": "AX1d`, 1),
		"wrong alg":           strings.Replace(string(vec), `"alg": "ES512"`, `"alg": "ES384"`, 1),
		"wrong curve":         strings.Replace(string(vec), `"crv": "P-521"`, `"crv": "P-384"`, 1),
		"coordinate too long": strings.Replace(string(vec), `"x": "`, `"x": "AAAA`, 1),
		"not json":            `<html>`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodGet, truelayer.ProductionJWKSURL, httpmock.NewStringResponder(200, jwks))
			v, err := truelayer.NewWebhookVerifier(truelayer.WithWebhookHTTPClient(&http.Client{Transport: mt}),
				truelayer.WithWebhookClock(func() time.Time { return now }))
			require.NoError(t, err)
			r := vectorRequest(t, vectorPath, vectorTS, vectorBody)
			r.Header.Set("Tl-Signature", strings.TrimSpace(string(sig)))
			_, err = v.Verify(context.Background(), r, []byte(vectorBody))
			require.Error(t, err)
			if name == "not json" {
				assert.False(t, errors.Is(err, reauth.ErrInvalidSignature), "a broken JWKS is the provider's fault: retry")
			} else {
				assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
			}
		})
	}
}

func TestWebhookJWKSCacheTTL(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	clk := &clock{t: testNow}
	v, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(srv.JWKSURL()), truelayer.WithWebhookClock(clk.now),
		truelayer.WithJWKSCacheTTL(time.Hour))
	require.NoError(t, err)
	deliver := func() {
		h, err := srv.SignWebhook(hookPath, hookBody, clk.now())
		require.NoError(t, err)
		_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
		require.NoError(t, err)
	}
	deliver()
	clk.add(59 * time.Minute)
	deliver()
	assert.Equal(t, 1, srv.Count(truelayertest.RouteJWKS))
	clk.add(2 * time.Minute)
	deliver()
	assert.Equal(t, 2, srv.Count(truelayertest.RouteJWKS), "keys older than the TTL are refetched")
}

func TestExtendUserLookupError(t *testing.T) {
	t.Parallel()
	boom := errors.New("user store down")
	c, srv := simClient(t, truelayer.WithExtendFlow(func(context.Context, reauth.Request) (truelayer.User, error) { return truelayer.User{}, boom }))
	_, err := c.Begin(context.Background(), reauth.Request{Token: "rt-1234", RedirectURI: redirectURI})
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "truelayer: ")
	assert.Zero(t, srv.Count(""))
}
