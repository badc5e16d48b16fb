package reauthtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Env is one fresh adapter under test, wired to its own simulated provider.
type Env struct {
	// Reauthenticator is the adapter under test. Required.
	Reauthenticator reauth.Reauthenticator
	// Request is a valid request for a connection that needs re-auth, whose
	// Begin does not finish at once. Required.
	Request reauth.Request
	// Approve plays the simulated user approving flow and returns what
	// Continue receives: the callback of a redirect step, or the answers of
	// an input step. It is called once per step. Required.
	Approve func(t testing.TB, flow *reauth.Flow) reauth.Reply
	// Deny plays the user refusing. Nil means a callback carrying
	// error=access_denied and the flow's state (redirect steps only).
	Deny func(t testing.TB, flow *reauth.Flow) reauth.Reply
	// Mismatch turns the approved reply into one that belongs to another
	// flow. Nil means the approved callback with its state changed (redirect
	// steps only).
	Mismatch func(t testing.TB, flow *reauth.Flow, approved reauth.Reply) reauth.Reply
	// Requests returns how many requests the simulated provider has served,
	// so the suite can check that refused Continues send none. Nil skips
	// those checks.
	Requests func() int
	// Broken, when set, returns a request for a connection the simulated
	// provider answers as needing re-authentication (its consent refused
	// with a 403, expired or revoked). The suite then checks the
	// [reauth.Inspector] rule: Inspect returns a Health with State
	// NeedsReauth or Revoked and a nil error. Nil skips that check, as does
	// an adapter that is no Inspector.
	Broken func(t testing.TB) reauth.Request
	// Secrets must never appear in an error string or a printed flow
	// (client secrets, tokens). Request.Token, the flow's state and the
	// credentials of every result are checked as well.
	Secrets []string
}

// maxSteps bounds a flow: no provider needs more than a few Continues.
const maxSteps = 6

type check struct {
	name string
	run  func(t testing.TB, env *Env)
}

func checks() []check {
	return []check{
		{"BeginReturnsAValidFlow", checkBegin},
		{"ApprovalCompletesTheFlow", checkComplete},
		{"FlowSurvivesJSON", checkJSON},
		{"ExpiredFlowFailsWithoutIO", checkExpired},
		{"StateMismatchFailsWithoutIOAndSpendsNothing", checkMismatch},
		{"CancelledCallbackIsAnError", checkCancelled},
		{"EmptyReplyIsNeverDone", checkEmptyReply},
		{"WrongProviderFailsWithoutIO", checkWrongProvider},
		{"CancelledContextStopsBegin", checkContext},
		{"NoSecretInErrorsOrPrintedFlows", checkSecrets},
		{"InspectReportsABrokenConnectionAsHealth", checkInspectBroken},
	}
}

// RunConformance checks the rules every reauth.Reauthenticator follows (see
// package reauth): a valid first flow, completion after the simulated user
// approves, a JSON round trip, ErrFlowExpired and ErrStateMismatch without
// I/O (and without spending the code), a refusal never done, an empty reply
// never done, ErrWrongProvider, context cancellation, no secret in any
// error or printed value, and (with Env.Broken) that Inspect reports a
// broken connection as a Health, not an error. setup is called once per check for a fresh Env.
func RunConformance(t *testing.T, setup func(t testing.TB) *Env) {
	t.Helper()
	for _, c := range checks() {
		t.Run(c.name, func(t *testing.T) {
			env := setup(t)
			if env == nil || env.Reauthenticator == nil || env.Approve == nil {
				t.Fatal("reauthtest: setup must return an Env with Reauthenticator and Approve")
			}
			c.run(t, env)
		})
	}
}

func begin(t testing.TB, env *Env) *reauth.Flow {
	t.Helper()
	flow, err := env.Reauthenticator.Begin(context.Background(), env.Request)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	if flow == nil {
		t.Fatal("Begin returned a nil flow and no error")
	}
	return flow
}

// beginPending is begin for checks that need a flow waiting for the user.
func beginPending(t testing.TB, env *Env) *reauth.Flow {
	t.Helper()
	flow := begin(t, env)
	if flow.Step == reauth.StepDone {
		t.Fatal("Begin finished at once; Env.Request must name a connection that needs the user")
	}
	return flow
}

