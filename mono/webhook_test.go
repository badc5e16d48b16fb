package mono_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

const whSecret = "whsec_mono_test_0123456789"

func delivery(header http.Header, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/mono", bytes.NewReader(body))
	for k, vs := range header {
		r.Header[k] = vs
	}
	return r
}

func TestWebhookEvents(t *testing.T) {
	t.Parallel()
	v, err := mono.NewWebhookVerifier(whSecret)
	require.NoError(t, err)
	const acc = "5fbcde8f8699984153e65537"
	cases := []struct {
		name, body string
		typ        reauth.EventType
		id         string
	}{
		{"reauthorisation_required", `{"event":"mono.events.reauthorisation_required","data":{"account":{"_id":"` + acc + `"}}}`, reauth.ReauthRequired, ""},
		{"account_updated needing re-auth", `{"event":"mono.events.account_updated","data":{"meta":{"data_status":"AVAILABLE","sync_status":"REAUTHORISATION_REQUIRED"},"account":{"_id":"` + acc + `"}}}`, reauth.ReauthRequired, ""},
		{"account_updated synced", `{"event":"mono.events.account_updated","data":{"meta":{"data_status":"available","sync_status":"SUCCESSFUL"},"account":{"_id":"` + acc + `"}}}`, reauth.Other, ""},
		{"jobs.update needing re-auth", `{"event":"mono.accounts.jobs.update","data":{"status":"reauthorisation_required","account":{"_id":"` + acc + `"}}}`, reauth.ReauthRequired, ""},
		{"jobs.update finished", `{"event":"mono.accounts.jobs.update","data":{"status":"finished","account":{"_id":"` + acc + `"}}}`, reauth.Other, ""},
		{"account_unlinked", `{"event":"mono.events.account_unlinked","data":{"account":{"id":"` + acc + `"}}}`, reauth.ConsentRevoked, ""},
		{"account_reauthorized, event_id on top", `{"event":"mono.events.account_reauthorized","event_id":"evt_top","data":{"account":{"_id":"` + acc + `"}}}`, reauth.ReauthCompleted, "evt_top"},
		{"account_reauthorized, event_id in data", `{"event":"mono.events.account_reauthorized","data":{"event_id":"evt_data","app":"a","business":"b","account":{"_id":"` + acc + `"}}}`, reauth.ReauthCompleted, "evt_data"},
		{"unknown event", `{"event":"mono.events.something_new","data":{"account":{"_id":"` + acc + `"}}}`, reauth.Other, ""},
	}
	for _, tc := range cases {
		body := []byte(tc.body)
		ev, err := v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), body), body)
		require.NoError(t, err, tc.name)
		var name struct{ Event string }
		require.NoError(t, json.Unmarshal(body, &name))
		assert.Equal(t, reauth.Event{ID: tc.id, Provider: reauth.Mono, Type: tc.typ, ProviderType: name.Event,
			ConnectionID: acc, Raw: body}, *ev, tc.name)
	}
	// the simulator's own deliveries read the same way
	for event, typ := range map[string]reauth.EventType{
		monotest.EventAccountUpdated: reauth.ReauthRequired, monotest.EventJobsUpdate: reauth.ReauthRequired,
		monotest.EventAccountUnlinked: reauth.ConsentRevoked, monotest.EventAccountReauthorized: reauth.ReauthCompleted,
	} {
		body := monotest.WebhookBody(event, acc)
		ev, err := v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), body), body)
		require.NoError(t, err, event)
		assert.Equal(t, typ, ev.Type, event)
		assert.Equal(t, acc, ev.ConnectionID, event)
		if typ == reauth.ReauthCompleted {
			assert.NotEmpty(t, ev.ID, "account_reauthorized carries an event_id")
		}
	}
}

func TestWebhookOptionalFields(t *testing.T) {
	t.Parallel()
	v, err := mono.NewWebhookVerifier(whSecret)
	require.NoError(t, err)
	body := []byte(`{"event":"mono.events.account_unlinked","event_id":"evt_1","timestamp":1700000000000,"data":{"account":{"id":"acc_9"}}}`)
	ev, err := v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), body), body)
	require.NoError(t, err)
	assert.Equal(t, "evt_1", ev.ID)
	assert.Equal(t, "acc_9", ev.ConnectionID)
	assert.Equal(t, time.UnixMilli(1700000000000).UTC(), ev.OccurredAt)

	body = []byte(`{"event":"mono.events.account_connected","data":{"id":"acc_10"}}`)
	ev, err = v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), body), body)
	require.NoError(t, err)
	assert.Equal(t, "acc_10", ev.ConnectionID)

	// Undocumented fields in shapes we do not read: an authentic delivery
	// is still accepted (a 400 would make Mono redeliver it forever).
	for _, body := range []string{
		`{"event":"mono.events.reauthorisation_required","timestamp":"Mon, 13 May 2025","id":{"x":1},"data":{"account":{"_id":"acc_11"}}}`,
		`{"event":"mono.events.reauthorisation_required","event_id":[1],"timestamp":{},"data":{"account":"acc_11"}}`,
		`{"event":"mono.events.reauthorisation_required","data":{"account":["odd"],"id":"acc_11"}}`,
	} {
		b := []byte(body)
		ev, err = v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), b), b)
		require.NoError(t, err, body)
		assert.Equal(t, reauth.ReauthRequired, ev.Type, body)
		assert.Equal(t, "acc_11", ev.ConnectionID, body)
		assert.Empty(t, ev.ID, body)
		assert.True(t, ev.OccurredAt.IsZero(), body)
	}
	body = []byte(`{"event":"mono.events.account_updated","data":"not an object"}`)
	ev, err = v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), body), body)
	require.NoError(t, err)
	assert.Empty(t, ev.ConnectionID)
}

