package mono_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func TestConformanceV2(t *testing.T) {
	reauthtest.RunConformance(t, func(t testing.TB) *reauthtest.Env { return headlessEnv(t) })
}

// bodies returns the JSON bodies srv received on route, oldest first, and
// checks that each carried the session header.
func bodies(t *testing.T, srv *monotest.Server, route string) []string {
	t.Helper()
	var out []string
	for _, e := range srv.Requests() {
		if e.Method+" "+e.Path == route {
			out = append(out, string(e.Body))
			if route != monotest.RouteReauthSession {
				assert.True(t, strings.HasPrefix(e.Header.Get("x-session-id"), "session_"), "x-session-id on %s", route)
			}
		}
	}
	return out
}

// sent asserts how many commits and logins Mono received.
func sent(t *testing.T, srv *monotest.Server, commits, logins int) {
	t.Helper()
	assert.Equal(t, commits, srv.Commits(), "commits at Mono")
	assert.Equal(t, logins, srv.Logins(), "logins at Mono")
	assert.Zero(t, srv.Count(monotest.RouteCommit)+srv.Count(monotest.RouteSession), "nothing went to v1")
}

func continueWith(t *testing.T, c *mono.Client, flow *reauth.Flow, in map[string]string) *reauth.Flow {
	t.Helper()
	next, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: in})
	require.NoError(t, err)
	return next
}

func requireDone(t *testing.T, srv *monotest.Server, account string, flow *reauth.Flow) {
	t.Helper()
	require.Equal(t, reauth.StepDone, flow.Step)
	assert.True(t, strings.HasPrefix(flow.Result.Credentials.Code, "code_"))
	assert.Equal(t, account, flow.Result.ConnectionID)
	assert.False(t, srv.NeedsReauth(account))
	assert.Equal(t, 1, srv.Reauthorised(account))
}

func TestV2BackgroundSuccess(t *testing.T) {
	t.Parallel()
	_, srv, flow := beginOn(t, monotest.AccountBackground)
	requireDone(t, srv, monotest.AccountBackground, flow)
	assert.Equal(t, []string{`{"account":"acc_background"}`}, bodies(t, srv, monotest.RouteReauthSession))
	sent(t, srv, 0, 0)
	assert.Zero(t, srv.Count(monotest.ReauthoriseRoute(monotest.AccountBackground)), "v2 needs no reauth token")
}

func TestV2OTP(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountOTP)
	require.Equal(t, reauth.StepInput, flow.Step)
	assert.Contains(t, flow.Prompt, "OTP")
	assert.Equal(t, []reauth.Field{{Name: "otp", Label: "Enter OTP", Secret: true, MaxLength: 5}}, flow.Fields)
	done := continueWith(t, c, flow, map[string]string{"otp": monotest.DefaultOTP})
	requireDone(t, srv, monotest.AccountOTP, done)
	assert.Equal(t, []string{`{"otp":"01234"}`}, bodies(t, srv, monotest.RouteCommitV2), "a string: the leading zero stays")
	sent(t, srv, 1, 0)
}

func TestV2SecurityQuestionChain(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountOTPThenQuestion)
	require.Equal(t, "otp", flow.Fields[0].Name)
	q := continueWith(t, c, flow, map[string]string{"otp": srv.OTP()})
	require.Equal(t, reauth.StepInput, q.Step)
	require.Len(t, q.Fields, 1)
	assert.Equal(t, "answer", q.Fields[0].Name, "the next form comes from the commit's answer")
	assert.False(t, q.Fields[0].Secret)
	assert.Equal(t, monotest.SecurityQuery, q.Prompt)
	assert.Equal(t, flow.Resume, q.Resume)
	done := continueWith(t, c, q, map[string]string{"answer": monotest.DefaultSecurityAnswer})
	requireDone(t, srv, monotest.AccountOTPThenQuestion, done)
	assert.Equal(t, []string{`{"otp":"01234"}`, `{"answer":"blue whale"}`}, bodies(t, srv, monotest.RouteCommitV2))
	sent(t, srv, 2, 0)
}

func TestV2AccountChoiceThenOTP(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountSelectionThenOTP)
	require.Equal(t, reauth.StepInput, flow.Step)
	require.Len(t, flow.Fields, 1)
	assert.Equal(t, mono.FieldAccountNumber, flow.Fields[0].Name)
	assert.Equal(t, []string{monotest.AccountNumberSavings, monotest.AccountNumberCurrent}, flow.Fields[0].Options)

	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"accountNumber": "1111111111"}})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest, "not an offered account: refused before any request")
	sent(t, srv, 0, 0)

	otp := continueWith(t, c, flow, map[string]string{"accountNumber": monotest.AccountNumberCurrent})
	require.Equal(t, "otp", otp.Fields[0].Name)
	done := continueWith(t, c, otp, map[string]string{"otp": srv.OTP()})
	requireDone(t, srv, monotest.AccountSelectionThenOTP, done)
	assert.Equal(t, []string{`{"accountNumber":"9876543210"}`, `{"otp":"01234"}`}, bodies(t, srv, monotest.RouteCommitV2))
	sent(t, srv, 2, 0)
}