func requests(env *Env) int {
	if env.Requests == nil {
		return -1
	}
	return env.Requests()
}

func assertNoIO(t testing.TB, env *Env, before int, what string) {
	t.Helper()
	if env.Requests == nil {
		return
	}
	if after := env.Requests(); after != before {
		t.Errorf("%s sent %d request(s) to the provider; want none", what, after-before)
	}
}

// finish drives flow to done with Approve, failing after maxSteps.
func finish(t testing.TB, env *Env, flow *reauth.Flow) *reauth.Flow {
	t.Helper()
	for i := 0; flow.Step != reauth.StepDone; i++ {
		if i == maxSteps {
			t.Fatalf("flow not done after %d approved steps (step %q)", maxSteps, flow.Step)
		}
		reply := env.Approve(t, flow)
		next, err := env.Reauthenticator.Continue(context.Background(), flow, reply)
		if err != nil {
			t.Fatalf("Continue after approval (step %d, %q): %v", i+1, flow.Step, err)
		}
		if next == nil {
			t.Fatal("Continue returned a nil flow and no error")
		}
		flow = next
	}
	return flow
}

func checkBegin(t testing.TB, env *Env) {
	flow := begin(t, env)
	p := env.Reauthenticator.Provider()
	if flow.Provider != p {
		t.Errorf("flow.Provider = %q; want %q", flow.Provider, p)
	}
	if flow.CreatedAt.IsZero() {
		t.Error("flow.CreatedAt is zero")
	}
	switch flow.Step {
	case reauth.StepRedirect:
		if flow.URL == "" {
			t.Error("redirect flow without URL")
		}
		if flow.State == "" {
			t.Error("redirect flow without State")
		}
	case reauth.StepInput:
		if len(flow.Fields) == 0 {
			t.Error("input flow without Fields")
		}
		for _, f := range flow.Fields {
			if f.Name == "" {
				t.Error("input field without Name")
			}
		}
	case reauth.StepDone:
		if flow.Result == nil {
			t.Error("done flow without Result")
		}
	default:
		t.Errorf("flow.Step = %q; want redirect, input or done", flow.Step)
	}
	if !flow.ExpiresAt.IsZero() && !flow.ExpiresAt.After(flow.CreatedAt) {
		t.Errorf("flow.ExpiresAt %s is not after CreatedAt %s", flow.ExpiresAt, flow.CreatedAt)
	}
}

func checkComplete(t testing.TB, env *Env) {
	flow := finish(t, env, beginPending(t, env))
	p := env.Reauthenticator.Provider()
	switch {
	case flow.Result == nil:
		t.Fatal("done flow without Result")
	case flow.Result.Provider != p:
		t.Errorf("Result.Provider = %q; want %q", flow.Result.Provider, p)
	case flow.Result.CompletedAt.IsZero():
		t.Error("Result.CompletedAt is zero")
	}
	if flow.Result.CredentialsChanged && flow.Result.Credentials.IsZero() {
		t.Error("Result.CredentialsChanged without Credentials")
	}
	if flow.Provider != p {
		t.Errorf("done flow.Provider = %q; want %q", flow.Provider, p)
	}
}

func checkJSON(t testing.TB, env *Env) {
	flow := beginPending(t, env)
	b, err := json.Marshal(flow)
	if err != nil {
		t.Fatalf("json.Marshal(flow): %v", err)
	}
	var decoded reauth.Flow
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatalf("json.Unmarshal(flow): %v", err)
	}
	again, err := json.Marshal(&decoded)
	if err != nil {
		t.Fatalf("json.Marshal(decoded): %v", err)
	}
	if !bytes.Equal(b, again) {
		t.Errorf("flow changed through JSON:\n before %s\n after  %s", b, again)
	}
	done := finish(t, env, &decoded)
	if done.Result == nil {
		t.Error("flow decoded from JSON did not finish with a Result")
	}
}

func checkExpired(t testing.TB, env *Env) {
	flow := beginPending(t, env)
	reply := env.Approve(t, flow)
	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Hour)
	before := requests(env)
	next, err := env.Reauthenticator.Continue(context.Background(), &expired, reply)
	if !errors.Is(err, reauth.ErrFlowExpired) {
		t.Errorf("Continue on an expired flow: flow %v, err %v; want ErrFlowExpired", next, err)
	}
	assertNoIO(t, env, before, "Continue on an expired flow")
}