func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	v, err := mono.NewWebhookVerifier(whSecret)
	require.NoError(t, err)
	good := monotest.WebhookBody(mono.EventAccountReauthorized, "acc")
	cases := []struct {
		name   string
		header http.Header
		body   []byte
		kind   error
	}{
		{"no header", http.Header{}, good, reauth.ErrInvalidSignature},
		{"wrong secret", monotest.WebhookHeader("whsec_other"), good, reauth.ErrInvalidSignature},
		{"secret prefix", monotest.WebhookHeader(whSecret[:10]), good, reauth.ErrInvalidSignature},
		{"wrong secret, garbage body: signature first", monotest.WebhookHeader("nope"), []byte("{{{"), reauth.ErrInvalidSignature},
		{"not json", monotest.WebhookHeader(whSecret), []byte("{{{"), reauth.ErrInvalidPayload},
		{"array", monotest.WebhookHeader(whSecret), []byte(`[1]`), reauth.ErrInvalidPayload},
		{"no event", monotest.WebhookHeader(whSecret), []byte(`{"data":{}}`), reauth.ErrInvalidPayload},
		{"cut short", monotest.WebhookHeader(whSecret), append([]byte(`{"event":"x","pad":"`), bytes.Repeat([]byte("a"), 5000)...), reauth.ErrInvalidPayload},
	}
	scan := reauthtest.NewLeakScan(whSecret)
	for _, tc := range cases {
		_, err := v.Verify(context.Background(), delivery(tc.header, tc.body), tc.body)
		require.ErrorIs(t, err, tc.kind, tc.name)
		scan.Add(err)
	}
	// The verifier trusts its body (reauth.NewWebhookHandler caps it):
	// a large authentic delivery is no refusal.
	large := []byte(`{"event":"x","pad":"` + strings.Repeat("a", 5000) + `"}`)
	_, err = v.Verify(context.Background(), delivery(monotest.WebhookHeader(whSecret), large), large)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), nil, good)
	require.ErrorIs(t, err, reauth.ErrInvalidSignature)
	scan.Add(err, v)
	_, err = mono.NewWebhookVerifier("")
	require.Error(t, err)
	require.Equal(t, len(cases)+2, scan.Check(t))
}

func TestWebhookHandlerEndToEnd(t *testing.T) {
	t.Parallel()
	srv := newSim(t, monotest.WithWebhookSecret(whSecret))
	v, err := mono.NewWebhookVerifier(whSecret)
	require.NoError(t, err)
	dd := mono.NewDeduper(time.Hour, 100, nil)
	var mu sync.Mutex
	var got []reauth.Event
	h := reauth.NewWebhookHandler(v, func(_ context.Context, ev reauth.Event) error {
		if dd.Seen(ev) {
			return nil
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		return nil
	})
	app := httptest.NewServer(h)
	defer app.Close()

	srv.RequireReauth(monotest.AccountOTP)
	c := simClient(t, srv)
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	_, err = c.Continue(ctx, flow, approve(t, srv, flow))
	require.NoError(t, err)
	pending := srv.Deliveries()
	require.NoError(t, srv.DeliverWebhooks(ctx, app.URL))
	assert.Empty(t, srv.Deliveries())

	// Mono redelivers the last one: the deduper drops it.
	last := pending[len(pending)-1]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, app.URL, bytes.NewReader(last.Body))
	require.NoError(t, err)
	req.Header = monotest.WebhookHeader(whSecret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// a forged delivery is refused with 401
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, app.URL, bytes.NewReader(last.Body))
	require.NoError(t, err)
	req.Header = monotest.WebhookHeader("forged")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, reauth.ReauthRequired, got[0].Type)
	assert.Equal(t, reauth.ReauthCompleted, got[1].Type)
	assert.Equal(t, monotest.AccountOTP, got[1].ConnectionID)
	app.CloseClientConnections()
	http.DefaultClient.CloseIdleConnections()
}

func TestDeduper(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	d := mono.NewDeduper(time.Minute, 2, func() time.Time { return now })
	a := reauth.Event{ID: "evt_a"}
	b := reauth.Event{Raw: []byte(`{"event":"b"}`)}
	c := reauth.Event{Raw: []byte(`{"event":"c"}`)}
	assert.False(t, d.Seen(a))
	assert.True(t, d.Seen(a))
	assert.False(t, d.Seen(b))
	assert.True(t, d.Seen(reauth.Event{Raw: []byte(`{"event":"b"}`)}))
	assert.False(t, d.Seen(c)) // evicts a (max 2)
	assert.False(t, d.Seen(a))
	now = now.Add(2 * time.Minute)
	assert.False(t, d.Seen(c), "expired after the ttl")
	assert.True(t, strings.HasPrefix(mono.Key(a), "id:"))
	assert.True(t, strings.HasPrefix(mono.Key(b), "body:"))
}
