package truelayer_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
)

// The published vector (testdata/, from TrueLayer/truelayer-signing, MIT).
const (
	vectorBody = `{"event_type":"example","event_id":"18b2842b-a57b-4887-a0a6-d3c7c36f1020"}`
	vectorPath = "/tl-webhook"
	vectorTS   = "2021-11-29T11:42:55Z"
)

func vectorVerifier(t *testing.T) (*truelayer.WebhookVerifier, *httpmock.MockTransport) {
	t.Helper()
	jwks, err := os.ReadFile("testdata/jwks.json")
	require.NoError(t, err)
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	mt.RegisterResponder(http.MethodGet, truelayer.ProductionJWKSURL, httpmock.NewBytesResponder(200, jwks))
	now, _ := time.Parse(time.RFC3339, vectorTS)
	v, err := truelayer.NewWebhookVerifier(
		truelayer.WithWebhookHTTPClient(&http.Client{Transport: mt}),
		truelayer.WithWebhookClock(func() time.Time { return now.Add(30 * time.Second) }),
	)
	require.NoError(t, err)
	return v, mt
}

func vectorRequest(t *testing.T, path, ts, body string) *http.Request {
	t.Helper()
	sig, err := os.ReadFile("testdata/webhook-signature.txt")
	require.NoError(t, err)
	r, err := http.NewRequest(http.MethodPost, "https://app.example"+path, bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	r.Header.Set("Tl-Signature", strings.TrimSpace(string(sig)))
	r.Header.Set("X-Tl-Webhook-Timestamp", ts)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestWebhookPublishedVector(t *testing.T) {
	t.Parallel()
	t.Run("accepted", func(t *testing.T) {
		t.Parallel()
		v, mt := vectorVerifier(t)
		ev, err := v.Verify(context.Background(), vectorRequest(t, vectorPath, vectorTS, vectorBody), []byte(vectorBody))
		require.NoError(t, err)
		assert.Equal(t, reauth.TrueLayer, ev.Provider)
		assert.Equal(t, reauth.Other, ev.Type)
		assert.Equal(t, "example", ev.ProviderType)
		assert.Equal(t, "18b2842b-a57b-4887-a0a6-d3c7c36f1020", ev.ID)
		assert.JSONEq(t, vectorBody, string(ev.Raw))
		assert.Equal(t, 1, mt.GetTotalCallCount())
	})
	t.Run("accepted with trailing slash toggled", func(t *testing.T) {
		t.Parallel()
		v, _ := vectorVerifier(t)
		_, err := v.Verify(context.Background(), vectorRequest(t, vectorPath+"/", vectorTS, vectorBody), []byte(vectorBody))
		require.NoError(t, err)
	})
	for name, tc := range map[string]struct{ path, ts, body string }{
		"timestamp changed": {vectorPath, "2021-11-29T11:42:56Z", vectorBody},
		"body altered":      {vectorPath, vectorTS, strings.Replace(vectorBody, "example", "exampla", 1)},
		"path changed":      {"/tl-webhook2", vectorTS, vectorBody},
	} {
		t.Run("rejected: "+name, func(t *testing.T) {
			t.Parallel()
			v, _ := vectorVerifier(t)
			_, err := v.Verify(context.Background(), vectorRequest(t, tc.path, tc.ts, tc.body), []byte(tc.body))
			require.Error(t, err)
			assert.True(t, errors.Is(err, reauth.ErrInvalidSignature), err)
		})
	}
}
