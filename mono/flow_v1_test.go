package mono_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

func TestConformanceV1(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env {
		return headlessEnv(t, mono.WithPartnersAPIV1())
	})
}

func TestConformanceLinkMode(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env {
		srv := newSim(t)
		return &reauthtest.Env{
			Reauthenticator: v1Client(t, srv, mono.WithLinkMode()),
			Request:         reauth.Request{ConnectionID: monotest.AccountOTP, RedirectURI: "https://app.example/mono/callback"},
			Approve:         func(t testing.TB, f *reauth.Flow) reauth.Reply { return approve(t, srv, f) },
			Deny: func(t testing.TB, f *reauth.Flow) reauth.Reply {
				cb, err := srv.Deny(context.Background(), f.URL)
				require.NoError(t, err)
				return reauth.Reply{Callback: cb}
			},
			Requests: func() int { return len(srv.Requests()) },
			Secrets:  []string{srv.SecretKey()},
		}
	})
}

func TestBackgroundLoginIsDoneAtBegin(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := v1Client(t, srv)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountBackground})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, flow.Step)
	require.NotNil(t, flow.Result)
	assert.Equal(t, reauth.Mono, flow.Result.Provider)
	assert.Equal(t, monotest.AccountBackground, flow.Result.ConnectionID)
	assert.False(t, flow.Result.CredentialsChanged)
	assert.Equal(t, 0, srv.Commits())
	assert.False(t, srv.NeedsReauth(monotest.AccountBackground))
}

func TestOTPFlow(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountOTP)
	ctx := context.Background()
	require.Equal(t, reauth.StepInput, flow.Step)
	assert.Contains(t, flow.Prompt, "OTP")
	require.Equal(t, []reauth.Field{{Name: "otp", Label: "Enter OTP", Secret: true, MaxLength: 5}}, flow.Fields)
	assert.True(t, flow.ExpiresAt.After(flow.CreatedAt))

	done, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": monotest.DefaultOTP}})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	assert.True(t, strings.HasPrefix(done.Result.Credentials.Code, "code_"))
	assert.Equal(t, 1, srv.Commits())
	// the OTP went out as the string "01234", leading zero kept
	commits := commitBodies(srv)
	require.Len(t, commits, 1)
	assert.JSONEq(t, `{"otp":"01234"}`, commits[0])
	assert.False(t, srv.NeedsReauth(monotest.AccountOTP))
	require.Len(t, srv.Deliveries(), 1)
	assert.Equal(t, monotest.EventAccountReauthorized, srv.Deliveries()[0].Event)
}

func commitBodies(srv *monotest.Server) []string {
	var out []string
	for _, e := range srv.Requests() {
		if e.Method+" "+e.Path == monotest.RouteCommit {
			out = append(out, string(e.Body))
		}
	}
	return out
}

func TestOTPThenSecurityQuestionTakesTwoContinues(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountOTPThenQuestion)
	ctx := context.Background()
	require.Equal(t, "otp", flow.Fields[0].Name)

	q, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	require.NoError(t, err)
	require.Equal(t, reauth.StepInput, q.Step)
	require.Equal(t, []reauth.Field{{Name: "answer", Label: monotest.SecurityQuery, MaxLength: 50}}, q.Fields)
	assert.Equal(t, monotest.SecurityQuery, q.Prompt)
	assert.Equal(t, flow.Resume, q.Resume, "same session")
	assert.Equal(t, flow.ExpiresAt, q.ExpiresAt)

	done, err := c.Continue(ctx, q, reauth.Reply{Inputs: map[string]string{"answer": monotest.DefaultSecurityAnswer}})
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	assert.NotEmpty(t, done.Result.Credentials.Code)
	assert.Equal(t, 2, srv.Commits())
}

func TestAccountSelection101(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountSelectionThenOTP)
	ctx := context.Background()
	require.Equal(t, reauth.StepInput, flow.Step)
	require.Len(t, flow.Fields, 1)
	assert.Equal(t, "account", flow.Fields[0].Name)
	assert.Equal(t, []string{"0", "1"}, flow.Fields[0].Options)
	assert.False(t, flow.Fields[0].Secret)

	before := len(srv.Requests())
	_, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"account": "7"}})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "account")
	assert.Equal(t, before, len(srv.Requests()), "refused before any request")

	otp, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"account": "1"}})
	require.NoError(t, err)
	require.Equal(t, "otp", otp.Fields[0].Name)
	done, err := c.Continue(ctx, otp, approve(t, srv, otp))
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
}

