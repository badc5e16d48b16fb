package finch_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

func TestConformance(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env {
		srv := newSim(t)
		conn := srv.AddConnection("gusto")
		srv.RequireReauth(conn.ID)
		return &reauthtest.Env{
			Reauthenticator: simClient(t, srv),
			Request:         reauth.Request{Token: conn.AccessToken, RedirectURI: testRedirect},
			Approve:         func(t testing.TB, f *reauth.Flow) reauth.Reply { return approve(t, srv, f) },
			Deny: func(t testing.TB, f *reauth.Flow) reauth.Reply {
				cb, err := srv.Deny(context.Background(), f.URL)
				require.NoError(t, err)
				return reauth.Reply{Callback: cb}
			},
			Requests: func() int { return len(srv.Requests()) },
			Secrets:  []string{finchtest.ClientSecret, conn.AccessToken},
		}
	})
}

// TestFullFlowFromABrokenToken is the story: a data call fails
// with reauthenticate_user, Begin works from the access token alone, the
// employer approves, Continue returns a new token for the same connection,
// and that token works.
func TestFullFlowFromABrokenToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv)

	_, err := c.Company(ctx, conn.AccessToken)
	require.NoError(t, err, "a healthy connection answers")

	srv.RequireReauth(conn.ID)
	_, err = c.Company(ctx, conn.AccessToken)
	require.Error(t, err)
	require.True(t, errors.Is(err, reauth.ErrReauthRequired), "got %v", err)
	require.True(t, finch.IsReauthRequired(err))
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, finch.CodeReauthenticateUser, apiErr.Code)
	assert.NotEmpty(t, apiErr.RequestID)

	h, err := c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
	require.NoError(t, err)
	assert.Equal(t, reauth.NeedsReauth, h.State)
	assert.Equal(t, conn.ID, h.ConnectionID)
	assert.Equal(t, "reauth", h.ProviderStatus)

	srv.ResetLog()
	flow, err := c.Begin(ctx, reauth.Request{Token: conn.AccessToken, RedirectURI: testRedirect})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Count("GET /introspect"), "Begin from a token introspects")
	assert.Equal(t, 1, srv.Count("POST /connect/sessions/reauthenticate"))
	assert.Equal(t, reauth.StepRedirect, flow.Step)
	assert.Equal(t, conn.ID, flow.ConnectionID)
	assert.NotEmpty(t, flow.State)
	u, err := url.Parse(flow.URL)
	require.NoError(t, err)
	assert.Equal(t, flow.State, u.Query().Get("state"))
	assert.NotEmpty(t, u.Query().Get("session"))
	assert.WithinDuration(t, flow.CreatedAt.Add(30*24*time.Hour), flow.ExpiresAt, time.Second)
	req := srv.Requests()[1]
	assert.Equal(t, "2020-09-17", req.Header.Get("Finch-Api-Version"))
	user, pass, ok := (&http.Request{Header: req.Header}).BasicAuth()
	require.True(t, ok)
	assert.Equal(t, finchtest.ClientID, user)
	assert.Equal(t, finchtest.ClientSecret, pass)
	assert.JSONEq(t, `{"connection_id":"`+conn.ID+`","minutes_to_expire":43200,"redirect_uri":"`+testRedirect+`"}`, string(req.Body))

	// The flow is stored as JSON and resumed on another instance.
	b, err := json.Marshal(flow)
	require.NoError(t, err)
	var stored reauth.Flow
	require.NoError(t, json.Unmarshal(b, &stored))
	other := simClient(t, srv)

	reply := approve(t, srv, &stored)
	done, err := other.Continue(ctx, &stored, reply)
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	require.NotNil(t, done.Result)
	assert.Equal(t, conn.ID, done.Result.ConnectionID)
	assert.True(t, done.Result.CredentialsChanged)
	newTok := done.Result.Credentials.AccessToken
	assert.NotEmpty(t, newTok)
	assert.NotEqual(t, conn.AccessToken, newTok)

	co, err := c.Company(ctx, newTok)
	require.NoError(t, err, "the new token works")
	assert.Equal(t, conn.CompanyID, co.ID)
	in, err := c.Introspect(ctx, newTok)
	require.NoError(t, err)
	assert.Equal(t, conn.ID, in.ConnectionID, "same connection id")
	h, err = c.Inspect(ctx, reauth.Request{Token: newTok})
	require.NoError(t, err)
	assert.Equal(t, reauth.Healthy, h.State)

	for _, e := range srv.Requests() {
		if e.Path != "/authorize" { // the employer's browser, not the SDK
			assert.Equal(t, finch.APIVersion, e.Header.Get("Finch-Api-Version"), e.Method+" "+e.Path)
		}
	}

	// The code is spent: the same callback cannot be used again.
	_, err = c.Continue(ctx, &stored, reply)
	var again *reauth.APIError
	require.ErrorAs(t, err, &again)
	assert.Equal(t, finch.NameInvalidGrant, again.Code)
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
}

