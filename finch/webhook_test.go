package finch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// Finch's published vector (reference §1.9, finch-api-go webhook_test.go).
const (
	vecSecret = "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
	vecID     = "msg_2Lh9KRb0pzN4LePd3XiA4v12Axj"
	vecTS     = 1676312382
	vecBody   = `{"company_id":"720be419-0293-4d32-a707-32179b0827ab"}`
	vecSig    = "v1,m7y0TV2C+hlHxU42wCieApTSTaA8/047OAplBqxIV/s="
)

func vecClock(offset time.Duration) func() time.Time {
	return func() time.Time { return time.Unix(vecTS, 0).Add(offset) }
}

func vecRequest(sigs ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/finch", strings.NewReader(vecBody))
	r.Header.Set("finch-event-id", vecID) // any case
	r.Header.Set("FINCH-TIMESTAMP", strconv.Itoa(vecTS))
	for _, s := range sigs {
		r.Header.Add("Finch-Signature", s)
	}
	return r
}

func newVerifier(t *testing.T, secret string, offset time.Duration, opts ...finch.WebhookOption) *finch.WebhookVerifier {
	t.Helper()
	v, err := finch.NewWebhookVerifier(secret, append([]finch.WebhookOption{finch.WithWebhookClock(vecClock(offset))}, opts...)...)
	require.NoError(t, err)
	return v
}

func TestWebhookPublishedVector(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{vecSecret, "whsec_" + vecSecret} {
		v := newVerifier(t, secret, 30*time.Second)
		ev, err := v.Verify(context.Background(), vecRequest(vecSig), []byte(vecBody))
		require.NoError(t, err, secret)
		assert.Equal(t, vecID, ev.ID)
		assert.Equal(t, reauth.Finch, ev.Provider)
		assert.Equal(t, reauth.Other, ev.Type)
		assert.Equal(t, time.Unix(vecTS, 0).UTC(), ev.OccurredAt)
		assert.JSONEq(t, vecBody, string(ev.Raw))
	}
}

func TestWebhookRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := newVerifier(t, vecSecret, 0)
	cases := []struct {
		name string
		req  *http.Request
		body string
	}{
		{"tampered body", vecRequest(vecSig), `{"company_id":"720be419-0293-4d32-a707-32179b0827ac"}`},
		{"tampered signature", vecRequest("v1,m7y0TV2C+hlHxU42wCieApTSTaA8/047OAplBqxIW/s="), vecBody},
		{"non-canonical base64", vecRequest("v1,m7y0TV2C+hlHxU42wCieApTSTaA8/047OAplBqxIV/t="), vecBody},
		{"wrong version", vecRequest(strings.Replace(vecSig, "v1,", "v2,", 1)), vecBody},
		{"no signature", vecRequest(), vecBody},
		{"garbage signature", vecRequest("v1,!!!", "nonsense", ""), vecBody},
		{"no id", func() *http.Request { r := vecRequest(vecSig); r.Header.Del("Finch-Event-Id"); return r }(), vecBody},
		{"other id", func() *http.Request { r := vecRequest(vecSig); r.Header.Set("Finch-Event-Id", "msg_x"); return r }(), vecBody},
		{"no timestamp", func() *http.Request { r := vecRequest(vecSig); r.Header.Del("Finch-Timestamp"); return r }(), vecBody},
		{"bad timestamp", func() *http.Request {
			r := vecRequest(vecSig)
			r.Header.Set("Finch-Timestamp", "1676312382.0")
			return r
		}(), vecBody},
		{"nil request", nil, vecBody},
	}
	for _, tc := range cases {
		_, err := v.Verify(ctx, tc.req, []byte(tc.body))
		assert.ErrorIs(t, err, reauth.ErrInvalidSignature, tc.name)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "finch: "), err.Error())
		}
	}
}

func TestWebhookTimestampWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		offset time.Duration
		ok     bool
	}{
		{-300 * time.Second, true}, {300 * time.Second, true},
		{301 * time.Second, false},  // delivery too old
		{-301 * time.Second, false}, // delivery too new
		{time.Hour, false},
	} {
		v := newVerifier(t, vecSecret, tc.offset)
		_, err := v.Verify(ctx, vecRequest(vecSig), []byte(vecBody))
		if tc.ok {
			assert.NoError(t, err, tc.offset)
		} else {
			assert.ErrorIs(t, err, reauth.ErrInvalidSignature, tc.offset)
		}
	}
	v := newVerifier(t, vecSecret, time.Hour, finch.WithTolerance(2*time.Hour))
	_, err := v.Verify(ctx, vecRequest(vecSig), []byte(vecBody))
	assert.NoError(t, err)
}

func TestWebhookMultipleSignatures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := newVerifier(t, vecSecret, 0)
	other := "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	for name, req := range map[string]*http.Request{
		"space separated, valid last":  vecRequest(other + " " + vecSig),
		"space separated, valid first": vecRequest(vecSig + "  " + other),
		"repeated headers":             vecRequest(other, vecSig),
		"both":                         vecRequest("v2,xyz "+other, other+" "+vecSig),
	} {
		_, err := v.Verify(ctx, req, []byte(vecBody))
		assert.NoError(t, err, name)
	}
	_, err := v.Verify(ctx, vecRequest(other+" "+other, other), []byte(vecBody))
	assert.ErrorIs(t, err, reauth.ErrInvalidSignature)
}

func TestWebhookPayloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	v, err := finch.NewWebhookVerifier(vecSecret, finch.WithWebhookClock(func() time.Time { return now }))
	require.NoError(t, err)
	verify := func(body string) (*reauth.Event, error) {
		p, err := finchtest.GenerateTestSignedPayload(vecSecret, now, []byte(body))
		require.NoError(t, err)
		r, err := p.Request(ctx, "http://app.example/webhooks")
		require.NoError(t, err)
		return v.Verify(ctx, r, p.Body)
	}
	ev, err := verify(`{"event_type":"account.updated","connection_id":"conn-1","company_id":"c","account_id":"a",
		"data":{"status":"reauth","authentication_method":{"type":"credential"}}}`)
	require.NoError(t, err)
	assert.Equal(t, reauth.ReauthRequired, ev.Type)
	assert.Equal(t, "account.updated", ev.ProviderType)
	assert.Equal(t, "conn-1", ev.ConnectionID)

	ev, err = verify(`{"event_type":"account.updated","connection_id":"conn-1","data":{"status":"error_reauth","authentication_method":"credential"}}`)
	require.NoError(t, err)
	assert.Equal(t, reauth.ReauthRequired, ev.Type)
	ev, err = verify(`{"event_type":"account.updated","connection_id":"conn-1","data":{"status":"disconnected"}}`)
	require.NoError(t, err)
	assert.Equal(t, reauth.ConsentRevoked, ev.Type)
	ev, err = verify(`{"event_type":"account.updated","data":{"status":"connected"}}`)
	require.NoError(t, err)
	assert.Equal(t, reauth.ReauthCompleted, ev.Type, "back to connected is a completed re-auth")
	ev, err = verify(`{"event_type":"directory.created","connection_id":"conn-1","data":{"individual_id":"i"}}`)
	require.NoError(t, err)
	assert.Equal(t, reauth.Other, ev.Type)
	assert.Equal(t, "directory.created", ev.ProviderType)

	for _, bad := range []string{`not json`, `[1,2]`, `null`, `{"event_type":"account.updated","data":"reauth"}`, `{"event_type":5}`} {
		_, err = verify(bad)
		assert.ErrorIs(t, err, reauth.ErrInvalidPayload, bad)
	}
	// The verifier has no cap of its own: reauth.NewWebhookHandler caps.
	big := `{"event_type":"x","pad":"` + strings.Repeat("a", reauth.DefaultMaxWebhookBytes) + `"}`
	ev, err = verify(big)
	require.NoError(t, err)
	assert.Equal(t, "x", ev.ProviderType)
}