func checkMismatch(t testing.TB, env *Env) {
	flow := beginPending(t, env)
	approved := env.Approve(t, flow)
	var bad reauth.Reply
	switch {
	case env.Mismatch != nil:
		bad = env.Mismatch(t, flow, approved)
	case flow.Step == reauth.StepRedirect && approved.Callback.Has("state"):
		bad = reauth.Reply{Callback: cloneValues(approved.Callback), Inputs: approved.Inputs}
		bad.Callback.Set("state", "x"+approved.Callback.Get("state"))
	default:
		t.Skip("no way to forge a reply for another flow: set Env.Mismatch")
	}
	before := requests(env)
	next, err := env.Reauthenticator.Continue(context.Background(), flow, bad)
	if !errors.Is(err, reauth.ErrStateMismatch) {
		t.Errorf("Continue with another flow's callback: flow %v, err %v; want ErrStateMismatch", next, err)
	}
	assertNoIO(t, env, before, "Continue with a mismatched callback")
	// The genuine callback must still work: nothing was spent.
	next, err = env.Reauthenticator.Continue(context.Background(), flow, approved)
	if err != nil {
		t.Fatalf("Continue with the genuine callback after a mismatch: %v", err)
	}
	finish(t, env, next)
}

func checkCancelled(t testing.TB, env *Env) {
	flow := beginPending(t, env)
	var reply reauth.Reply
	switch {
	case env.Deny != nil:
		reply = env.Deny(t, flow)
	case flow.Step == reauth.StepRedirect:
		reply = reauth.Reply{Callback: map[string][]string{"state": {flow.State}, "error": {"access_denied"}}}
	default:
		t.Skip("no way to refuse an input step: set Env.Deny")
	}
	next, err := env.Reauthenticator.Continue(context.Background(), flow, reply)
	if err == nil {
		t.Fatalf("Continue after the user refused: flow %v and no error; want an error", next)
	}
	var apiErr *reauth.APIError
	if !errors.Is(err, reauth.ErrUserCancelled) && !errors.As(err, &apiErr) {
		t.Errorf("Continue after the user refused: %v; want ErrUserCancelled or an *APIError", err)
	}
	if next != nil && next.Step == reauth.StepDone {
		t.Error("Continue after the user refused returned a done flow")
	}
}

func checkEmptyReply(t testing.TB, env *Env) {
	flow := beginPending(t, env)
	before := requests(env)
	next, err := env.Reauthenticator.Continue(context.Background(), flow, reauth.Reply{})
	if err != nil {
		if !errors.Is(err, reauth.ErrMissingInput) {
			t.Errorf("Continue with an empty reply: %v; want ErrMissingInput or the same flow", err)
		}
		if flow.Step == reauth.StepInput {
			assertNoIO(t, env, before, "Continue with missing inputs")
		}
		return
	}
	switch {
	case next == nil:
		t.Error("Continue with an empty reply returned nil and no error")
	case next.Step == reauth.StepDone:
		t.Error("Continue with an empty reply before the user acted returned a done flow")
	case next.Step != flow.Step:
		t.Errorf("Continue with an empty reply moved the flow from %q to %q", flow.Step, next.Step)
	}
	if flow.Step == reauth.StepInput {
		t.Error("Continue on an input step with no inputs must return ErrMissingInput")
	}
}

func checkWrongProvider(t testing.TB, env *Env) {
	flow := beginPending(t, env)
	reply := env.Approve(t, flow)
	other := *flow
	other.Provider = "someone-else"
	for _, p := range reauth.Providers() {
		if p != flow.Provider {
			other.Provider = p
			break
		}
	}
	before := requests(env)
	next, err := env.Reauthenticator.Continue(context.Background(), &other, reply)
	if !errors.Is(err, reauth.ErrWrongProvider) {
		t.Errorf("Continue with a %q flow: flow %v, err %v; want ErrWrongProvider", other.Provider, next, err)
	}
	next, err = env.Reauthenticator.Continue(context.Background(), nil, reply)
	if err == nil {
		t.Errorf("Continue with a nil flow: flow %v and no error", next)
	}
	assertNoIO(t, env, before, "Continue with a foreign or nil flow")
}