func TestBeginWithConnectionIDSkipsIntrospect(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("adp_run")
	c := simClient(t, srv, finch.WithSessionMinutes(15))
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: conn.ID, State: "my-state-123"})
	require.NoError(t, err)
	assert.Equal(t, 0, srv.Count("GET /introspect"))
	assert.Equal(t, "my-state-123", flow.State)
	assert.Equal(t, 15*time.Minute, flow.ExpiresAt.Sub(flow.CreatedAt))
	assert.NotContains(t, flow.Resume, "redirect_uri")
	// Without a redirect URI the simulator uses the application's default.
	cb, err := srv.Approve(context.Background(), flow.URL)
	require.NoError(t, err)
	done, err := c.Continue(context.Background(), flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, conn.ID, done.ConnectionID)
}

func TestCodeForAnotherConnectionIsRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	srv.RequireReauth(conn.ID)
	c := simClient(t, srv)
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect})
	require.NoError(t, err)

	cb, err := srv.ApproveNewConnection(ctx, flow.URL)
	require.NoError(t, err)
	next, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.Error(t, err)
	assert.Nil(t, next)
	assert.ErrorIs(t, err, reauth.ErrStateMismatch)
	var mm *finch.ConnectionMismatchError
	require.ErrorAs(t, err, &mm)
	assert.Equal(t, conn.ID, mm.Want)
	assert.NotEqual(t, conn.ID, mm.Got)
	assert.Equal(t, 1, srv.Count("POST /auth/token"))
	got, _ := srv.Connection(conn.ID)
	assert.Equal(t, finchtest.StatusReauth, got.Status, "the flow's connection is still broken")

	// The error hands back the stray connection's token, so the
	// application can disconnect it, and says a new connection is needed.
	require.NotNil(t, mm.Token)
	assert.Equal(t, mm.Got, mm.Token.ConnectionID)
	assert.ErrorIs(t, err, reauth.ErrNewConnectionRequired)
	assert.Equal(t, reauth.ActionNewConnection, reauth.NextAction(err))
	require.True(t, srv.TokenWorks(mm.Token.AccessToken))
	before := srv.Tokens(mm.Got)
	require.NoError(t, c.Disconnect(ctx, mm.Token.AccessToken))
	assert.Equal(t, before-1, srv.Tokens(mm.Got), "the stray token is revoked")
	assert.False(t, srv.TokenWorks(mm.Token.AccessToken))
	_, err = c.Company(ctx, mm.Token.AccessToken)
	assert.ErrorIs(t, err, reauth.ErrReauthRequired, "a disconnected token is invalid_token_error")
	assert.ErrorIs(t, c.Disconnect(ctx, mm.Token.AccessToken), reauth.ErrReauthRequired)
	assert.Equal(t, 2, srv.Count("POST /disconnect"), "Disconnect is sent once per call")
}

