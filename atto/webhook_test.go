package atto_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

const (
	hookHeader = "X-Atto-Webhook-Secret"
	hookSecret = "HOOKSECRET-3e4f5a6b7c8d"
	hookUser   = "atto-hooks"
	hookPass   = "HOOKPASS-9a8b7c6d5e4f"
	hookTarget = "https://app.example/webhooks/atto"
)

func newVerifier(t testing.TB, c *atto.Client) *atto.WebhookVerifier {
	t.Helper()
	v, err := atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, hookSecret), atto.WithBasicAuth(hookUser, hookPass))
	require.NoError(t, err)
	return v
}

func delivery(t testing.TB, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, hookTarget, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(hookHeader, hookSecret)
	return r
}

func body(id, status string) []byte {
	return attotest.NotificationBody(attotest.Notification{
		ID: "evt-1", EventType: "Consent", ConsentJourney: "Reauthentication", ConsentID: id, ConsentStatus: status,
	})
}

func TestWebhookTrustsTheAPINotTheBody(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	id := srv.NewConsent(attotest.StatusExpired)
	raw := body(id, "Active") // the body lies
	ev, err := v.Verify(t.Context(), delivery(t, raw), raw)
	require.NoError(t, err)
	assert.Equal(t, reauth.ConsentExpired, ev.Type)
	assert.Equal(t, id, ev.ConnectionID)
	assert.Equal(t, reauth.Atto, ev.Provider)
	assert.Equal(t, "Consent", ev.ProviderType)
	assert.Equal(t, "evt-1", ev.ID)
	assert.JSONEq(t, string(raw), string(ev.Raw))
	assert.Equal(t, 1, srv.Count("GET /consents/v1/"+id))
}

func TestWebhookAfterApprovalIsReauthCompleted(t *testing.T) {
	t.Parallel()
	srv, c, v := hookSim(t)
	id := srv.NewConsent(attotest.StatusExpired)
	flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	_, err = srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	notes := srv.Notifications()
	require.Len(t, notes, 1)
	raw := attotest.NotificationBody(notes[0])
	ev, err := v.Verify(t.Context(), delivery(t, raw), raw)
	require.NoError(t, err)
	assert.Equal(t, reauth.ReauthCompleted, ev.Type)
	assert.Equal(t, notes[0].ID, ev.ID)
	assert.False(t, ev.OccurredAt.IsZero())
}

func TestWebhookEventTypes(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	for _, tc := range []struct {
		consent attotest.Consent
		want    reauth.EventType
	}{
		{attotest.Consent{Status: attotest.StatusRevoked}, reauth.ConsentRevoked},
		{attotest.Consent{Status: attotest.StatusExpired}, reauth.ConsentExpired},
		{attotest.Consent{Status: attotest.StatusFailed, JourneyType: "Reauthentication"}, reauth.ReauthRequired},
		{attotest.Consent{Status: attotest.StatusAbandoned}, reauth.ReauthRequired},
		{attotest.Consent{Status: attotest.StatusPending}, reauth.Other},
		{attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(60 * 24 * time.Hour)}, reauth.Other},
		{attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(24 * time.Hour)}, reauth.ConsentExpiring},
		{attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(80 * 24 * time.Hour), JourneyType: "Reconfirmation"}, reauth.ReauthCompleted},
	} {
		id := srv.AddConsent(tc.consent)
		raw := []byte(`{"evenType":"Consent","ConsentId":"` + id + `"}`) // Atto's documented misspelling, PascalCase
		ev, err := v.Verify(t.Context(), delivery(t, raw), raw)
		require.NoError(t, err)
		assert.Equal(t, tc.want, ev.Type, tc.consent.Status)
		assert.Equal(t, "Consent", ev.ProviderType)
		assert.Contains(t, ev.ID, id, "without an event id, the id derives from the consent's state")
	}
}