func TestV2CredentialsAgain(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountCredentials)
	require.Equal(t, reauth.StepInput, flow.Step)
	assert.Equal(t, []string{"username", "password"}, []string{flow.Fields[0].Name, flow.Fields[1].Name})
	assert.False(t, flow.Fields[0].Secret)
	assert.True(t, flow.Fields[1].Secret, "the password is masked")

	// wrong password: rejected, the same flow goes on
	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{
		"username": monotest.DefaultUsername, "password": "nope"}})
	require.ErrorIs(t, err, reauth.ErrInputRejected)
	assert.Equal(t, reauth.ActionAskAgain, reauth.NextAction(err))
	assert.NotContains(t, err.Error(), "nope")

	otp := continueWith(t, c, flow, map[string]string{"username": monotest.DefaultUsername, "password": monotest.DefaultPassword})
	require.Equal(t, "otp", otp.Fields[0].Name)
	done := continueWith(t, c, otp, map[string]string{"otp": srv.OTP()})
	requireDone(t, srv, monotest.AccountCredentials, done)
	assert.Equal(t, []string{`{"username":"ada@simbank.example","password":"nope"}`,
		`{"username":"ada@simbank.example","password":"correct-horse-battery"}`}, bodies(t, srv, monotest.RouteReauthLogin))
	sent(t, srv, 1, 2)
}

func TestV2WrongOTPThenRight(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountOTP)
	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": "99999"}})
	require.ErrorIs(t, err, reauth.ErrInputRejected)
	require.ErrorIs(t, err, mono.ErrInputRejected, "the alias is the same sentinel")
	var ir *mono.InputRejectedError
	require.ErrorAs(t, err, &ir)
	assert.Equal(t, monotest.MessageInvalidOTP, ir.Message)
	assert.Equal(t, reauth.ActionAskAgain, reauth.NextAction(err))
	sent(t, srv, 1, 0)

	done := continueWith(t, c, flow, map[string]string{"otp": srv.OTP()})
	requireDone(t, srv, monotest.AccountOTP, done)
	sent(t, srv, 2, 0)
}

func TestV2InstitutionErrorIsNotAWrongOTP(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountInstitutionError)
	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	require.Error(t, err)
	require.NotErrorIs(t, err, reauth.ErrInputRejected, "the bank failed: the user's OTP was not wrong")
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 400, ae.StatusCode)
	assert.Equal(t, monotest.MessageInstitutionError, ae.Message)
	require.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	sent(t, srv, 1, 0)
	assert.True(t, srv.NeedsReauth(monotest.AccountInstitutionError))
}

func TestV2ExpiredSession(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountOTP)
	srv.ExpireSessions()
	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	require.ErrorIs(t, err, reauth.ErrFlowExpired)
	require.NotErrorIs(t, err, reauth.ErrInputRejected)
	assert.Equal(t, reauth.ActionBeginAgain, reauth.NextAction(err))
	sent(t, srv, 1, 0)
}

func TestV2ThreeWrongOTPsEndTheSession(t *testing.T) {
	t.Parallel()
	c, srv, flow := beginOn(t, monotest.AccountOTP)
	for i := 0; i < monotest.MaxAttempts; i++ {
		_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": "00000"}})
		require.ErrorIs(t, err, reauth.ErrInputRejected)
	}
	_, err := c.Continue(context.Background(), flow, reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}})
	require.ErrorIs(t, err, reauth.ErrFlowExpired)
	sent(t, srv, monotest.MaxAttempts+1, 0)
}

func TestV2OneSessionPerAccountEveryFiveMinutes(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	srv := monotest.NewServer(monotest.WithClock(func() time.Time { return now }))
	t.Cleanup(srv.Close)
	c := simClient(t, srv)
	ctx := context.Background()
	_, err := c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)

	now = now.Add(time.Minute)
	_, err = c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.ErrorIs(t, err, reauth.ErrRateLimited)
	var ae *reauth.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 4*time.Minute, ae.RetryAfter, "Mono says how long")
	assert.Equal(t, reauth.ActionRetryLater, reauth.NextAction(err))

	_, err = c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountSelectionThenOTP})
	require.NoError(t, err, "another account is not limited")
	now = now.Add(4 * time.Minute)
	_, err = c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	require.NoError(t, err)
}

func TestV2FlowSurvivesJSONAndAnotherInstance(t *testing.T) {
	t.Parallel()
	_, srv, flow := beginOn(t, monotest.AccountCredentials)
	raw, err := json.Marshal(flow)
	require.NoError(t, err)
	var back reauth.Flow
	require.NoError(t, json.Unmarshal(raw, &back))
	other := simClient(t, srv)
	otp := continueWith(t, other, &back, map[string]string{"username": monotest.DefaultUsername, "password": monotest.DefaultPassword})
	assert.Equal(t, "otp", otp.Fields[0].Name)
	sent(t, srv, 0, 1)
}

func TestV2UnknownAccount(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	_, err := simClient(t, srv).Begin(context.Background(), reauth.Request{ConnectionID: "acc_nope"})
	require.ErrorIs(t, err, reauth.ErrNotFound)
	assert.True(t, errors.Is(err, reauth.ErrNotFound))
}