// TestNewConnectSessionWhenReauthCannotHelp: a connection that was never
// set up answers 401 account_setup_required (a new connection is needed);
// NewConnectSession opens one, the employer approves, and the new token
// works.
func TestNewConnectSessionWhenReauthCannotHelp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	srv.SetStatus(conn.ID, finchtest.StatusErrorNoAccountSetup)
	c := simClient(t, srv)
	_, err := c.Company(ctx, conn.AccessToken)
	require.ErrorIs(t, err, reauth.ErrNewConnectionRequired)
	require.Equal(t, reauth.ActionNewConnection, reauth.NextAction(err))

	_, err = c.NewConnectSession(ctx, finch.ConnectSessionRequest{CustomerName: "Acme", Products: []string{"company"}})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	require.Zero(t, srv.Count("POST /connect/sessions"), "validated before any request")

	sess, err := c.NewConnectSession(ctx, finch.ConnectSessionRequest{
		CustomerID: "cust-1", CustomerName: "Acme Inc.", Products: []string{finch.ProductCompany, finch.ProductDirectory},
		RedirectURI: testRedirect, Integration: &finch.Integration{Provider: "gusto"},
	})
	require.NoError(t, err)
	require.NotEmpty(t, sess.SessionID)
	cb, err := srv.Approve(ctx, sess.ConnectURL)
	require.NoError(t, err)
	tok, err := c.ExchangeCode(ctx, cb.Get("code"), testRedirect)
	require.NoError(t, err)
	assert.NotEqual(t, conn.ID, tok.ConnectionID, "a new connection")
	co, err := c.Company(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.NotEmpty(t, co.ID)

	reqs := srv.Requests()
	var body map[string]any
	for _, e := range reqs {
		if e.Method+" "+e.Path == "POST /connect/sessions" {
			require.NoError(t, json.Unmarshal(e.Body, &body))
			assert.Contains(t, e.Header.Get("Authorization"), "Basic ")
		}
	}
	assert.Equal(t, "cust-1", body["customer_id"])
	assert.Equal(t, []any{"company", "directory"}, body["products"])
	assert.Equal(t, map[string]any{"provider": "gusto"}, body["integration"])
}

// TestSandboxStatusBreaksDataCalls: the sandbox knob through the SDK makes
// the data endpoint fail with reauthenticate_user, like Finch's sandbox.
func TestSandboxStatusBreaksDataCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv)
	require.NoError(t, c.SetSandboxConnectionStatus(ctx, conn.AccessToken, finch.StatusReauth))
	e := srv.Requests()[0]
	assert.Equal(t, "PUT /sandbox/connections/accounts", e.Method+" "+e.Path)
	assert.JSONEq(t, `{"connection_status":"reauth"}`, string(e.Body))
	assert.Equal(t, "Bearer "+conn.AccessToken, e.Header.Get("Authorization"))
	_, err := c.Company(ctx, conn.AccessToken)
	assert.ErrorIs(t, err, reauth.ErrReauthRequired)
	assert.ErrorIs(t, c.SetSandboxConnectionStatus(ctx, conn.AccessToken, ""), reauth.ErrMissingInput)
}

// TestDefaultTimeoutCoversFinchsSixMinutes: with no HTTP client of the
// user's, a call may wait at least Finch's 6-minute server limit.
func TestDefaultTimeoutCoversFinchsSixMinutes(t *testing.T) {
	t.Parallel()
	c, err := finch.New(finch.Credentials{ClientID: "id", ClientSecret: "secret"})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, finch.HTTPTimeout(c), 6*time.Minute)
	assert.GreaterOrEqual(t, finch.DefaultTimeout, 6*time.Minute)
	mine := &http.Client{Timeout: time.Second}
	c, err = finch.New(finch.Credentials{ClientID: "id", ClientSecret: "secret"}, finch.WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Equal(t, time.Second, finch.HTTPTimeout(c), "the user's client is used as it is")
}

// TestSlowFinchAnswerIsWaitedFor: over real HTTP, a Finch answer slower
// than a short ctx is cut by the ctx (the user's bound), and one within it
// is waited for by the default client.
func TestSlowFinchAnswerIsWaitedFor(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL), finch.WithRetries(0, 0, 0))
	require.NoError(t, err)
	srv.Inject("GET /employer/company", 1, sim.Fault{Kind: sim.FaultDelay, Delay: 300 * time.Millisecond})
	_, err = c.Company(context.Background(), conn.AccessToken)
	require.NoError(t, err)
	srv.Inject("GET /employer/company", 1, sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Company(ctx, conn.AccessToken)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the caller's ctx bounds every call")
}

func TestTokenExchangeAnswered503IsSentOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv, finch.WithRetries(3, time.Millisecond, 5*time.Millisecond))
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect})
	require.NoError(t, err)
	reply := approve(t, srv, flow)
	srv.Inject("POST /auth/token", 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
	_, err = c.Continue(ctx, flow, reply)
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, srv.Count("POST /auth/token"))
}