// Atto's expiry notice for a consent re-authenticated once (journeyType
// stays Reauthentication) and ending beyond the lead time is
// ConsentExpiring, not ReauthCompleted; the body's status cannot override
// what the API says about a consent that is not Active.
func TestWebhookUpcomingExpirationNotice(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	renewed := srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, JourneyType: "Reauthentication",
		End: time.Now().Add(20 * 24 * time.Hour)})
	expired := srv.NewConsent(attotest.StatusExpired)
	ids := map[reauth.EventType]string{}
	for _, tc := range []struct {
		id, status string
		want       reauth.EventType
	}{
		{renewed, "UpcomingExpiration", reauth.ConsentExpiring},
		{renewed, "upcomingexpiration", reauth.ConsentExpiring},
		{renewed, "Active", reauth.ReauthCompleted},
		{expired, "UpcomingExpiration", reauth.ConsentExpired},
	} {
		// No event id in the body: the event's id is derived.
		raw := []byte(`{"eventType":"Consent","consentId":"` + tc.id + `","consentStatus":"` + tc.status + `"}`)
		ev, err := v.Verify(t.Context(), delivery(t, raw), raw)
		require.NoError(t, err)
		assert.Equal(t, tc.want, ev.Type, tc.status)
		if prev, seen := ids[ev.Type]; seen {
			assert.Equal(t, prev, ev.ID, "redeliveries of one event share an id")
		}
		ids[ev.Type] = ev.ID
	}
	assert.NotEqual(t, ids[reauth.ConsentExpiring], ids[reauth.ReauthCompleted],
		"an expiry notice is not deduplicated against the re-auth it follows")
}

func TestWebhookAPIForbiddenMapsToEvents(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	id := srv.NewConsent(attotest.StatusActive)
	srv.Inject("GET /consents/v1/"+id, 1, sim.Fault{Kind: sim.FaultStatus, Status: 403, Body: `{"Code":"consent_revoked","Description":"revoked"}`})
	raw := body(id, "Active")
	ev, err := v.Verify(t.Context(), delivery(t, raw), raw)
	require.NoError(t, err)
	assert.Equal(t, reauth.ConsentRevoked, ev.Type)
}

func TestWebhookAuthenticationComesFirst(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	id := srv.NewConsent(attotest.StatusActive)
	raw := body(id, "Active")
	bad := func(mod func(r *http.Request)) *http.Request {
		r := httptest.NewRequest(http.MethodPost, hookTarget, strings.NewReader(string(raw)))
		mod(r)
		return r
	}
	for name, r := range map[string]*http.Request{
		"none":          bad(func(*http.Request) {}),
		"wrong secret":  bad(func(r *http.Request) { r.Header.Set(hookHeader, hookSecret+"x") }),
		"prefix":        bad(func(r *http.Request) { r.Header.Set(hookHeader, hookSecret[:10]) }),
		"two headers":   bad(func(r *http.Request) { r.Header.Add(hookHeader, hookSecret); r.Header.Add(hookHeader, "x") }),
		"other header":  bad(func(r *http.Request) { r.Header.Set("X-Other", hookSecret) }),
		"wrong basic":   bad(func(r *http.Request) { r.SetBasicAuth(hookUser, hookPass+"x") }),
		"wrong user":    bad(func(r *http.Request) { r.SetBasicAuth("someone", hookPass) }),
		"secret as pwd": bad(func(r *http.Request) { r.SetBasicAuth(hookUser, hookSecret) }),
	} {
		before := len(srv.Requests())
		_, err := v.Verify(t.Context(), r, raw)
		require.ErrorIs(t, err, reauth.ErrInvalidSignature, name)
		assert.NotErrorIs(t, err, reauth.ErrInvalidPayload)
		assert.Equal(t, before, len(srv.Requests()), "%s: no API call before authentication", name)
		assert.NotContains(t, err.Error(), hookSecret)
	}
	// Garbage that is not authentic is refused as not authentic, unparsed.
	_, err := v.Verify(t.Context(), bad(func(*http.Request) {}), []byte("{{{"))
	require.ErrorIs(t, err, reauth.ErrInvalidSignature)
	// Basic credentials work on their own.
	r := delivery(t, raw)
	r.Header.Del(hookHeader)
	r.SetBasicAuth(hookUser, hookPass)
	ev, err := v.Verify(t.Context(), r, raw)
	require.NoError(t, err)
	assert.Equal(t, id, ev.ConnectionID)
	_, err = v.Verify(t.Context(), nil, raw)
	require.ErrorIs(t, err, reauth.ErrInvalidSignature)
}

