package reauthtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

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
