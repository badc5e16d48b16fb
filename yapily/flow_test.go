package yapily_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// simClient starts a simulator and a client on it.
func simClient(t testing.TB, opts ...yapily.Option) (*yapilytest.Server, *yapily.Client) {
	t.Helper()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	all := append([]yapily.Option{yapily.WithBaseURL(srv.URL), yapily.WithRetries(2, time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret}, all...)
	require.NoError(t, err)
	return srv, c
}

func approve(t testing.TB, srv *yapilytest.Server, flow *reauth.Flow) reauth.Reply {
	t.Helper()
	cb, err := srv.Approve(context.Background(), flow.URL)
	require.NoError(t, err)
	return reauth.Reply{Callback: cb}
}

func TestFlowApproveCompletes(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	ctx := context.Background()

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token, UserIP: "203.0.113.7"})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, flow.Step)
	assert.Equal(t, consent.ID, flow.ConnectionID)
	assert.NotEmpty(t, flow.URL)
	assert.NotEmpty(t, flow.QRCodeURL)
	assert.True(t, flow.ExpiresAt.After(flow.CreatedAt))
	snap, _ := srv.Consent(consent.ID)
	assert.Equal(t, yapilytest.StatusAwaitingReAuthorization, snap.Status)
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, "203.0.113.7", last.Header.Get("psu-ip-address"))
	assert.Equal(t, consent.Token, last.Header.Get("consent"))

	// pending: the user has not acted yet → the same flow
	same, err := c.Continue(ctx, flow, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, same.Step)
	assert.Equal(t, flow.URL, same.URL)
	assert.Equal(t, flow.State, same.State)

	reply := approve(t, srv, flow)
	done, err := c.Continue(ctx, flow, reply)
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	require.NotNil(t, done.Result)
	assert.False(t, done.Result.CredentialsChanged)
	assert.Equal(t, consent.ID, done.Result.ConnectionID)
	snap, _ = srv.Consent(consent.ID)
	assert.Equal(t, consent.Token, snap.Token, "token unchanged")
	assert.Equal(t, snap.ExpiresAt.UnixMilli(), done.Result.Credentials.ExpiresAt.UnixMilli())
}

func TestFlowPollingAfterApprovalWithoutCallback(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	approve(t, srv, flow)
	// the app lost the callback but polls: done
	b, err := json.Marshal(flow)
	require.NoError(t, err)
	var stored reauth.Flow
	require.NoError(t, json.Unmarshal(b, &stored))
	_, other := simClientOn(t, srv)
	done, err := other.Continue(context.Background(), &stored, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
}

func simClientOn(t testing.TB, srv *yapilytest.Server) (*yapilytest.Server, *yapily.Client) {
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret}, yapily.WithBaseURL(srv.URL))
	require.NoError(t, err)
	return srv, c
}

func TestFlowDenyIsUserCancelled(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	cb, err := srv.Deny(context.Background(), flow.URL)
	require.NoError(t, err)
	before := len(srv.Requests())
	next, err := c.Continue(context.Background(), flow, reauth.Reply{Callback: cb})
	require.ErrorIs(t, err, reauth.ErrUserCancelled)
	assert.Nil(t, next)
	assert.Equal(t, before, len(srv.Requests()), "a refused callback sends nothing")

	// polling sees the REJECTED consent: also a cancellation
	_, err = c.Continue(context.Background(), flow, reauth.Reply{})
	var se *yapily.ConsentStatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, yapily.StatusRejected, se.Status)
	assert.ErrorIs(t, err, reauth.ErrUserCancelled)
}

func TestFlowRevokedConsentNeedsNewConsent(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	srv.Revoke(consent.ID)
	_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 403, apiErr.StatusCode)
	assert.Equal(t, yapily.CodeForbidden, apiErr.Code)
	assert.NotEmpty(t, apiErr.RequestID)

	// revoked while the flow was pending
	c2 := srv.AddConsent(yapilytest.ConsentSpec{})
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: c2.ID, Token: c2.Token})
	require.NoError(t, err)
	srv.Revoke(c2.ID)
	_, err = c.Continue(context.Background(), flow, reauth.Reply{})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	h, err := c.Inspect(context.Background(), reauth.Request{ConnectionID: c2.ID})
	require.NoError(t, err)
	assert.Equal(t, reauth.Revoked, h.State)
}

func TestFlowFailedStatusIsError(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	srv.SetStatus(consent.ID, yapilytest.StatusFailed)
	next, err := c.Continue(context.Background(), flow, reauth.Reply{})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	assert.Nil(t, next)
}

func TestFlowCallbackOfAnotherConsentIsMismatch(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	a := srv.AddConsent(yapilytest.ConsentSpec{})
	b := srv.AddConsent(yapilytest.ConsentSpec{})
	fa, err := c.Begin(context.Background(), reauth.Request{ConnectionID: a.ID, Token: a.Token})
	require.NoError(t, err)
	fb, err := c.Begin(context.Background(), reauth.Request{ConnectionID: b.ID, Token: b.Token})
	require.NoError(t, err)
	replyB := approve(t, srv, fb)
	before := len(srv.Requests())
	for _, cb := range []url.Values{
		replyB.Callback,
		{"consentId": {b.ID}},
		{"state": {fb.State}},
		{"application-user-id": {"sim-user"}}, // nothing identifying
	} {
		_, err = c.Continue(context.Background(), fa, reauth.Reply{Callback: cb})
		require.ErrorIs(t, err, reauth.ErrStateMismatch, "%v", cb)
	}
	assert.Equal(t, before, len(srv.Requests()))
	// the right identifiers pass
	_, err = c.Continue(context.Background(), fa, reauth.Reply{Callback: url.Values{"consentId": {a.ID}, "state": {fa.State}}})
	require.NoError(t, err)
}

