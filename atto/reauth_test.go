package atto_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func callbackReply(t testing.TB, cb url.Values, err error) reauth.Reply {
	t.Helper()
	require.NoError(t, err)
	return reauth.Reply{Callback: cb}
}

// beginOnSim starts a simulator with an Expired consent, a client on it,
// and a flow from Begin for that consent.
func beginOnSim(t *testing.T) (*attotest.Server, *atto.Client, string, *reauth.Flow) {
	t.Helper()
	srv := newSim(t)
	c := simClient(t, srv)
	id := srv.NewConsent(attotest.StatusExpired)
	flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	return srv, c, id, flow
}

func TestConformance(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env {
		srv := newSim(t)
		c := simClient(t, srv)
		return &reauthtest.Env{
			Reauthenticator: c,
			Request:         reauth.Request{ConnectionID: srv.NewConsent(attotest.StatusExpired)},
			Approve: func(t testing.TB, flow *reauth.Flow) reauth.Reply {
				u, err := srv.Approve(context.Background(), flow.URL)
				return callbackReply(t, u, err)
			},
			Deny: func(t testing.TB, flow *reauth.Flow) reauth.Reply {
				u, err := srv.Deny(context.Background(), flow.URL)
				return callbackReply(t, u, err)
			},
			// Atto's callback has no random state: a callback for another
			// consent is the mismatch.
			Mismatch: func(t testing.TB, flow *reauth.Flow, approved reauth.Reply) reauth.Reply {
				cb := url.Values{}
				for k, v := range approved.Callback {
					cb[k] = append([]string(nil), v...)
				}
				cb.Set("consent_id", srv.NewConsent(attotest.StatusActive))
				return reauth.Reply{Callback: cb}
			},
			Requests: func() int { return len(srv.Requests()) },
			Secrets:  []string{srv.ClientSecret()},
		}
	})
}

func TestFullFlowApprove(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	id := srv.NewConsent(attotest.StatusExpired)

	flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, flow.Step)
	assert.Equal(t, id, flow.ConnectionID)
	assert.NotEmpty(t, flow.State)
	u, err := url.Parse(flow.URL)
	require.NoError(t, err)
	assert.Equal(t, id, u.Query().Get("consent_id"))
	assert.Contains(t, u.Fragment, "access_token=")
	assert.WithinDuration(t, time.Now().Add(time.Hour), flow.ExpiresAt, time.Minute)

	// The flow is stored as JSON and continued from the stored copy.
	b, err := json.Marshal(flow)
	require.NoError(t, err)
	var stored reauth.Flow
	require.NoError(t, json.Unmarshal(b, &stored))

	cb, err := srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	assert.Equal(t, "success", cb.Get("state"))
	assert.Equal(t, id, cb.Get("consent_id"))

	done, err := c.Continue(t.Context(), &stored, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	assert.Equal(t, id, done.Result.ConnectionID)
	assert.False(t, done.Result.CredentialsChanged)
	assert.True(t, done.Result.Credentials.IsZero())
	got, _ := srv.Consent(id)
	assert.Equal(t, attotest.StatusActive, got.Status)

	h, err := c.Inspect(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	assert.Equal(t, reauth.Healthy, h.State)
	assert.Equal(t, 1, srv.TokenFetches())
}

func TestFullFlowDeny(t *testing.T) {
	t.Parallel()
	srv, c, id, flow := beginOnSim(t)
	cb, err := srv.Deny(t.Context(), flow.URL)
	require.NoError(t, err)
	before := len(srv.Requests())
	next, err := c.Continue(t.Context(), flow, reauth.Reply{Callback: cb})
	require.ErrorIs(t, err, reauth.ErrUserCancelled)
	assert.Nil(t, next)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "access_denied", apiErr.Code)
	// Atto's access_denied is "the customer or the bank has denied": the
	// code and description reach the app so it can tell the user.
	var ce *atto.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, atto.ErrorAccessDenied, ce.Code)
	assert.Equal(t, "The customer or the bank has denied access", ce.Description)
	assert.False(t, ce.CancelledByCustomer())
	assert.Equal(t, reauth.ActionBeginAgain, reauth.NextAction(err))
	assert.Equal(t, before, len(srv.Requests()), "a refusal needs no request")
	got, _ := srv.Consent(id)
	assert.Equal(t, attotest.StatusExpired, got.Status, "a refusal repairs nothing")
}