func TestWebhookPayloadErrors(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv, atto.WithRetries(0, 0, 0))
	v := newVerifier(t, c)
	for name, raw := range map[string][]byte{
		"not json":      []byte("hello"),
		"array":         []byte(`[{"consentId":"x"}]`),
		"no consent":    []byte(`{"eventType":"Consent"}`),
		"object id":     []byte(`{"consentId":{"a":1}}`),
		"control chars": []byte(`{"consentId":"a\nb"}`),
		"unknown":       body("00000000-0000-4000-8000-000000000000", "Active"),
	} {
		_, err := v.Verify(t.Context(), delivery(t, raw), raw)
		require.ErrorIs(t, err, reauth.ErrInvalidPayload, name)
	}
	// The API cannot be asked: neither sentinel, so the handler answers 503.
	id := srv.NewConsent(attotest.StatusActive)
	srv.Inject("GET /consents/v1/"+id, 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
	raw := body(id, "Active")
	_, err := v.Verify(t.Context(), delivery(t, raw), raw)
	require.Error(t, err)
	assert.NotErrorIs(t, err, reauth.ErrInvalidSignature)
	assert.NotErrorIs(t, err, reauth.ErrInvalidPayload)
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
}

func TestWebhookThroughTheHandler(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	id := srv.NewConsent(attotest.StatusRevoked)
	var got []reauth.Event
	h := reauth.NewWebhookHandler(v, func(_ context.Context, ev reauth.Event) error {
		got = append(got, ev)
		return nil
	})
	raw := body(id, "Active")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, delivery(t, raw))
	assert.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, got, 1)
	assert.Equal(t, reauth.ConsentRevoked, got[0].Type)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, hookTarget, strings.NewReader(string(raw))))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, delivery(t, []byte("nope")))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Len(t, got, 1)
}

func TestNewWebhookVerifierValidates(t *testing.T) {
	t.Parallel()
	c, _ := mockClient(t)
	_, err := atto.NewWebhookVerifier(c)
	require.ErrorContains(t, err, "no authentication configured")
	_, err = atto.NewWebhookVerifier(nil, atto.WithSharedSecretHeader("", "short"), atto.WithBasicAuth("a:b", ""), nil)
	require.Error(t, err)
	for _, want := range []string{"nil or zero *Client", "invalid header name", "invalid user name", "option 2 is nil"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, "short"))
	require.ErrorContains(t, err, "shorter than")
	scan := reauthtest.NewLeakScan(hookSecret, hookPass, testClientSecret)
	scan.Add(newVerifier(t, c))
	assert.Equal(t, 1, scan.Check(t))
}

// Issue 11: the body cap is reauth.NewWebhookHandler's; the verifier trusts
// the body it is given, so a handler configured for larger bodies works.
func TestWebhookVerifierTrustsTheHandlersCap(t *testing.T) {
	t.Parallel()
	srv, _, v := hookSim(t)
	id := srv.NewConsent(attotest.StatusRevoked)
	raw := []byte(`{"consentId":"` + id + `","pad":"` + strings.Repeat("a", reauth.DefaultMaxWebhookBytes) + `"}`)
	ev, err := v.Verify(t.Context(), delivery(t, raw), raw)
	require.NoError(t, err)
	assert.Equal(t, reauth.ConsentRevoked, ev.Type)

	var got int
	h := reauth.NewWebhookHandler(v, func(context.Context, reauth.Event) error { got++; return nil },
		reauth.WithMaxWebhookBytes(4<<20))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, delivery(t, raw))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, 1, got)
}

// Issue 11: a typed-nil or zero-value verifier answers 401, never panics.
func TestNilAndZeroVerifiersAnswer401(t *testing.T) {
	t.Parallel()
	raw := body(testConsentID, "Active")
	for name, v := range map[string]reauth.WebhookVerifier{
		"typed nil": (*atto.WebhookVerifier)(nil),
		"zero":      &atto.WebhookVerifier{},
	} {
		_, err := v.Verify(t.Context(), delivery(t, raw), raw)
		require.ErrorIs(t, err, reauth.ErrInvalidSignature, name)
		rec := httptest.NewRecorder()
		reauth.NewWebhookHandler(v, nil).ServeHTTP(rec, delivery(t, raw))
		assert.Equal(t, http.StatusUnauthorized, rec.Code, name)
		assert.NotEmpty(t, fmt.Sprintf("%v %+v %d", v, v, v), name)
	}
}

// hookSim is a simulated Atto, a client on it and a verifier of its
// deliveries.
func hookSim(t *testing.T) (*attotest.Server, *atto.Client, *atto.WebhookVerifier) {
	t.Helper()
	srv := newSim(t)
	c := simClient(t, srv)
	return srv, c, newVerifier(t, c)
}
