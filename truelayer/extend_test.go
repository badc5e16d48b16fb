package truelayer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

// clientFor returns a client for an existing simulator.
func clientFor(t testing.TB, srv *truelayertest.Server, opts ...truelayer.Option) *truelayer.Client {
	t.Helper()
	all := append([]truelayer.Option{
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()),
		truelayer.WithRetries(2, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()}, all...)
	require.NoError(t, err)
	return c
}

// extendBegin starts an extend flow that needs the bank on a lapsed
// connection.
func extendBegin(t *testing.T, srv *truelayertest.Server, c *truelayer.Client) (truelayertest.Connection, *reauth.Flow) {
	t.Helper()
	conn := lapsed(srv)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	require.Equal(t, reauth.StepRedirect, flow.Step)
	return conn, flow
}

// TrueLayer documents no state on the extend callback: a good callback
// without one completes, a present one is still checked.
func TestExtendCallbackState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("absent", func(t *testing.T) {
		t.Parallel()
		srv := truelayertest.NewServer()
		t.Cleanup(srv.Close)
		c := clientFor(t, srv, extendUser(srv))
		conn, flow := extendBegin(t, srv, c)
		cb, err := srv.Approve(ctx, flow.URL)
		require.NoError(t, err)
		require.Empty(t, cb.Get("state"))
		done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		require.NoError(t, err)
		assert.Equal(t, conn.CredentialsID, done.Result.ConnectionID)
		// The code is single-use: replaying the callback spends nothing new.
		_, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		require.ErrorIs(t, err, reauth.ErrFlowExpired)
	})
	t.Run("present and wrong", func(t *testing.T) {
		t.Parallel()
		srv := truelayertest.NewServer(truelayertest.WithExtendState())
		t.Cleanup(srv.Close)
		c := clientFor(t, srv, extendUser(srv))
		_, flow := extendBegin(t, srv, c)
		cb, err := srv.Approve(ctx, flow.URL)
		require.NoError(t, err)
		require.Equal(t, flow.State, cb.Get("state"))
		cb.Set("state", "forged")
		_, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		require.ErrorIs(t, err, reauth.ErrStateMismatch)
		assert.Zero(t, srv.Count(truelayertest.RouteToken), "nothing spent")
		cb.Set("state", flow.State)
		_, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		require.NoError(t, err)
	})
	t.Run("reauthuri still requires it", func(t *testing.T) {
		t.Parallel()
		c, srv, flow := lapsedFlow(t)
		cb, err := srv.Approve(ctx, flow.URL)
		require.NoError(t, err)
		cb.Del("state")
		_, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
		require.ErrorIs(t, err, reauth.ErrStateMismatch)
	})
}

// Until TrueLayer has reviewed the app's reconfirmation screen, extend
// answers 400: a clear error that says to fix the setup, not to send the
// user to the bank.
func TestExtendReviewPending(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetExtendReviewPending(true)
	c := clientFor(t, srv, extendUser(srv))
	conn := lapsed(srv)
	_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.ErrorIs(t, err, truelayer.ErrExtendRefused)
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.NotErrorIs(t, err, reauth.ErrReauthRequired)
	assert.Equal(t, reauth.ActionFixConfig, reauth.NextAction(err))
	assert.Contains(t, err.Error(), "reconfirmation screen")
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, 1, srv.Count(truelayertest.RouteExtend), "sent once")

	srv.SetExtendReviewPending(false)
	_, err = c.Begin(context.Background(), reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
}

// The user logs into another account at the bank: the new pair belongs to
// another connection. Continue refuses it and hands it back for revoking.
func TestContinuePinsTheConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, opts := range map[string][]truelayer.Option{"reauthuri": nil, "extend": {nil}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := truelayertest.NewServer()
			t.Cleanup(srv.Close)
			if opts != nil {
				opts = []truelayer.Option{extendUser(srv)}
			}
			c := clientFor(t, srv, opts...)
			conn := lapsed(srv)
			flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
			require.NoError(t, err)
			srv.LogIntoOtherAccount(conn.CredentialsID)
			cb, err := srv.Approve(ctx, flow.URL)
			require.NoError(t, err)
			_, cerr := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
			require.ErrorIs(t, cerr, reauth.ErrNewConnectionRequired)
			assert.Equal(t, reauth.ActionNewConnection, reauth.NextAction(cerr))
			var mm *truelayer.ConnectionMismatchError
			require.ErrorAs(t, cerr, &mm)
			assert.Equal(t, conn.CredentialsID, mm.Want)
			assert.NotEqual(t, conn.CredentialsID, mm.Got)
			// The stray pair works, so the app can revoke that connection.
			me, err := c.Me(ctx, mm.Token.AccessToken)
			require.NoError(t, err)
			assert.Equal(t, mm.Got, me.CredentialsID)
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
				out := fmt.Sprintf(verb, mm) + fmt.Sprintf(verb, *mm) + cerr.Error()
				assert.NotContains(t, out, mm.Token.AccessToken, verb)
				assert.NotContains(t, out, mm.Token.RefreshToken, verb)
			}
		})
	}
}

// /me failing after the exchange: the code is spent, so the pair comes
// back on the error instead of being lost.
func TestContinuePinUnverifiableKeepsThePair(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := simClient(t)
	conn := lapsed(srv)
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	require.NoError(t, err)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	srv.Inject(truelayertest.RouteMe, 3, faultStatus(503))
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	var mm *truelayer.ConnectionMismatchError
	require.ErrorAs(t, err, &mm)
	require.NotEmpty(t, mm.Token.AccessToken)
	me, err := c.Me(ctx, mm.Token.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, conn.CredentialsID, me.CredentialsID)
	assert.False(t, errors.Is(err, reauth.ErrNewConnectionRequired))
}