func TestWrongOTPThenRetryWithSameFlow(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountOTP)
	ctx := context.Background()

	next, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "99999"}})
	require.Error(t, err)
	assert.Nil(t, next)
	require.ErrorIs(t, err, mono.ErrInputRejected)
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	var rej *mono.InputRejectedError
	require.ErrorAs(t, err, &rej)
	assert.Equal(t, []string{"otp"}, rej.Fields)
	assert.Equal(t, "Incorrect OTP. Please try again.", rej.Message)
	assert.Equal(t, 400, rej.Err.StatusCode)
	assert.NotContains(t, err.Error(), "99999")
	assert.Contains(t, err.Error(), "Incorrect OTP")

	// the same flow, stored and read back, still works
	b, err := json.Marshal(flow)
	require.NoError(t, err)
	var stored reauth.Flow
	require.NoError(t, json.Unmarshal(b, &stored))
	done, err := c.Continue(ctx, &stored, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	assert.Equal(t, 2, srv.Commits())
}

func TestNumericOTPWouldLoseLeadingZero(t *testing.T) {
	// Why Commit sends strings: the simulator, like a bank, compares text.
	t.Parallel()
	c, _, flow := beginV1(t, monotest.AccountOTP)
	ctx := context.Background()
	_, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "1234"}}) // what {"otp":01234} would become
	require.ErrorIs(t, err, mono.ErrInputRejected)
}

func TestMissingAndInvalidInputsSendNothing(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountOTP)
	ctx := context.Background()
	before := len(srv.Requests())

	cases := []struct {
		name   string
		inputs map[string]string
		kind   error
		field  string
	}{
		{"no reply", nil, reauth.ErrMissingInput, "otp"},
		{"empty otp", map[string]string{"otp": ""}, reauth.ErrMissingInput, "otp"},
		{"other key only", map[string]string{"pin": "1"}, reauth.ErrMissingInput, "otp"},
		{"too long", map[string]string{"otp": "012345"}, reauth.ErrInvalidRequest, "otp"},
		{"unknown extra field", map[string]string{"otp": "01234", "pin": "1"}, reauth.ErrInvalidRequest, "pin"},
		{"invalid utf8", map[string]string{"otp": "\xff\xfe"}, reauth.ErrInvalidRequest, "otp"},
	}
	for _, tc := range cases {
		_, err := c.Continue(ctx, flow, reauth.Reply{Inputs: tc.inputs})
		require.ErrorIs(t, err, tc.kind, tc.name)
		var ie *reauth.InputError
		require.ErrorAs(t, err, &ie, tc.name)
		assert.Equal(t, tc.field, ie.Field, tc.name)
		assert.NotContains(t, err.Error(), "012345", tc.name)
	}
	assert.Equal(t, before, len(srv.Requests()), "no request sent")
	assert.Equal(t, 0, srv.Commits())
}

func TestExpiredFlowFailsWithoutIO(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	c := v1Client(t, srv, mono.WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	now.Store(flow.ExpiresAt.Add(time.Second).UnixNano())
	before := len(srv.Requests())
	_, err = c.Continue(context.Background(), flow, approve(t, srv, flow))
	require.ErrorIs(t, err, reauth.ErrFlowExpired)
	assert.Equal(t, before, len(srv.Requests()))
}

func TestSessionExpiredAtMonoIsFlowExpired(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := v1Client(t, srv)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	srv.ExpireSessions()
	_, err = c.Continue(context.Background(), flow, approve(t, srv, flow))
	require.ErrorIs(t, err, reauth.ErrFlowExpired)
	require.NotErrorIs(t, err, mono.ErrInputRejected)
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, mono.CodeSessionExpired, ae.Code)
}

func TestThreeWrongOTPsExpireTheSession(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountOTP)
	ctx := context.Background()
	for i := 0; i < monotest.MaxAttempts; i++ {
		_, err := c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "00000"}})
		require.ErrorIs(t, err, mono.ErrInputRejected)
	}
	_, err := c.Continue(ctx, flow, approve(t, srv, flow))
	require.ErrorIs(t, err, reauth.ErrFlowExpired)
}

