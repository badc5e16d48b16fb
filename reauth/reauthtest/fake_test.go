package reauthtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func fakeEnv(t testing.TB) *Env {
	f := NewFake(reauth.Atto)
	return &Env{
		Reauthenticator: f,
		Request:         reauth.Request{ConnectionID: "conn-1", RedirectURI: "https://app.example/cb"},
		Approve:         func(_ testing.TB, flow *reauth.Flow) reauth.Reply { return f.Approve(flow) },
		Deny:            func(_ testing.TB, flow *reauth.Flow) reauth.Reply { return f.Deny(flow) },
		Requests:        func() int { return 0 },
		Secrets:         []string{"app-secret-value"},
	}
}

func TestConformanceFake(t *testing.T) {
	t.Parallel()
	RunConformance(t, fakeEnv)
}

// stateBlind is a deliberately broken adapter: it accepts any callback state.
type stateBlind struct{ *Fake }

func (s stateBlind) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if flow != nil && reply.Callback != nil {
		reply.Callback.Set("state", flow.State)
	}
	return s.Fake.Continue(ctx, flow, reply)
}

// leaky puts the access token in its errors.
type leaky struct{ *Fake }

func (l leaky) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("atto: begin with token %s: %w", req.Token, ctx.Err())
	}
	return l.Fake.Begin(ctx, req)
}

// recorder is a testing.TB that records failures instead of failing the
// real test, so the suite's own failures can be asserted.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}
func (r *recorder) Error(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); runtime.Goexit() }
func (r *recorder) FailNow()                          { r.Errorf("FailNow"); runtime.Goexit() }
func (r *recorder) Skip(args ...any)                  { runtime.Goexit() }
func (r *recorder) Skipf(string, ...any)              { runtime.Goexit() }

// failures runs one named check against env and returns what it reported.
func failures(t *testing.T, name string, env func(testing.TB) *Env) []string {
	t.Helper()
	for _, c := range checks() {
		if c.name != name {
			continue
		}
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.run(rec, env(rec))
		}()
		<-done
		return rec.errors
	}
	t.Fatalf("no check %q", name)
	return nil
}

func TestConformanceCatchesStateBlindAdapter(t *testing.T) {
	t.Parallel()
	got := failures(t, "StateMismatchFailsWithoutIOAndSpendsNothing", func(tb testing.TB) *Env {
		env := fakeEnv(tb)
		env.Reauthenticator = stateBlind{env.Reauthenticator.(*Fake)}
		return env
	})
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "ErrStateMismatch") {
		t.Fatalf("suite did not flag an adapter that ignores state; reported %q", got)
	}
}

func TestConformanceCatchesLeakyAdapter(t *testing.T) {
	t.Parallel()
	got := failures(t, "NoSecretInErrorsOrPrintedFlows", func(tb testing.TB) *Env {
		env := fakeEnv(tb)
		env.Request.Token = "refresh-token-secret"
		env.Reauthenticator = leaky{env.Reauthenticator.(*Fake)}
		return env
	})
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "shows a secret") {
		t.Fatalf("suite did not flag an adapter that leaks a token; reported %q", got)
	}
}

func TestConformanceCatchesAdapterThatIgnoresExpiry(t *testing.T) {
	t.Parallel()
	got := failures(t, "ExpiredFlowFailsWithoutIO", func(tb testing.TB) *Env {
		env := fakeEnv(tb)
		f := env.Reauthenticator.(*Fake)
		f.ContinueFunc = func(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
			return flowx.Done(f.Name, flow.ConnectionID, reauth.Credentials{AccessToken: "tok-123456"}, true, f.now()), nil
		}
		return env
	})
	if len(got) == 0 {
		t.Fatal("suite did not flag an adapter that ignores expiry")
	}
}

func TestFakeRecordsCallsAndScripts(t *testing.T) {
	t.Parallel()
	f := NewFake(reauth.Finch)
	want := errors.New("scripted")
	f.BeginFunc = func(context.Context, reauth.Request) (*reauth.Flow, error) { return nil, want }
	if _, err := f.Begin(context.Background(), reauth.Request{ConnectionID: "c"}); !errors.Is(err, want) {
		t.Fatalf("Begin = %v; want scripted error", err)
	}
	f.BeginFunc = nil
	flow, err := f.Begin(context.Background(), reauth.Request{ConnectionID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Continue(context.Background(), flow, f.Deny(flow)); !errors.Is(err, reauth.ErrUserCancelled) {
		t.Fatalf("Continue(deny) = %v; want ErrUserCancelled", err)
	}
	calls := f.Calls()
	if len(calls) != 3 || calls[0].Method != "Begin" || calls[2].Method != "Continue" || calls[2].Flow == flow {
		t.Fatalf("calls = %+v", calls)
	}
	f.Reset()
	if len(f.Calls()) != 0 {
		t.Fatal("Reset kept calls")
	}
}

func TestFakeConcurrentUse(t *testing.T) {
	t.Parallel()
	f := NewFake(reauth.Mono)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			flow, err := f.Begin(context.Background(), reauth.Request{ConnectionID: "c"})
			if err == nil {
				_, _ = f.Continue(context.Background(), flow, f.Approve(flow))
			}
		}()
	}
	wg.Wait()
	if n := len(f.Calls()); n != 100 {
		t.Fatalf("recorded %d calls; want 100", n)
	}
}

