package flows_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Two Managers (two instances) on one store receive the same callback 32
// times at once: the code is exchanged exactly once, every answer is the
// done flow or "another holder has it", and a later Continue returns the
// stored done flow without I/O.
func TestCallbackSpendsCodeOnceAcrossInstances(t *testing.T) {
	eachStore(t, func(t *testing.T, st storeInfo) {
		tl := newTrueLayer(t)
		m1, m2 := newManager(t, tl.reg, st.store), newManager(t, tl.reg, st.store)
		apps := []*app{newApp(t, m1), newApp(t, m2)}
		key, flow := begin(t, m1, "", reauth.TrueLayer, tl.req)
		cb, err := tl.srv.Approve(context.Background(), flow.URL)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		codes := make(chan int, 32)
		start := make(chan struct{})
		for i := range 32 {
			wg.Go(func() {
				<-start
				code, _ := apps[i%2].callback(t, cb, nil)
				codes <- code
			})
		}
		close(start)
		wg.Wait()
		close(codes)
		ok := 0
		for c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
			default:
				t.Errorf("callback answered %d, want 200 or 409", c)
			}
		}
		if ok == 0 {
			t.Error("no callback answered 200")
		}
		if n := tl.exchanges(); n != 1 {
			t.Fatalf("the code was exchanged %d times, want exactly once", n)
		}
		if rec := record(t, st.store, key); rec.Status != flows.StatusDone {
			t.Fatalf("record status %s, want done", rec.Status)
		}
		before := len(tl.srv.Requests())
		done, err := m2.Continue(context.Background(), key, reauth.Reply{Callback: cb})
		if err != nil || done.Step != reauth.StepDone || done.Result.Credentials.RefreshToken == "" {
			t.Fatalf("Continue on a done record: %v, %v", done, err)
		}
		if after := len(tl.srv.Requests()); after != before {
			t.Fatalf("Continue on a done record sent %d requests, want none", after-before)
		}
	})
}

