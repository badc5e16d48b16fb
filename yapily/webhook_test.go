package yapily_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

const webhookSecret = "whsec-yapily-test-secret-0001"

const webhookBody = `{"id":"wh-1","applicationId":"app-1","type":"consent.expired",
"event":{"consentId":"56a42244-414a-4b52-8c4f-4ad2a50e82fe","createdAt":"2026-01-02T03:04:05Z","metadata":{"k":"v"}},
"metadata":{"tracingId":"trace-123"}}`

func signedRequest(t testing.TB, secret, body string) *http.Request {
	t.Helper()
	r, err := yapilytest.NewWebhookRequest(context.Background(), "http://app.example/hooks/yapily", secret, []byte(body))
	require.NoError(t, err)
	return r
}

func TestWebhookVerifies(t *testing.T) {
	t.Parallel()
	v, err := yapily.NewWebhookVerifier(webhookSecret)
	require.NoError(t, err)
	ev, err := v.Verify(context.Background(), signedRequest(t, webhookSecret, webhookBody), []byte(webhookBody))
	require.NoError(t, err)
	assert.Equal(t, &reauth.Event{
		ID: "trace-123", Provider: reauth.Yapily, Type: reauth.ConsentExpired, ProviderType: "consent.expired",
		ConnectionID: "56a42244-414a-4b52-8c4f-4ad2a50e82fe", OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Raw: []byte(webhookBody),
	}, ev)
}

func TestWebhookDocumentedCategoryIsOther(t *testing.T) {
	t.Parallel()
	v, err := yapily.NewWebhookVerifier(webhookSecret)
	require.NoError(t, err)
	body := `{"id":"wh","applicationId":"a","type":"payment.state.success","event":{"id":"ev-9","consent":{"id":"c-1"}}}`
	ev, err := v.Verify(context.Background(), signedRequest(t, webhookSecret, body), []byte(body))
	require.NoError(t, err)
	assert.Equal(t, reauth.Other, ev.Type)
	assert.Equal(t, "ev-9", ev.ID)
	assert.Equal(t, "c-1", ev.ConnectionID)
	assert.True(t, ev.OccurredAt.IsZero())
}

func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	v, err := yapily.NewWebhookVerifier(webhookSecret)
	require.NoError(t, err)
	good := signedRequest(t, webhookSecret, webhookBody)
	cases := []struct {
		name string
		req  *http.Request
		body string
		want error
	}{
		{"no header", httptest.NewRequest(http.MethodPost, "/", nil), webhookBody, reauth.ErrInvalidSignature},
		{"wrong secret", signedRequest(t, "other-secret", webhookBody), webhookBody, reauth.ErrInvalidSignature},
		{"body changed", good, strings.Replace(webhookBody, "expired", "revoked", 1), reauth.ErrInvalidSignature},
		{"not hex", withSig("zz"), webhookBody, reauth.ErrInvalidSignature},
		{"short", withSig("abcd"), webhookBody, reauth.ErrInvalidSignature},
		{"authentic but not JSON", signedRequest(t, webhookSecret, "not json"), "not json", reauth.ErrInvalidPayload},
		{"authentic without type", signedRequest(t, webhookSecret, `{"id":"x"}`), `{"id":"x"}`, reauth.ErrInvalidPayload},
	}
	for _, tc := range cases {
		ev, err := v.Verify(context.Background(), tc.req, []byte(tc.body))
		assert.ErrorIs(t, err, tc.want, tc.name)
		assert.Nil(t, ev, tc.name)
		if err != nil {
			assert.NotContains(t, err.Error(), webhookSecret)
		}
	}
	_, err = v.Verify(context.Background(), nil, []byte(webhookBody))
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
}

func withSig(sig string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set(yapily.DefaultSignatureHeader, sig)
	return r
}

func TestWebhookOptions(t *testing.T) {
	t.Parallel()
	m := hmac.New(sha256.New, []byte("old-secret"))
	m.Write([]byte(webhookBody))
	sig := "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	v, err := yapily.NewWebhookVerifier(webhookSecret, yapily.WithSignatureHeader("X-Webhook-Signature"),
		yapily.WithSignatureEncoding(yapily.Base64), yapily.WithPreviousSecret("old-secret"),
		yapily.WithEventTypes(map[string]reauth.EventType{"consent.expired": reauth.ReauthRequired}))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("X-Webhook-Signature", sig)
	ev, err := v.Verify(context.Background(), r, []byte(webhookBody))
	require.NoError(t, err)
	assert.Equal(t, reauth.ReauthRequired, ev.Type)

	_, err = yapily.NewWebhookVerifier("", yapily.WithSignatureHeader(" "), yapily.WithSignatureEncoding("rot13"),
		yapily.WithPreviousSecret(""), yapily.WithMaxWebhookBytes(0), nil)
	require.Error(t, err)
	for _, s := range []string{"secret is required", "WithSignatureHeader", "WithSignatureEncoding", "WithPreviousSecret", "WithMaxWebhookBytes", "option 4 is nil"} {
		assert.Contains(t, err.Error(), s)
	}
}

func TestWebhookThroughHandler(t *testing.T) {
	t.Parallel()
	v, err := yapily.NewWebhookVerifier(webhookSecret)
	require.NoError(t, err)
	var got []reauth.Event
	h := reauth.NewWebhookHandler(v, func(_ context.Context, ev reauth.Event) error {
		got = append(got, ev)
		return nil
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(t, webhookSecret, webhookBody))
	assert.Equal(t, http.StatusOK, rec.Code)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(t, "forged", webhookBody))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(t, webhookSecret, "[1]"))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	require.Len(t, got, 1)
	assert.Equal(t, reauth.ConsentExpired, got[0].Type)
}

func FuzzWebhookVerify(f *testing.F) {
	f.Add([]byte(webhookBody), true)
	f.Add([]byte(`{"type":"x","event":[1]}`), true)
	f.Add([]byte(`{"type":1,"event":{"consentId":{"a":1},"createdAt":"bad"}}`), true)
	f.Add([]byte(`garbage`), false)
	f.Add([]byte(`{"type":"consent.revoked","event":{"consent":{"id":7},"timestamp":1700000000123}}`), true)
	v, err := yapily.NewWebhookVerifier(webhookSecret)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if sign {
			r.Header.Set(yapily.DefaultSignatureHeader, yapilytest.SignWebhook(webhookSecret, body))
		} else {
			r.Header.Set(yapily.DefaultSignatureHeader, yapilytest.SignWebhook("wrong", body))
		}
		ev, err := v.Verify(context.Background(), r, body)
		if !sign {
			if !errors.Is(err, reauth.ErrInvalidSignature) {
				t.Fatalf("unsigned body accepted: %v", err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, reauth.ErrInvalidPayload) {
				t.Fatalf("signed body: %v", err)
			}
			return
		}
		if ev == nil || ev.Provider != reauth.Yapily || ev.ProviderType == "" || !bytes.Equal(ev.Raw, body) {
			t.Fatalf("bad event %+v", ev)
		}
	})
}
