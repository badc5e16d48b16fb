package truelayer_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

const redirectURI = "https://app.example/truelayer/callback"

// simClient starts a simulator and a client pointed at it.
func simClient(t testing.TB, opts ...truelayer.Option) (*truelayer.Client, *truelayertest.Server) {
	t.Helper()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	return clientFor(t, srv, opts...), srv
}

// lapsed creates a connection whose consent expired a day ago.
func lapsed(srv *truelayertest.Server) truelayertest.Connection {
	conn := srv.Connect(redirectURI)
	srv.ExpireConsent(conn.CredentialsID, 24*time.Hour)
	return conn
}

// lapsedFlow starts a simulator, lapses a connection's consent and begins
// its re-authentication.
func lapsedFlow(t testing.TB) (*truelayer.Client, *truelayertest.Server, *reauth.Flow) {
	t.Helper()
	c, srv := simClient(t)
	conn := lapsed(srv)
	flow, err := c.Begin(context.Background(), reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	return c, srv, flow
}

func TestFullFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := lapsed(srv)

	// The lapsed connection cannot refresh: that is why we re-auth.
	_, err := c.RefreshToken(ctx, conn.RefreshToken)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	h, err := c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
	require.NoError(t, err)
	assert.Equal(t, reauth.NeedsReauth, h.State)

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI, UserIP: "203.0.113.5"})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, flow.Step)
	assert.NotEmpty(t, flow.State)
	assert.Equal(t, "203.0.113.5", srv.Requests()[len(srv.Requests())-1].Header.Get("X-PSU-IP"))

	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	assert.Equal(t, flow.State, cb.Get("state"))

	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	res := done.Result
	assert.True(t, res.CredentialsChanged)
	assert.Equal(t, conn.CredentialsID, res.ConnectionID)
	assert.NotEmpty(t, res.Credentials.AccessToken)
	assert.NotEqual(t, conn.AccessToken, res.Credentials.AccessToken)
	assert.Equal(t, conn.RefreshToken, res.Credentials.RefreshToken, "seed 001: the refresh token stays the same")

	// The connection works again.
	h, err = c.Inspect(ctx, reauth.Request{Token: res.Credentials.AccessToken})
	require.NoError(t, err)
	assert.Equal(t, reauth.Healthy, h.State)
	assert.Equal(t, conn.CredentialsID, h.ConnectionID)
	_, err = c.RefreshToken(ctx, res.Credentials.RefreshToken)
	require.NoError(t, err)

	// The code is spent: a replay fails and is sent once.
	before := srv.Count(truelayertest.RouteToken)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.Error(t, err)
	assert.ErrorIs(t, err, reauth.ErrFlowExpired, "a used code means: Begin again")
	assert.NotErrorIs(t, err, reauth.ErrReauthRequired, "the connection itself works: not a re-auth signal")
	var apiErr *reauth.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, truelayer.CodeInvalidAuthorizationCode, apiErr.Code)
	assert.Equal(t, before+1, srv.Count(truelayertest.RouteToken))
}

func TestFlowRedirectURIMismatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := lapsed(srv)
	_, err := c.Begin(ctx, reauth.Request{Token: conn.RefreshToken, RedirectURI: "https://evil.example/cb"})
	require.Error(t, err)
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)

	flow, err := c.Begin(ctx, reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	tampered := *flow
	tampered.Resume = map[string]string{"redirect_uri": "https://other.example/cb", "mode": "reauthuri"}
	_, err = c.Continue(ctx, &tampered, reauth.Reply{Callback: cb})
	require.Error(t, err)
	var apiErr *reauth.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, truelayer.CodeInvalidGrant, apiErr.Code)
}

func TestFlowDenied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv, flow := lapsedFlow(t)
	cb, err := srv.Deny(ctx, flow.URL)
	require.NoError(t, err)
	before := len(srv.Requests())
	next, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	assert.Nil(t, next)
	assert.ErrorIs(t, err, reauth.ErrUserCancelled)
	assert.Equal(t, before, len(srv.Requests()))
}

func TestFlowPastTheWindow(t *testing.T) {
	t.Parallel()
	c, srv := simClient(t)
	conn := srv.Connect(redirectURI)
	srv.ExpireConsent(conn.CredentialsID, 91*24*time.Hour)
	_, err := c.Begin(context.Background(), reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	var apiErr *reauth.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 401, apiErr.StatusCode)
}

func TestFlowStateMismatchSpendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := lapsed(srv)
	flow, err := c.Begin(ctx, reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI, State: "my-own-state-123"})
	require.NoError(t, err)
	assert.Equal(t, "my-own-state-123", flow.State)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	for _, bad := range []string{"", "my-own-state-124", "x"} {
		forged := map[string][]string{"code": {cb.Get("code")}}
		if bad != "" {
			forged["state"] = []string{bad}
		}
		_, err = c.Continue(ctx, flow, reauth.Reply{Callback: forged})
		assert.ErrorIs(t, err, reauth.ErrStateMismatch)
	}
	assert.Zero(t, srv.Count(truelayertest.RouteToken))
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
}

func TestFlowCallbackWithoutCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, flow := lapsedFlow(t)
	_, err := c.Continue(ctx, flow, reauth.Reply{Callback: map[string][]string{"state": {flow.State}}})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Continue(ctx, flow, reauth.Reply{})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
}

// extendClient starts a simulator and a client in connections/extend mode,
// with the simulator's user records behind WithExtendFlow.
func extendClient(t testing.TB, opts ...truelayer.Option) (*truelayer.Client, *truelayertest.Server) {
	t.Helper()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	return clientFor(t, srv, append([]truelayer.Option{extendUser(srv)}, opts...)...), srv
}

// browseAs returns a conformance Approve or Deny: the simulated user
// follows the flow's bank link and decides.
func browseAs(srv *truelayertest.Server, decide func(*truelayertest.Server, context.Context, string) (url.Values, error)) func(testing.TB, *reauth.Flow) reauth.Reply {
	return func(t testing.TB, flow *reauth.Flow) reauth.Reply {
		cb, err := decide(srv, context.Background(), flow.URL)
		if err != nil {
			t.Fatalf("simulated user: %v", err)
		}
		return reauth.Reply{Callback: cb}
	}
}

func extendUser(srv *truelayertest.Server) truelayer.Option {
	return truelayer.WithExtendFlow(func(_ context.Context, req reauth.Request) (truelayer.User, error) {
		conn, ok := srv.Lookup(req.ConnectionID)
		if !ok {
			return truelayer.User{}, errors.New("unknown connection")
		}
		return truelayer.User{ID: conn.UserID, Name: "Jane Doe", Email: "jane@example.com"}, nil
	})
}

func TestExtendFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("authentication needed", func(t *testing.T) {
		t.Parallel()
		c, srv := extendClient(t)
		conn := lapsed(srv)
		flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
		require.NoError(t, err)
		require.Equal(t, reauth.StepRedirect, flow.Step)
		assert.Equal(t, 1, srv.Count(truelayertest.RouteExtend))
		cb, err := srv.Approve(ctx, flow.URL)
		require.NoError(t, err)
		assert.NotEmpty(t, cb.Get("exchange_code"))
		done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		require.NoError(t, err)
		assert.Equal(t, reauth.StepDone, done.Step)
		assert.True(t, done.Result.CredentialsChanged)
	})
	t.Run("no action needed", func(t *testing.T) {
		t.Parallel()
		c, srv := extendClient(t, truelayer.WithExtendPath("/connections/extend"))
		conn := srv.Connect(redirectURI)
		flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
		require.NoError(t, err)
		require.Equal(t, reauth.StepDone, flow.Step)
		assert.True(t, flow.Result.CredentialsChanged)
		assert.NotEqual(t, conn.RefreshToken, flow.Result.Credentials.RefreshToken)
		assert.Equal(t, 1, srv.Count("POST /connections/extend"))
	})
}

// conformanceEnv is the conformance suite's view of c on srv, with a
// connection whose consent lapsed.
func conformanceEnv(c *truelayer.Client, srv *truelayertest.Server) *reauthtest.Env {
	conn := lapsed(srv)
	return &reauthtest.Env{
		Reauthenticator: c,
		Request:         reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI},
		Approve:         browseAs(srv, (*truelayertest.Server).Approve),
		Deny:            browseAs(srv, (*truelayertest.Server).Deny),
		Requests:        func() int { return len(srv.Requests()) },
		Secrets:         []string{srv.ClientSecret(), conn.AccessToken, conn.RefreshToken},
	}
}

func TestConformance(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env { return conformanceEnv(simClient(t)) })
}

func TestConformanceExtendFlow(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env { return conformanceEnv(extendClient(t)) })
}