// A record another holder has claimed is ErrClaimed without I/O; one whose
// holder's lease ran out is failed and reauth.ErrFlowExpired, never spent
// again.
func TestClaimedAndLeaseRunOut(t *testing.T) {
	eachStore(t, func(t *testing.T, st storeInfo) {
		tl := newTrueLayer(t)
		m := newManager(t, tl.reg, st.store)
		ctx := context.Background()

		key, cb := tl.approved(t, m)
		if _, err := st.store.Claim(ctx, key, time.Hour); err != nil { // another instance holds it
			t.Fatal(err)
		}
		before := len(tl.srv.Requests())
		_, err := m.Continue(ctx, key, reauth.Reply{Callback: cb})
		if !errors.Is(err, flows.ErrClaimed) {
			t.Fatalf("Continue on a claimed record: %v, want ErrClaimed", err)
		}
		if n := len(tl.srv.Requests()) - before; n != 0 {
			t.Fatalf("Continue on a claimed record sent %d requests, want none", n)
		}

		key2, _ := begin(t, m, "", reauth.TrueLayer, tl.req)
		if _, err := st.store.Claim(ctx, key2, time.Millisecond); err != nil { // a holder that crashed
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		before = len(tl.srv.Requests())
		_, err = m.Continue(ctx, key2, reauth.Reply{Callback: cb})
		if !errors.Is(err, reauth.ErrFlowExpired) || reauth.NextAction(err) != reauth.ActionBeginAgain {
			t.Fatalf("Continue after the lease ran out: %v, want ErrFlowExpired", err)
		}
		if rec := record(t, st.store, key2); rec.Status != flows.StatusFailed {
			t.Fatalf("status %s, want failed", rec.Status)
		}
		if _, err := m.Continue(ctx, key2, reauth.Reply{Callback: cb}); !errors.Is(err, flows.ErrFailed) {
			t.Fatalf("Continue on a failed record: %v, want ErrFailed", err)
		}
		if n := len(tl.srv.Requests()) - before; n != 0 {
			t.Fatalf("%d requests sent for claimed or expired records, want none", n)
		}
	})
}

// After a code exchange whose answer was lost (the provider spent the
// code; the client saw a dropped connection or a 503), the record is
// failed: a second callback never spends the code again. A 429 proves the
// code was not taken: the record stays open and a retry finishes it.
func TestSpentCodeAfterTransientErrorFailsTheFlow(t *testing.T) {
	t.Parallel()
	faults := map[string]sim.Fault{
		"dropped": {Kind: sim.FaultDropAfterRead},
		"503":     {Kind: sim.FaultStatus, Status: http.StatusServiceUnavailable},
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tl := newTrueLayer(t)
			st := flows.NewMemoryStore()
			m := newManager(t, tl.reg, st)
			ctx := context.Background()
			key, cb := tl.approved(t, m)
			tl.srv.Inject("POST /connect/token", 1, fault)
			_, err := m.Continue(ctx, key, reauth.Reply{Callback: cb})
			var fe *flows.Error
			if !errors.As(err, &fe) || fe.Status != flows.StatusFailed || reauth.NextAction(err) != reauth.ActionBeginAgain {
				t.Fatalf("Continue after a lost exchange: %v, want a failed flow and begin_again", err)
			}
			if _, err := m.Continue(ctx, key, reauth.Reply{Callback: cb}); !errors.Is(err, flows.ErrFailed) {
				t.Fatalf("second Continue: %v, want ErrFailed", err)
			}
			if n := tl.exchanges(); n != 1 {
				t.Fatalf("code sent %d times, want once", n)
			}
		})
	}
	t.Run("429", func(t *testing.T) {
		t.Parallel()
		tl := newTrueLayer(t)
		st := flows.NewMemoryStore()
		m := newManager(t, tl.reg, st)
		ctx := context.Background()
		key, cb := tl.approved(t, m)
		tl.srv.Inject("POST /connect/token", 1, sim.Fault{Kind: sim.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "3600"})
		_, err := m.Continue(ctx, key, reauth.Reply{Callback: cb})
		if !errors.Is(err, reauth.ErrRateLimited) || record(t, st, key).Status != flows.StatusOpen {
			t.Fatalf("Continue after a 429: %v (status %s), want ErrRateLimited and an open record", err, record(t, st, key).Status)
		}
		done, err := m.Continue(ctx, key, reauth.Reply{Callback: cb})
		if err != nil || done.Step != reauth.StepDone {
			t.Fatalf("retry after the 429: %v, %v", done, err)
		}
	})
}

// A wrong OTP keeps the record open with the same flow; the right one
// finishes it; each answer reaches Mono once.
func TestWrongAnswerKeepsRecordOpen(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			st := newStore(t, kind)
			srv, reg := newMono(t)
			m := newManager(t, reg, st.store)
			ctx := context.Background()
			key, flow := begin(t, m, "", reauth.Mono, reauth.Request{ConnectionID: "acc_otp"})
			if flow.Step != reauth.StepInput {
				t.Fatalf("mono begin: step %s, want input", flow.Step)
			}
			before := record(t, st.store, key)
			wrong := map[string]string{}
			for _, f := range flow.Fields {
				wrong[f.Name] = shift(srv.Answer(f.Name))
			}
			_, err := m.Continue(ctx, key, reauth.Reply{Inputs: wrong})
			if !errors.Is(err, reauth.ErrInputRejected) || reauth.NextAction(err) != reauth.ActionAskAgain {
				t.Fatalf("wrong answer: %v, want ErrInputRejected", err)
			}
			after := record(t, st.store, key)
			if after.Status != flows.StatusOpen || !bytes.Equal(after.Data, before.Data) {
				t.Fatalf("after a wrong answer: status %s, same data %t; want open and unchanged", after.Status, bytes.Equal(after.Data, before.Data))
			}
			reply, err := srv.ApproveInputs(ctx, flow)
			if err != nil {
				t.Fatal(err)
			}
			next, err := m.Continue(ctx, key, reply)
			if err != nil {
				t.Fatal(err)
			}
			for next.Step == reauth.StepInput { // a further question
				if reply, err = srv.ApproveInputs(ctx, next); err != nil {
					t.Fatal(err)
				}
				if next, err = m.Continue(ctx, key, reply); err != nil {
					t.Fatal(err)
				}
			}
			if next.Step != reauth.StepDone || srv.Commits() != 2 {
				t.Fatalf("step %s after %d commits; want done after 2 (one wrong, one right)", next.Step, srv.Commits())
			}
		})
	}
}