func TestInspectHealth(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv := yapilytest.NewServer(yapilytest.WithClock(func() time.Time { return now }))
	t.Cleanup(srv.Close)
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL), yapily.WithClock(func() time.Time { return now }), yapily.WithLeadTime(10*24*time.Hour))
	require.NoError(t, err)
	cases := []struct {
		name string
		spec yapilytest.ConsentSpec
		want reauth.HealthState
	}{
		{"healthy", yapilytest.ConsentSpec{AuthorizedAt: now.Add(-time.Hour)}, reauth.Healthy},
		{"reconfirm soon", yapilytest.ConsentSpec{AuthorizedAt: now.Add(-85 * 24 * time.Hour), ExpiresAt: now.Add(100 * 24 * time.Hour)}, reauth.ExpiringSoon},
		{"expires soon", yapilytest.ConsentSpec{AuthorizedAt: now.Add(-time.Hour), ExpiresAt: now.Add(9 * 24 * time.Hour)}, reauth.ExpiringSoon},
		{"past reconfirm", yapilytest.ConsentSpec{AuthorizedAt: now.Add(-91 * 24 * time.Hour), ExpiresAt: now.Add(24 * time.Hour)}, reauth.NeedsReauth},
		{"expired", yapilytest.ConsentSpec{Status: yapilytest.StatusExpired}, reauth.NeedsReauth},
		{"pending", yapilytest.ConsentSpec{Status: yapilytest.StatusAwaitingReAuthorization}, reauth.Pending},
		{"revoked", yapilytest.ConsentSpec{Status: yapilytest.StatusRevoked}, reauth.Revoked},
		{"unknown", yapilytest.ConsentSpec{Status: "SOMETHING_NEW"}, reauth.Unknown},
	}
	for _, tc := range cases {
		cons := srv.AddConsent(tc.spec)
		h, err := c.Inspect(context.Background(), reauth.Request{ConnectionID: cons.ID})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, h.State, tc.name)
		wantStatus := tc.spec.Status
		if wantStatus == "" {
			wantStatus = yapilytest.StatusAuthorized // the simulator's default
		}
		assert.Equal(t, wantStatus, h.ProviderStatus, tc.name)
		assert.Equal(t, cons.ExpiresAt, h.ExpiresAt, tc.name)
		assert.Equal(t, cons.ReconfirmBy, h.ReconfirmBy, tc.name)
		assert.Equal(t, now, h.CheckedAt)
	}
	_, err = c.Inspect(context.Background(), reauth.Request{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Inspect(context.Background(), reauth.Request{ConnectionID: "3f1c2a9e-0000-4000-8000-000000000000"})
	require.ErrorIs(t, err, reauth.ErrNotFound)
}

func TestBeginValidatesBeforeIO(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	for _, req := range []reauth.Request{{}, {ConnectionID: "x"}, {Token: "t"}, {ConnectionID: "a/b", Token: "t"}} {
		_, err := c.Begin(context.Background(), req)
		require.Error(t, err)
		assert.True(t, errors.Is(err, reauth.ErrMissingInput) || errors.Is(err, reauth.ErrInvalidRequest))
	}
	assert.Empty(t, srv.Requests())
}

func TestBeginWrongConsentTokenForID(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	a := srv.AddConsent(yapilytest.ConsentSpec{})
	b := srv.AddConsent(yapilytest.ConsentSpec{})
	_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: a.ID, Token: b.Token})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest) // the caller's mistake, not Yapily's
	assert.NotErrorIs(t, err, reauth.ErrInvalidResponse)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env {
		srv, c := simClient(t)
		consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
		return &reauthtest.Env{
			Reauthenticator: c,
			Request:         reauth.Request{ConnectionID: consent.ID, Token: consent.Token},
			Approve: func(t testing.TB, flow *reauth.Flow) reauth.Reply {
				return approve(t, srv, flow)
			},
			Deny: func(t testing.TB, flow *reauth.Flow) reauth.Reply {
				cb, err := srv.Deny(context.Background(), flow.URL)
				require.NoError(t, err)
				return reauth.Reply{Callback: cb}
			},
			Mismatch: func(t testing.TB, flow *reauth.Flow, approved reauth.Reply) reauth.Reply {
				cb := url.Values{}
				for k, v := range approved.Callback {
					cb[k] = append([]string(nil), v...)
				}
				cb.Set("consent", "another-consent-token-"+flow.State)
				return reauth.Reply{Callback: cb}
			},
			Requests: func() int { return len(srv.Requests()) },
			Secrets:  []string{yapilytest.ApplicationSecret, consent.Token},
		}
	})
}

// Concurrent Begins share the client's pooled connections: 320 requests
// from 32 goroutines use about 32 TCP connections. net/http may open a few
// more at start-up (a conn returned to the pool goes to a goroutine still
// waiting for its own dial, whose dial then lands in the pool unused), so the
// bound has slack (2x); a hard cap needs Transport.MaxConnsPerHost.
func TestConcurrentBeginsReuseConnections(t *testing.T) {
	t.Parallel()
	srv := yapilytest.NewServer()
	t.Cleanup(srv.Close)
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL))
	require.NoError(t, err)
	consent := srv.AddConsent(yapilytest.ConsentSpec{})
	const goroutines, each = 32, 10
	errs := make(chan error, goroutines*each)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, goroutines*each, srv.Count(yapilytest.RouteReauthorise))
	assert.LessOrEqual(t, srv.Connections(), 2*goroutines, "connections are reused, not churned")
}
