package flows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
)

// approve plays the user at the simulated TrueLayer, outside the timer.
func approve(b *testing.B, tl *trueLayerEnv, flow *reauth.Flow) reauth.Reply {
	b.StopTimer()
	defer b.StartTimer()
	cb, err := tl.srv.Approve(context.Background(), flow.URL)
	if err != nil {
		b.Fatal(err)
	}
	return reauth.Reply{Callback: cb}
}

// BenchmarkRegistryContinue is one TrueLayer re-auth (Begin, then Continue
// with the callback: the code exchange) through the Registry alone, with no
// store: the baseline for BenchmarkManagerContinue. The simulated user's
// approval is not timed.
func BenchmarkRegistryContinue(b *testing.B) {
	tl := newTrueLayer(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		flow, err := tl.reg.Begin(ctx, reauth.TrueLayer, tl.req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tl.reg.Continue(ctx, flow, approve(b, tl, flow)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkManagerContinue is the same re-auth through a Manager on each
// store (sealed with AES-GCM): its difference from BenchmarkRegistryContinue
// is the store's cost per flow (a create, a claim, an update, sealing).
func BenchmarkManagerContinue(b *testing.B) {
	for _, kind := range storeKinds {
		b.Run(kind, func(b *testing.B) {
			st := newStore(b, kind)
			tl := newTrueLayer(b)
			m := newManager(b, tl.reg, st.store, flows.WithSealer(sealer(b, "k1", "k1")))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				key, flow, err := m.Begin(ctx, "", reauth.TrueLayer, tl.req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Continue(ctx, key, approve(b, tl, flow)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkContention: two Managers (two instances) on one store, 64
// goroutines each, all continuing the same flow with the same callback.
// It reports claims per second and asserts the invariant: exactly one code
// exchange per flow.
func BenchmarkContention(b *testing.B) {
	for _, kind := range storeKinds {
		b.Run(kind, func(b *testing.B) {
			st := newStore(b, kind)
			tl := newTrueLayer(b)
			ms := []*flows.Manager{newManager(b, tl.reg, st.store), newManager(b, tl.reg, st.store)}
			ctx := context.Background()
			const perManager = 64
			claims := 0
			var timed time.Duration
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				key, flow, err := ms[0].Begin(ctx, "", reauth.TrueLayer, tl.req)
				if err != nil {
					b.Fatal(err)
				}
				cb, err := tl.srv.Approve(ctx, flow.URL)
				if err != nil {
					b.Fatal(err)
				}
				before := tl.exchanges()
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range 2 * perManager {
					wg.Go(func() {
						<-start
						_, _ = ms[i%2].Continue(ctx, key, reauth.Reply{Callback: cb})
					})
				}
				b.StartTimer()
				t0 := time.Now()
				close(start)
				wg.Wait()
				timed += time.Since(t0)
				claims += 2 * perManager
				if n := tl.exchanges() - before; n != 1 {
					b.Fatalf("%d code exchanges for one flow, want exactly 1", n)
				}
			}
			b.ReportMetric(float64(claims)/timed.Seconds(), "claims/s")
		})
	}
}