// An OTP that met a 503 may have been taken by the bank: the record fails
// rather than letting a second OTP be sent into the same session.
func TestOTPAfterTransientErrorFailsTheFlow(t *testing.T) {
	t.Parallel()
	srv, reg := newMono(t)
	st := flows.NewMemoryStore()
	m := newManager(t, reg, st)
	ctx := context.Background()
	key, flow := begin(t, m, "", reauth.Mono, reauth.Request{ConnectionID: "acc_otp"})
	reply, err := srv.ApproveInputs(ctx, flow)
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject("POST /v2/connect/commit", 1, sim.Fault{Kind: sim.FaultDropAfterRead})
	if _, err := m.Continue(ctx, key, reply); err == nil {
		t.Fatal("want an error")
	}
	if rec := record(t, st, key); rec.Status != flows.StatusFailed {
		t.Fatalf("status %s, want failed", rec.Status)
	}
	if _, err := m.Continue(ctx, key, reply); !errors.Is(err, flows.ErrFailed) {
		t.Fatalf("second Continue: %v, want ErrFailed", err)
	}
	if n := srv.Commits(); n != 1 {
		t.Fatalf("OTP sent %d times, want once", n)
	}
}

// An empty "is it done yet?" reply sends nothing one-time: a transient
// error leaves the record open.
func TestEmptyReplyStaysOpenOnTransientError(t *testing.T) {
	t.Parallel()
	srv, reg, req := newAtto(t)
	st := flows.NewMemoryStore()
	m := newManager(t, reg, st)
	ctx := context.Background()
	key, _ := begin(t, m, "", reauth.Atto, req)
	srv.Inject("", 10, sim.Fault{Kind: sim.FaultStatus, Status: http.StatusServiceUnavailable})
	_, err := m.Continue(ctx, key, reauth.Reply{})
	if reauth.NextAction(err) != reauth.ActionRetryLater || record(t, st, key).Status != flows.StatusOpen {
		t.Fatalf("poll during an outage: %v (status %s), want retry_later and open", err, record(t, st, key).Status)
	}
	srv.ClearFaults()
	next, err := m.Continue(ctx, key, reauth.Reply{})
	if err != nil || next.Step != reauth.StepRedirect {
		t.Fatalf("poll before the user finished: %v, %v; want the same redirect flow", next, err)
	}
}