func TestCallbackErrorCodes(t *testing.T) {
	t.Parallel()
	srv, c, _, flow := beginOnSim(t)
	for code, kind := range map[string]error{
		"customer_cancelled":           reauth.ErrUserCancelled,
		"Customer_Cancelled":           reauth.ErrUserCancelled,
		"provider_permanent_error":     reauth.ErrInvalidRequest,
		"provider_unsupported_feature": reauth.ErrInvalidRequest,
		"unexpected_error":             reauth.ErrProviderUnavailable,
	} {
		cb, err := srv.Fail(t.Context(), flow.URL, code)
		require.NoError(t, err)
		_, err = c.Continue(t.Context(), flow, reauth.Reply{Callback: cb})
		require.ErrorIs(t, err, kind, code)
		var apiErr *reauth.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, code, apiErr.Code)
		var ce *atto.ConnectError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, code, ce.Code)
		assert.NotEmpty(t, ce.Description)
		assert.Equal(t, code == "customer_cancelled" || code == "Customer_Cancelled", ce.CancelledByCustomer(), code)
	}
	_, err := c.Continue(t.Context(), flow, reauth.Reply{Callback: url.Values{"state": {"error"}}})
	require.ErrorIs(t, err, reauth.ErrUserCancelled)
}

func TestCallbackValidation(t *testing.T) {
	t.Parallel()
	srv, c, id, flow := beginOnSim(t)
	before := len(srv.Requests())
	for _, tc := range []struct {
		cb   url.Values
		kind error
	}{
		{url.Values{"state": {"success"}}, reauth.ErrMissingInput},
		{url.Values{"consent_id": {id}}, reauth.ErrMissingInput},
		{url.Values{"state": {"weird"}, "consent_id": {id}}, reauth.ErrInvalidRequest},
		{url.Values{"state": {"success"}, "consent_id": {id + "x"}}, reauth.ErrStateMismatch},
		{url.Values{"state": {"error"}, "consent_id": {"other"}, "error": {"access_denied"}}, reauth.ErrStateMismatch},
	} {
		_, err := c.Continue(t.Context(), flow, reauth.Reply{Callback: tc.cb})
		require.ErrorIs(t, err, tc.kind, tc.cb.Encode())
	}
	assert.Equal(t, before, len(srv.Requests()))
}