// TestFakeBehavesLikeTheAdapters: TrueLayer needs no ConnectionID, a Finch
// callback without state is accepted (Finch's adapter does), and Calls()
// records what Begin returned.
func TestFakeBehavesLikeTheAdapters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tl := NewFake(reauth.TrueLayer)
	flow, err := tl.Begin(ctx, reauth.Request{})
	if err != nil {
		t.Fatalf("TrueLayer Begin without ConnectionID: %v", err)
	}
	if got := tl.Calls()[0].Returned; got == nil || got.State != flow.State || got == flow {
		t.Fatalf("Calls()[0].Returned = %v; want a copy of the flow Begin returned", got)
	}
	if _, err := NewFake(reauth.Yapily).Begin(ctx, reauth.Request{}); !errors.Is(err, reauth.ErrMissingInput) {
		t.Fatalf("Yapily Begin without ConnectionID = %v; want ErrMissingInput", err)
	}
	fi := NewFake(reauth.Finch)
	flow, err = fi.Begin(ctx, reauth.Request{ConnectionID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	reply := fi.Approve(flow)
	reply.Callback.Del("state")
	if done, err := fi.Continue(ctx, flow, reply); err != nil || done.Step != reauth.StepDone {
		t.Fatalf("Finch Continue without state = %v, %v; want done", done, err)
	}
	if c := fi.Calls()[1]; c.Returned == nil || c.Returned.Step != reauth.StepDone || c.Err != nil {
		t.Fatalf("Continue call recorded as %+v", c)
	}
	reply.Callback.Set("state", "other")
	if _, err := fi.Continue(ctx, flow, reply); !errors.Is(err, reauth.ErrStateMismatch) {
		t.Fatalf("Finch Continue with a wrong state = %v; want ErrStateMismatch", err)
	}
	var nilFake *Fake
	var nilMock *Mock
	CheckNilSafe(t, nilFake, &Fake{})
	// A Mock panics on unexpected calls by design (testify): only its own
	// nil receiver is checked.
	if _, err := nilMock.Begin(ctx, reauth.Request{}); err == nil {
		t.Error("nil *Mock Begin: no error")
	}
	if _, err := nilMock.Inspect(ctx, reauth.Request{}); err == nil || nilMock.Provider() != "" {
		t.Error("nil *Mock Inspect: no error")
	}
}

func TestMockIsAnInspector(t *testing.T) {
	t.Parallel()
	m := &Mock{Name: reauth.Yapily}
	m.On("Inspect", mock.Anything, reauth.Request{ConnectionID: "c"}).Return(nil, reauth.ErrNotFound).Once()
	var in reauth.Inspector = m
	if _, err := in.Inspect(context.Background(), reauth.Request{ConnectionID: "c"}); !errors.Is(err, reauth.ErrNotFound) {
		t.Fatalf("Inspect = %v", err)
	}
	m.AssertExpectations(t)
}

// erringInspector answers a broken connection with an error, as Yapily
// did on a 403: the suite must flag it.
type erringInspector struct{ *Fake }

func (e erringInspector) Inspect(context.Context, reauth.Request) (*reauth.Health, error) {
	return nil, &reauth.APIError{Provider: e.Name, StatusCode: 403, Kind: reauth.ErrReauthRequired}
}

type healthInspector struct{ *Fake }

func (h healthInspector) Inspect(context.Context, reauth.Request) (*reauth.Health, error) {
	return &reauth.Health{Provider: h.Name, State: reauth.NeedsReauth}, nil
}

func TestConformanceChecksTheInspectorRule(t *testing.T) {
	t.Parallel()
	broken := func(testing.TB) reauth.Request { return reauth.Request{ConnectionID: "revoked"} }
	got := failures(t, "InspectReportsABrokenConnectionAsHealth", func(tb testing.TB) *Env {
		env := fakeEnv(tb)
		env.Reauthenticator = erringInspector{env.Reauthenticator.(*Fake)}
		env.Broken = broken
		return env
	})
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "want a Health") {
		t.Fatalf("suite did not flag an Inspector that errs on a broken connection; reported %q", got)
	}
	got = failures(t, "InspectReportsABrokenConnectionAsHealth", func(tb testing.TB) *Env {
		env := fakeEnv(tb)
		env.Reauthenticator = healthInspector{env.Reauthenticator.(*Fake)}
		env.Broken = broken
		return env
	})
	if len(got) != 0 {
		t.Fatalf("suite flagged a correct Inspector: %q", got)
	}
}