func TestContinueRefusesBeforeIO(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv)
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect})
	require.NoError(t, err)
	reply := approve(t, srv, flow)
	before := len(srv.Requests())

	_, err = c.Continue(ctx, flow, reauth.Reply{})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {flow.State}}})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	bad := url.Values{"code": reply.Callback["code"], "state": {"forged"}}
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: bad})
	assert.ErrorIs(t, err, reauth.ErrStateMismatch)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {flow.State}, "error": {"access_denied"}}})
	assert.ErrorIs(t, err, reauth.ErrUserCancelled)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {flow.State}, "error": {"server_error"}}})
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	input := *flow
	input.Step = reauth.StepInput
	_, err = c.Continue(ctx, &input, reply)
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	noConn := *flow
	noConn.ConnectionID = ""
	_, err = c.Continue(ctx, &noConn, reply)
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Equal(t, before, len(srv.Requests()))

	// A callback without state (embedded Connect hands the code to the
	// application) is accepted; the connection id is still checked.
	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"code": reply.Callback["code"]}})
	require.NoError(t, err)
	assert.Equal(t, conn.ID, done.Result.ConnectionID)
}

func TestBeginValidatesBeforeIO(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t)
	ctx := context.Background()
	_, err := c.Begin(ctx, reauth.Request{})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Begin(ctx, reauth.Request{ConnectionID: "c", RedirectURI: "not a url"})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.Begin(ctx, reauth.Request{ConnectionID: "c", RedirectURI: "https://app.example/cb#frag"})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.Inspect(ctx, reauth.Request{ConnectionID: "c"})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
}

func TestBeginFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")

	bad, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: "wrong-secret"},
		finch.WithBaseURL(srv.URL), finch.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	_, err = bad.Begin(ctx, reauth.Request{ConnectionID: conn.ID})
	assert.ErrorIs(t, err, reauth.ErrUnauthorized)

	c := simClient(t, srv)
	_, err = c.Begin(ctx, reauth.Request{ConnectionID: "no-such-connection"})
	assert.ErrorIs(t, err, reauth.ErrNotFound)
	_, err = c.Begin(ctx, reauth.Request{Token: "unknown-token"})
	assert.ErrorIs(t, err, reauth.ErrReauthRequired, "invalid_token_error is the connection's token")
	assert.NotErrorIs(t, err, reauth.ErrUnauthorized)
}

func TestInspectStates(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv)
	for status, want := range map[string]reauth.HealthState{
		"connected":              reauth.Healthy,
		"reauth":                 reauth.NeedsReauth,
		"error_reauth":           reauth.NeedsReauth,
		"pending":                reauth.Pending,
		"processing":             reauth.Pending,
		"disconnected":           reauth.Revoked,
		"error_permissions":      reauth.NeedsReauth,
		"error_no_account_setup": reauth.Revoked,
		"something_new":          reauth.Unknown,
	} {
		srv.SetStatus(conn.ID, status)
		h, err := c.Inspect(context.Background(), reauth.Request{Token: conn.AccessToken})
		require.NoError(t, err)
		assert.Equal(t, want, h.State, status)
		assert.Equal(t, status, h.ProviderStatus)
		assert.True(t, h.ExpiresAt.IsZero())
	}
}

// TestInspectAnswersThatSayBrokenAreHealth is the Inspector rule over real
// HTTP: /introspect answering that the token or connection is broken is a
// Health with a nil error; the application's own problems stay errors.
func TestInspectAnswersThatSayBrokenAreHealth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	c := simClient(t, srv, finch.WithRetries(0, 0, 0))

	h, err := c.Inspect(ctx, reauth.Request{Token: "revoked-or-unknown-token", ConnectionID: conn.ID})
	require.NoError(t, err, "401 invalid_token_error is the connection's token: a health, not an error")
	assert.Equal(t, reauth.NeedsReauth, h.State)
	assert.Equal(t, finch.NameInvalidToken, h.ProviderStatus)
	assert.Equal(t, conn.ID, h.ConnectionID)

	for code, want := range map[string]reauth.HealthState{
		`{"code":401,"name":"authentication_error","finch_code":"account_setup_required","message":"connect"}`:            reauth.Revoked,
		`{"code":403,"name":"error_permissions","finch_code":"insufficient_account_permissions","message":"permissions"}`: reauth.NeedsReauth,
	} {
		status := 401
		if want == reauth.NeedsReauth {
			status = 403
		}
		srv.Inject("GET /introspect", 1, sim.Fault{Kind: sim.FaultStatus, Status: status, Body: code})
		h, err := c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
		require.NoError(t, err, code)
		assert.Equal(t, want, h.State, code)
	}

	srv.Inject("GET /introspect", 1, sim.Fault{Kind: sim.FaultStatus, Status: 402,
		Body: `{"code":402,"name":"payment_required","finch_code":"payment_required","message":"unpaid"}`})
	_, err = c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
	assert.ErrorIs(t, err, finch.ErrPaymentRequired, "the application's problem stays an error")
	assert.Equal(t, reauth.ActionFixConfig, reauth.NextAction(err))
	srv.Inject("GET /introspect", 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
	_, err = c.Inspect(ctx, reauth.Request{Token: conn.AccessToken})
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
}

