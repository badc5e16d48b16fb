package atto_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Issue 16: the consent list is a sweep source: one request per page, each
// consent mapped as Inspect maps it.
func TestInspectAllPagesTheConsentList(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	want := map[string]reauth.HealthState{}
	for i := range 250 {
		switch i % 5 {
		case 0:
			want[srv.NewConsent(attotest.StatusExpired)] = reauth.NeedsReauth
		case 1:
			want[srv.NewConsent(attotest.StatusRevoked)] = reauth.Revoked
		case 2:
			want[srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(48 * time.Hour)})] = reauth.ExpiringSoon
		default:
			want[srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(60 * 24 * time.Hour)})] = reauth.Healthy
		}
	}
	srv.ResetLog()
	got := map[string]reauth.HealthState{}
	for h, err := range c.InspectAll(t.Context(), atto.WithPageSize(100)) {
		require.NoError(t, err)
		assert.Equal(t, reauth.Atto, h.Provider)
		_, dup := got[h.ConnectionID]
		assert.False(t, dup, "consent %s listed twice", h.ConnectionID)
		got[h.ConnectionID] = h.State
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, srv.Count("GET /consents/v1"), "one request per page")
	assert.Equal(t, 1, srv.Count("POST /v1/oauth2/token"), "one token")

	// A filter narrows the listing; stopping early sends no more requests.
	srv.ResetLog()
	n := 0
	for h, err := range c.InspectAll(t.Context(), atto.WithPageSize(10),
		atto.WithFilter(atto.ListConsentsParams{ConsentStatus: atto.StatusExpired})) {
		require.NoError(t, err)
		assert.Equal(t, reauth.NeedsReauth, h.State)
		if n++; n == 15 {
			break
		}
	}
	assert.Equal(t, 2, srv.Count("GET /consents/v1"))
}

func TestInspectAllErrors(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	srv.NewConsent(attotest.StatusActive)
	srv.Inject("GET /consents/v1", 1, sim.Fault{Kind: sim.FaultStatus, Status: 401,
		Body: `{"Code":"unauthorised_client","Description":"no"}`})
	srv.Inject("GET /consents/v1", 1, sim.Fault{Kind: sim.FaultStatus, Status: 401,
		Body: `{"Code":"unauthorised_client","Description":"no"}`})
	var errs []error
	for h, err := range c.InspectAll(t.Context()) {
		assert.Zero(t, h)
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], reauth.ErrUnauthorized)

	for _, opt := range []atto.InspectOption{nil, atto.WithPageSize(0)} {
		errs = errs[:0]
		for _, err := range c.InspectAll(t.Context(), opt) {
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], reauth.ErrInvalidRequest)
	}
	var nilClient *atto.Client
	for _, err := range nilClient.InspectAll(t.Context()) {
		require.Error(t, err)
	}
}

// The Inspector rule: an answer that says the consent needs the user is a
// Health with a nil error (consent_revoked: Revoked; the others
// NeedsReauth), not an error.
func TestInspectTurnsReauthAnswersIntoHealth(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	for code, want := range map[string]reauth.HealthState{
		atto.CodeConsentExpired: reauth.NeedsReauth,
		atto.CodeConsentRevoked: reauth.Revoked,
		atto.CodeConsentDenied:  reauth.NeedsReauth,
		atto.CodeSCAError:       reauth.NeedsReauth,
	} {
		id := srv.NewConsent(attotest.StatusActive)
		srv.Inject("GET /consents/v1/"+id, 1, sim.Fault{Kind: sim.FaultStatus, Status: 403,
			Body: fmt.Sprintf(`{"Code":%q,"Description":"consent needs the user"}`, code)})
		h, err := c.Inspect(t.Context(), reauth.Request{ConnectionID: id})
		require.NoError(t, err, code)
		assert.Equal(t, want, h.State, code)
		assert.Equal(t, code, h.ProviderStatus)
		assert.Equal(t, id, h.ConnectionID)
	}
}

// BenchmarkInspectAll sweeps 1,000 consents on the simulator in pages of
// 100 (ten list requests per sweep).
func BenchmarkInspectAll(b *testing.B) {
	srv := newSim(b)
	c := simClient(b, srv)
	for range 1000 {
		srv.NewConsent(attotest.StatusActive)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.InspectAll(b.Context(), atto.WithPageSize(100)) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			b.Fatalf("%d consents", n)
		}
	}
	b.ReportMetric(float64(srv.Count("GET /consents/v1"))/float64(b.N), "requests/sweep")
}
