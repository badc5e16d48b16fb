package truelayer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// hookApp starts a simulator and an application serving
// reauth.NewWebhookHandler (calling handle) over a verifier that trusts the
// simulator's JWKS, both on one test clock. It returns the app's webhook
// URL for path.
func hookApp(t *testing.T, path string, handle func(context.Context, reauth.Event) error) (*truelayertest.Server, *clock, string) {
	t.Helper()
	clk := &clock{t: testNow}
	srv := truelayertest.NewServer(truelayertest.WithClock(clk.now))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	v, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(srv.JWKSURL()), truelayer.WithWebhookHTTPClient(hc), truelayer.WithWebhookClock(clk.now))
	require.NoError(t, err)
	app := httptest.NewServer(reauth.NewWebhookHandler(v, handle))
	t.Cleanup(app.Close)
	return srv, clk, app.URL + path
}

// forged posts a delivery signed by a key TrueLayer never published, under
// a fresh kid, and returns the status.
func forged(t *testing.T, srv *truelayertest.Server, clk *clock, target string) int {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	h := http.Header{}
	h.Set("X-Tl-Webhook-Timestamp", clk.now().Format(time.RFC3339))
	sig, err := truelayertest.SignDetached(key, "kid-attacker-"+clk.now().String(), srv.JWKSURL(), hookPath, "X-Tl-Webhook-Timestamp", h, hookBody)
	require.NoError(t, err)
	h.Set("Tl-Signature", sig)
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(hookBody))
	require.NoError(t, err)
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func deliver(t *testing.T, srv *truelayertest.Server, target string) int {
	t.Helper()
	status, err := srv.DeliverWebhook(context.Background(), target, hookBody)
	require.NoError(t, err)
	return status
}

// 50 forged deliveries while the JWKS host is down cause at most a couple
// of fetches, and are answered 503 (retry), never 401.
func TestJWKSDownForgedDeliveriesRateLimited(t *testing.T) {
	t.Parallel()
	srv, clk, target := hookApp(t, hookPath, nil)
	srv.Inject(truelayertest.RouteJWKS, 1000, faultStatus(503))
	for i := range 50 {
		assert.Equal(t, http.StatusServiceUnavailable, forged(t, srv, clk, target))
		if i%10 == 9 {
			clk.add(time.Second)
		}
	}
	t.Logf("JWKS fetches for 50 forged deliveries while down: %d", srv.Count(truelayertest.RouteJWKS))
	assert.LessOrEqual(t, srv.Count(truelayertest.RouteJWKS), 2, "fetches while down")
	// The host recovers; past the window a genuine delivery passes.
	srv.ClearFaults()
	clk.add(11 * time.Second)
	assert.Equal(t, http.StatusOK, deliver(t, srv, target))
}

// An attacker forces a refetch; TrueLayer rotates its key right after; the
// genuine delivery with the new kid gets 503 (never 401), and succeeds on
// TrueLayer's retry once the window has passed.
func TestJWKSRotationRightAfterAttackerRefetch(t *testing.T) {
	t.Parallel()
	srv, clk, target := hookApp(t, hookPath, nil)
	require.Equal(t, http.StatusOK, deliver(t, srv, target))
	clk.add(time.Minute)
	require.Equal(t, http.StatusUnauthorized, forged(t, srv, clk, target), "a fresh fetch lacks the attacker's kid")
	require.Equal(t, 2, srv.Count(truelayertest.RouteJWKS))
	srv.RotateKey()
	clk.add(time.Second)
	assert.Equal(t, http.StatusServiceUnavailable, deliver(t, srv, target), "inside the window: retry, not 401")
	clk.add(10 * time.Second)
	assert.Equal(t, http.StatusOK, deliver(t, srv, target))
	assert.Equal(t, 3, srv.Count(truelayertest.RouteJWKS))
}

// TrueLayer's signing guide refetches when a verification fails, not only
// on an unknown kid: a new key under the cached kid is found.
func TestJWKSRefetchOnFailedVerification(t *testing.T) {
	t.Parallel()
	srv, clk, target := hookApp(t, hookPath, nil)
	require.Equal(t, http.StatusOK, deliver(t, srv, target))
	srv.ReplaceKey()
	clk.add(time.Minute)
	assert.Equal(t, http.StatusOK, deliver(t, srv, target))
	assert.Equal(t, 2, srv.Count(truelayertest.RouteJWKS))
}

// The signed path is the request target as received: a percent-encoded
// webhook path verifies.
func TestWebhookPathAsReceived(t *testing.T) {
	t.Parallel()
	srv, _, target := hookApp(t, "/hooks/tenant%2Fa/truelayer", nil)
	assert.Equal(t, http.StatusOK, deliver(t, srv, target))
}

// Payments v3 bodies name the event "type".
func TestWebhookPaymentsV3Body(t *testing.T) {
	t.Parallel()
	got := make(chan reauth.Event, 1)
	srv, _, target := hookApp(t, hookPath, func(_ context.Context, ev reauth.Event) error { got <- ev; return nil })
	body := []byte(`{"type":"payment_settled","event_id":"ev-v3-1","event_version":1,"payment_id":"p-1","settled_at":"2026-03-01T11:58:00Z"}`)
	status, err := srv.DeliverWebhook(context.Background(), target, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	ev := <-got
	assert.Equal(t, "payment_settled", ev.ProviderType)
	assert.Equal(t, "ev-v3-1", ev.ID)
}

// An allow-listed JWKS URL that redirects to another host is a failed
// fetch: the keys there are never fetched, and a delivery signed with them
// is not accepted.
func TestJWKSRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		foreignHits.Add(1)
		coord := func(n *big.Int) string { return base64.RawURLEncoding.EncodeToString(n.FillBytes(make([]byte, 66))) }
		sim.WriteJSON(w, 200, map[string]any{"keys": []map[string]string{{"kty": "EC", "alg": "ES512", "kid": "k", "crv": "P-521", "x": coord(key.X), "y": coord(key.Y)}}})
	}))
	t.Cleanup(foreign.Close)
	allowed := httptest.NewServer(http.RedirectHandler(foreign.URL+"/jwks", http.StatusTemporaryRedirect))
	t.Cleanup(allowed.Close)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	v, err := truelayer.NewWebhookVerifier(truelayer.WithJWKSURLs(allowed.URL+"/jwks"), truelayer.WithWebhookHTTPClient(hc),
		truelayer.WithWebhookClock(func() time.Time { return testNow }))
	require.NoError(t, err)
	h := http.Header{}
	h.Set(truelayer.TimestampHeader, testNow.Format(time.RFC3339))
	sig, err := truelayertest.SignDetached(key, "k", allowed.URL+"/jwks", hookPath, truelayer.TimestampHeader, h, hookBody)
	require.NoError(t, err)
	h.Set(truelayer.SignatureHeader, sig)
	_, err = v.Verify(context.Background(), hookRequest(t, h, hookPath, hookBody), hookBody)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Zero(t, foreignHits.Load(), "the redirect target was fetched")
}