func TestInspectTreats401ReauthAsNeedsReauth(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/introspect", (&capture{}).responder(401,
		`{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"reconnect"}`))
	h, err := c.Inspect(context.Background(), reauth.Request{Token: testToken, ConnectionID: "conn-9"})
	require.NoError(t, err)
	assert.Equal(t, reauth.NeedsReauth, h.State)
	assert.Equal(t, "conn-9", h.ConnectionID)
	assert.Equal(t, "reconnect", h.Message)
}

func TestSandboxKnobEndpoint(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/sandbox/connections/accounts",
		stringsReader(`{"connection_status":"reauth"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+conn.AccessToken)
	req.Header.Set("Finch-API-Version", "2020-09-17")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = simClient(t, srv).Company(context.Background(), conn.AccessToken)
	assert.ErrorIs(t, err, reauth.ErrReauthRequired)
}

// TestInspectSeesABrokenPart: Finch reports statuses per
// authentication method and per entity too (reference §1.6); one that
// needs re-authentication under a connected connection_status is
// NeedsReauth, while a disconnected connection stays Revoked.
func TestInspectSeesABrokenPart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		state      reauth.HealthState
		status     string
		msg        string
	}{
		{"method", `{"connection_id":"conn-1","connection_status":{"status":"connected","message":"ok"},
			"authentication_methods":[{"type":"assisted","connection_status":{"status":"connected"}},
			{"type":"credential","connection_status":{"status":"reauth","message":"password changed"}}]}`,
			reauth.NeedsReauth, "reauth", "password changed"},
		{"entity", `{"connection_id":"conn-1","connection_status":{"status":"connected","message":"ok"},
			"entities":[{"id":"e1","status":"connected"},{"id":"e2","status":"error_reauth"}]}`,
			reauth.NeedsReauth, "error_reauth", ""},
		{"all connected", `{"connection_id":"conn-1","connection_status":{"status":"connected","message":"ok"},
			"authentication_methods":[{"type":"credential","connection_status":{"status":"connected"}}],
			"entities":[{"id":"e1","status":"connected"}]}`,
			reauth.Healthy, "connected", "ok"},
		{"disconnected wins", `{"connection_id":"conn-1","connection_status":{"status":"disconnected","message":"gone"},
			"authentication_methods":[{"type":"credential","connection_status":{"status":"reauth"}}]}`,
			reauth.Revoked, "disconnected", "gone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newMock(t)
			mt.RegisterResponder(http.MethodGet, testBase+"/introspect", (&capture{}).responder(200, tc.body))
			h, err := c.Inspect(context.Background(), reauth.Request{Token: testToken})
			require.NoError(t, err)
			assert.Equal(t, tc.state, h.State)
			assert.Equal(t, tc.status, h.ProviderStatus)
			assert.Equal(t, tc.msg, h.Message)
			assert.Equal(t, "conn-1", h.ConnectionID)
		})
	}
}

func TestCompanyWhileSyncingAgainstSimulator(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	conn := srv.AddConnection("gusto")
	srv.SetStatus(conn.ID, finchtest.StatusPending)
	_, err := simClient(t, srv).Company(context.Background(), conn.AccessToken)
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusAccepted, apiErr.StatusCode)
	assert.Equal(t, finch.CodeDataSyncInProgress, apiErr.Code)
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
}