func checkContext(t testing.TB, env *Env) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	flow, err := env.Reauthenticator.Begin(ctx, env.Request)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Begin with a cancelled context: flow %v, err %v; want context.Canceled", flow, err)
	}
}

func checkSecrets(t testing.TB, env *Env) {
	secrets := append([]string{env.Request.Token}, env.Secrets...)
	var errs []error
	var printed []any

	flow := beginPending(t, env)
	secrets = append(secrets, flow.State)
	printed = append(printed, flow, *flow)
	reply := env.Approve(t, flow)
	for _, vs := range reply.Callback {
		for _, v := range vs {
			// codes are secret; short markers ("success") and ids are not
			if len(v) >= 8 && v != flow.ConnectionID && v != env.Request.ConnectionID {
				secrets = append(secrets, v)
			}
		}
	}
	for _, v := range reply.Inputs {
		secrets = append(secrets, v)
	}
	printed = append(printed, reply)

	expired := *flow
	expired.ExpiresAt = time.Now().Add(-time.Hour)
	_, err := env.Reauthenticator.Continue(context.Background(), &expired, reply)
	errs = append(errs, err)
	other := *flow
	other.Provider = "someone-else"
	_, err = env.Reauthenticator.Continue(context.Background(), &other, reply)
	errs = append(errs, err)
	_, err = env.Reauthenticator.Continue(context.Background(), flow, reauth.Reply{})
	errs = append(errs, err)
	if flow.Step == reauth.StepRedirect {
		bad := reauth.Reply{Callback: cloneValues(reply.Callback)}
		bad.Callback.Set("state", "x"+flow.State)
		_, err = env.Reauthenticator.Continue(context.Background(), flow, bad)
		errs = append(errs, err)
		_, err = env.Reauthenticator.Continue(context.Background(), flow,
			reauth.Reply{Callback: map[string][]string{"state": {flow.State}, "error": {"access_denied"}}})
		errs = append(errs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = env.Reauthenticator.Begin(ctx, env.Request)
	errs = append(errs, err)

	// Carry on with the reply already approved: a real provider's session
	// may be single-use, so the user is not asked twice.
	next, err := env.Reauthenticator.Continue(context.Background(), flow, reply)
	if err != nil {
		t.Fatalf("Continue after approval: %v", err)
	}
	done := finish(t, env, next)
	if done.Result != nil {
		c := done.Result.Credentials
		secrets = append(secrets, c.AccessToken, c.RefreshToken, c.Code)
		printed = append(printed, done.Result, *done.Result, c)
	}
	printed = append(printed, done, env.Request)

	scan := NewLeakScan(secrets...)
	for _, err := range errs {
		scan.Add(err)
	}
	scan.Add(printed...)
	scan.Check(t)
}

func checkInspectBroken(t testing.TB, env *Env) {
	in, ok := env.Reauthenticator.(reauth.Inspector)
	if !ok || env.Broken == nil {
		t.Skip("not an Inspector, or no Env.Broken")
	}
	h, err := in.Inspect(context.Background(), env.Broken(t))
	if err != nil {
		t.Fatalf("Inspect on a connection that needs re-auth: %v; want a Health and no error", err)
	}
	if h == nil {
		t.Fatal("Inspect returned a nil Health and no error")
	}
	if h.State != reauth.NeedsReauth && h.State != reauth.Revoked {
		t.Errorf("Inspect on a connection that needs re-auth: State %q; want %q or %q", h.State, reauth.NeedsReauth, reauth.Revoked)
	}
	if h.Provider != env.Reauthenticator.Provider() {
		t.Errorf("Health.Provider = %q; want %q", h.Provider, env.Reauthenticator.Provider())
	}
}

// findSecret returns the first secret of at least 4 characters found in s.
func findSecret(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			return sec
		}
	}
	return ""
}

func mask(s string) string { return s[:2] + strings.Repeat("*", len(s)-2) }

// maskAll masks every secret in s, so a failure report never prints one.
func maskAll(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, mask(sec))
		}
	}
	return s
}

func cloneValues(v map[string][]string) map[string][]string {
	out := make(map[string][]string, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