// Bad input fails before any I/O.
func TestBeginRefusesBadInputBeforeIO(t *testing.T) {
	t.Parallel()
	tl := newTrueLayer(t)
	st := flows.NewMemoryStore()
	ctx := context.Background()
	m := newManager(t, tl.reg, st)
	withSubject := newManager(t, tl.reg, st, flows.WithSubject(func(r *http.Request) string { return r.Header.Get("X-User") }))
	if _, _, err := m.Begin(ctx, "", "", tl.req); !errors.Is(err, reauth.ErrMissingInput) {
		t.Errorf("empty provider: %v", err)
	}
	if _, _, err := withSubject.Begin(ctx, "", reauth.TrueLayer, tl.req); !errors.Is(err, reauth.ErrMissingInput) {
		t.Errorf("empty subject under WithSubject: %v", err)
	}
	if _, err := m.Continue(ctx, "", reauth.Reply{}); !errors.Is(err, reauth.ErrMissingInput) {
		t.Errorf("empty key: %v", err)
	}
	if _, _, err := m.Get(ctx, ""); !errors.Is(err, reauth.ErrMissingInput) {
		t.Errorf("empty key: %v", err)
	}
	if n := len(tl.srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for bad input, want none", n)
	}
	req := tl.req
	req.State = "chosen-state-0123456789"
	begin(t, m, "", reauth.TrueLayer, req)
	sent := len(tl.srv.Requests())
	if _, _, err := m.Begin(ctx, "", reauth.TrueLayer, req); !errors.Is(err, flows.ErrExists) {
		t.Fatalf("duplicate state: %v, want ErrExists", err)
	}
	if len(tl.srv.Requests()) != sent {
		t.Fatal("a duplicate key was sent to the provider")
	}
	if _, err := flows.NewManager(nil, st); err == nil {
		t.Error("nil registry accepted")
	}
	if _, err := flows.NewManager(tl.reg, nil); err == nil {
		t.Error("nil store accepted")
	}
	var nilM *flows.Manager
	if _, err := nilM.Continue(ctx, "k", reauth.Reply{}); err == nil {
		t.Error("nil manager: want an error")
	}
}

// shift changes every digit of an answer, keeping its length.
func shift(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '0' + (c-'0'+1)%10
		} else {
			b[i] = 'x'
		}
	}
	return string(b)
}

// A live holder never outlives its claim: the provider call runs under a
// deadline inside the lease, and the record is settled (failed: the code may
// have reached the bank) before the lease ends, never left claimed.
func TestProviderCallEndsInsideTheLease(t *testing.T) {
	t.Parallel()
	tl := newTrueLayer(t)
	st := flows.NewMemoryStore()
	m := newManager(t, tl.reg, st, flows.WithLease(400*time.Millisecond))
	key, cb := tl.approved(t, m)
	tl.srv.Inject("POST /connect/token", 1, sim.Fault{Kind: sim.FaultDelay, Delay: time.Minute})
	start := time.Now()
	_, err := m.Continue(context.Background(), key, reauth.Reply{Callback: cb})
	if err == nil || time.Since(start) > 30*time.Second {
		t.Fatalf("Continue against a stalled provider: %v after %s", err, time.Since(start))
	}
	if rec := record(t, st, key); rec.Status != flows.StatusFailed || !rec.ClaimedUntil.IsZero() {
		t.Fatalf("after the deadline: status %s, claimed until %v; want failed and released", rec.Status, rec.ClaimedUntil)
	}
}

// A caller that hangs up while the code is being exchanged (a browser that
// closed the tab) does not lose the new tokens: the exchange finishes under
// the lease and the done flow is stored.
func TestCallerHangingUpKeepsTheNewTokens(t *testing.T) {
	t.Parallel()
	env := newTrueLayer(t)
	st := flows.NewMemoryStore()
	m := newManager(t, env.reg, st)
	key, cb := env.approved(t, m)
	env.srv.Inject("POST /connect/token", 1, sim.Fault{Kind: sim.FaultDelay, Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _ = m.Continue(ctx, key, reauth.Reply{Callback: cb})
	rec := record(t, st, key)
	if rec.Status != flows.StatusDone {
		t.Fatalf("status %s after the caller hung up, want done", rec.Status)
	}
	done, err := m.Continue(context.Background(), key, reauth.Reply{Callback: cb})
	if err != nil || done.Step != reauth.StepDone || done.Result.Credentials.RefreshToken == "" {
		t.Fatalf("stored result: %v, %v", done, err)
	}
	if n := env.exchanges(); n != 1 {
		t.Fatalf("code exchanges = %d, want 1", n)
	}
}