// TestUnconfiguredVerifiersAnswer401: a typed-nil or zero-value verifier in
// reauth.NewWebhookHandler refuses an authentic delivery with 401, never
// a panic or a 400.
func TestUnconfiguredVerifiersAnswer401(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	for name, v := range map[string]*finch.WebhookVerifier{"typed nil": nil, "zero": {}} {
		h := reauth.NewWebhookHandler(v, func(context.Context, reauth.Event) error { return nil })
		req, err := srv.WebhookRequest(context.Background(), "http://app.example/webhooks/finch", srv.AccountUpdated(conn.ID, finchtest.StatusReauth))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		require.NotPanics(t, func() { h.ServeHTTP(rec, req) }, name)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, name)
		_, err = v.Verify(context.Background(), req, []byte(`{}`))
		assert.ErrorIs(t, err, reauth.ErrInvalidSignature, name)
	}
}

// webhookApp serves reauth.NewWebhookHandler with a verifier for the
// simulator's secret, handing each event to the channel.
func webhookApp(t *testing.T) (*httptest.Server, <-chan reauth.Event) {
	t.Helper()
	v, err := finch.NewWebhookVerifier(finchtest.WebhookSecret)
	require.NoError(t, err)
	events := make(chan reauth.Event, 1)
	app := httptest.NewServer(reauth.NewWebhookHandler(v, func(_ context.Context, ev reauth.Event) error {
		events <- ev
		return nil
	}))
	t.Cleanup(app.Close)
	return app, events
}

// TestWebhookReauthCompletedFromSimulator: the simulator's account.updated
// back to connected, delivered over HTTP, is a ReauthCompleted event.
func TestWebhookReauthCompletedFromSimulator(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	app, events := webhookApp(t)
	status, err := srv.DeliverWebhook(context.Background(), app.URL, srv.AccountUpdated(conn.ID, finchtest.StatusConnected))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	ev := <-events
	assert.Equal(t, reauth.ReauthCompleted, ev.Type)
	assert.Equal(t, conn.ID, ev.ConnectionID)
}

func TestNewWebhookVerifierValidates(t *testing.T) {
	t.Parallel()
	_, err := finch.NewWebhookVerifier("")
	assert.Error(t, err)
	_, err = finch.NewWebhookVerifier("not base64 !!!", finch.WithTolerance(0), finch.WithWebhookClock(nil), nil)
	require.Error(t, err)
	for _, want := range []string{"base64", "WithTolerance", "WithWebhookClock", "option 2 is nil"} {
		assert.Contains(t, err.Error(), want)
	}
	scan := reauthtest.NewLeakScan(vecSecret)
	scan.Add(newVerifier(t, vecSecret, 0))
	assert.Equal(t, 1, scan.Check(t), "values scanned")
}

// TestWebhookHandlerWithSimulatorDelivery sends a signed account.updated
// from the simulator through reauth.NewWebhookHandler.
func TestWebhookHandlerWithSimulatorDelivery(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	app, got := webhookApp(t)

	srv.RequireReauth(conn.ID)
	status, err := srv.DeliverWebhook(context.Background(), app.URL, srv.AccountUpdated(conn.ID, finchtest.StatusReauth))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	// The handler runs before the 200 is written: the event is already here.
	select {
	case ev := <-got:
		assert.Equal(t, reauth.ReauthRequired, ev.Type)
		assert.Equal(t, conn.ID, ev.ConnectionID)
	default:
		t.Fatal("the handler was not called")
	}

	// A delivery signed with another secret is refused with 401.
	other := finchtest.NewServer(finchtest.WithWebhookSecret("b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA=="))
	defer other.Close()
	status, err = other.DeliverWebhook(context.Background(), app.URL, srv.AccountUpdated(conn.ID, finchtest.StatusReauth))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
}