func TestCommitAnswered503IsSentOnce(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginV1(t, monotest.AccountOTP)
	ctx := context.Background()
	srv.Inject(monotest.RouteCommit, 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
	_, err := c.Continue(ctx, flow, approve(t, srv, flow))
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, srv.Commits())
}

func TestUnknownAccountAndBadKey(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := v1Client(t, srv)
	_, err := c.Begin(context.Background(), reauth.Request{ConnectionID: "acc_nope"})
	require.ErrorIs(t, err, reauth.ErrNotFound)

	bad, err := mono.New(mono.Credentials{SecretKey: "test_sk_wrong_key_123"}, mono.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = bad.Begin(context.Background(), reauth.Request{ConnectionID: monotest.AccountOTP})
	require.ErrorIs(t, err, reauth.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "test_sk_wrong_key_123")

	_, err = c.Begin(context.Background(), reauth.Request{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
}

func TestSyncSignalsReauthRequired(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := v1Client(t, srv)
	ctx := context.Background()
	_, err := c.Sync(ctx, monotest.AccountOTP)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, mono.CodeReauthorisationRequired, ae.Code)

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	_, err = c.Continue(ctx, flow, approve(t, srv, flow))
	require.NoError(t, err)
	res, err := c.Sync(ctx, monotest.AccountOTP)
	require.NoError(t, err)
	assert.Equal(t, "SYNC_SUCCESSFUL", res.Code)

	srv.RequireReauth(monotest.AccountOTP)
	_, err = c.Sync(ctx, monotest.AccountOTP)
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
}

func TestLinkModeFlow(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := v1Client(t, srv, mono.WithLinkMode())
	ctx := context.Background()
	_, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.ErrorIs(t, err, reauth.ErrMissingInput)

	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP, RedirectURI: "https://app.example/cb?tenant=7", State: "state-1234567890"})
	require.NoError(t, err)
	require.Equal(t, reauth.StepRedirect, flow.Step)
	assert.True(t, strings.HasPrefix(flow.URL, srv.URL+"/hosted/reauth/"))
	assert.Equal(t, "state-1234567890", flow.State)
	reqs := srv.Requests()
	var body struct {
		Account     string `json:"account"`
		Scope       string `json:"scope"`
		RedirectURL string `json:"redirect_url"`
	}
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &body))
	assert.Equal(t, monotest.AccountOTP, body.Account)
	assert.Equal(t, "reauth", body.Scope)
	ru, err := url.Parse(body.RedirectURL)
	require.NoError(t, err)
	assert.Equal(t, "7", ru.Query().Get("tenant"))
	assert.Equal(t, "state-1234567890", ru.Query().Get("state"))

	reply := approve(t, srv, flow)
	done, err := c.Continue(ctx, flow, reply)
	require.NoError(t, err)
	assert.Equal(t, reply.Callback.Get("code"), done.Result.Credentials.Code)

	// a cancelled status and a failed one
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {flow.State}, "status": {"cancelled"}}})
	require.ErrorIs(t, err, reauth.ErrUserCancelled)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {flow.State}, "status": {"failed"}, "reason": {"bank_down"}}})
	require.ErrorIs(t, err, reauth.ErrReauthRequired)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {flow.State}}})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"state": {"other"}, "status": {"reauthorised"}}})
	require.ErrorIs(t, err, reauth.ErrStateMismatch)
}

func TestRegistryDispatchesToMono(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	reg, err := reauth.NewRegistry(v1Client(t, srv))
	require.NoError(t, err)
	ctx := context.Background()
	flow, err := reg.Begin(ctx, reauth.Mono, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
	flow, err = reg.Continue(ctx, flow, approve(t, srv, flow))
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, flow.Step)
}

func TestFlowWithoutSessionIDIsRefused(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := v1Client(t, srv)
	flow := &reauth.Flow{Provider: reauth.Mono, Step: reauth.StepInput, Fields: []reauth.Field{{Name: "otp"}}}
	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": "1"}})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Equal(t, 0, len(srv.Requests()))
	require.True(t, errors.Is(err, reauth.ErrInvalidRequest))
}