func TestCallbackSuccessWhileConsentPendingReturnsTheFlow(t *testing.T) {
	t.Parallel()
	srv, c, id, flow := beginOnSim(t)
	cb, err := srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	srv.SetConsentStatus(id, attotest.StatusPending) // Atto still processing
	next, err := c.Continue(t.Context(), flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, flow, next)
	assert.NotSame(t, flow, next)
	srv.SetConsentStatus(id, attotest.StatusActive)
	done, err := c.Continue(t.Context(), next, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
}

// Issue 13: re-authenticating an Active consent keeps it Active with its
// statusUpdated unchanged (Atto documents neither moving); consentEnd moving
// forward is what shows the renewal, and an empty Reply must see it.
func TestEmptyReplySeesTheRenewalOfAnActiveConsent(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	// Active but expiring: a re-auth is started before the user does anything.
	id := srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(48 * time.Hour)})
	h, err := c.Inspect(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	assert.Equal(t, reauth.ExpiringSoon, h.State)
	assert.True(t, h.NeedsAction())
	before, _ := srv.Consent(id)
	flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	next, err := c.Continue(t.Context(), flow, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, next.Step, "the consent was not renewed during this flow")
	_, err = srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	after, _ := srv.Consent(id)
	assert.Equal(t, attotest.StatusActive, after.Status)
	assert.Equal(t, before.StatusUpdated, after.StatusUpdated, "Atto need not move statusUpdated")
	assert.True(t, after.End.After(before.End), "consentEnd moves forward")
	done, err := c.Continue(t.Context(), next, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
}

// A consent that was not Active at Begin is renewed once it is Active,
// whatever its dates say.
func TestEmptyReplySeesAnExpiredConsentBecomeActive(t *testing.T) {
	t.Parallel()
	srv, c, id, flow := beginOnSim(t)
	next, err := c.Continue(t.Context(), flow, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, next.Step)
	// Atto renews it with a consentEnd no later than before (clock of
	// another host): the status change alone shows the renewal.
	before, _ := srv.Consent(id)
	srv.SetConsentStatus(id, attotest.StatusActive)
	srv.SetConsentEnd(id, before.End)
	done, err := c.Continue(t.Context(), next, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
}

func TestExpiredConsentDataCallIsReauthRequired(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	id := srv.NewConsent(attotest.StatusActive)
	_, err := c.RefreshStoredData(t.Context(), id)
	require.NoError(t, err)

	srv.ExpireConsent(id)
	_, err = c.RefreshStoredData(t.Context(), id)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, atto.CodeConsentExpired, apiErr.Code)

	srv.SetConsentStatus(id, attotest.StatusRevoked)
	_, err = c.RefreshStoredData(t.Context(), id)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)

	// Re-auth repairs it.
	flow, err := c.Begin(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	cb, err := srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	done, err := c.Continue(t.Context(), flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	_, err = c.RefreshStoredData(t.Context(), id)
	require.NoError(t, err)
}

func TestRevokedTokensAreReplacedOnce(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	id := srv.NewConsent(attotest.StatusActive)
	_, err := c.GetConsent(t.Context(), id)
	require.NoError(t, err)
	srv.RevokeTokens() // credential rotation at Atto
	_, err = c.GetConsent(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.TokenFetches())
}

func TestInspectStates(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	for status, want := range map[string]reauth.HealthState{
		attotest.StatusActive:    reauth.Healthy,
		attotest.StatusExpired:   reauth.NeedsReauth,
		attotest.StatusAbandoned: reauth.NeedsReauth,
		attotest.StatusFailed:    reauth.NeedsReauth,
		attotest.StatusPending:   reauth.Pending,
		attotest.StatusRevoked:   reauth.Revoked,
		"Hibernating":            reauth.Unknown,
	} {
		id := srv.AddConsent(attotest.Consent{Status: status, End: time.Now().Add(60 * 24 * time.Hour)})
		h, err := c.Inspect(t.Context(), reauth.Request{ConnectionID: id})
		require.NoError(t, err)
		assert.Equal(t, want, h.State, status)
		assert.Equal(t, status, h.ProviderStatus)
		assert.Equal(t, reauth.Atto, h.Provider)
		assert.False(t, h.ExpiresAt.IsZero())
	}
	// Active past consentEnd.
	id := srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(-time.Hour)})
	h, err := c.Inspect(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	assert.Equal(t, reauth.NeedsReauth, h.State)

	// Lead time is configurable.
	c2 := simClient(t, srv, atto.WithLeadTime(90*24*time.Hour))
	id = srv.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: time.Now().Add(60 * 24 * time.Hour)})
	h, err = c2.Inspect(t.Context(), reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	assert.Equal(t, reauth.ExpiringSoon, h.State)

	_, err = c.Inspect(t.Context(), reauth.Request{ConnectionID: "missing"})
	require.ErrorIs(t, err, reauth.ErrNotFound)
	_, err = c.Inspect(t.Context(), reauth.Request{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
}

func TestRegistryDispatchesToAtto(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := simClient(t, srv)
	reg, err := reauth.NewRegistry(c)
	require.NoError(t, err)
	id := srv.NewConsent(attotest.StatusExpired)
	flow, err := reg.Begin(t.Context(), reauth.Atto, reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	cb, err := srv.Approve(t.Context(), flow.URL)
	require.NoError(t, err)
	done, err := reg.Continue(t.Context(), flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	h, err := reg.Inspect(t.Context(), reauth.Atto, reauth.Request{ConnectionID: id})
	require.NoError(t, err)
	assert.Equal(t, reauth.Healthy, h.State)
}

func TestBeginNeedsAConsentID(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	_, err := c.Begin(t.Context(), reauth.Request{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	assert.Zero(t, mt.GetTotalCallCount())
}
