package sweep_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/sweep"
	"github.com/reauthkit/reauthkit/reauth/sweep/sweeptest"
)

// heapPeak samples the heap's objects (live and garbage not yet
// collected) every half millisecond until stop and returns the highest
// value seen.
func heapPeak() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var heap uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			heap = max(heap, samples[0].Value.Uint64())
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return heap
	}
}

// acceptAll is a Ledger that keeps nothing, as a database Ledger keeps
// nothing in the sweeping process: the benchmark measures the Sweeper.
type acceptAll struct{}

func (acceptAll) Claim(context.Context, string, time.Time) (bool, error) { return true, nil }

// generated yields n connections without holding them: one in ten is due
// a notice.
func generated(n int) func(yield func(sweep.Connection, error) bool) {
	return func(yield func(sweep.Connection, error) bool) {
		for i := range n {
			if !yield(sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: strconv.Itoa(i)}}, nil) {
				return
			}
		}
	}
}

// retained runs one more sweep of n connections, outside the timing, and
// returns the highest heap that survives a full GC at twenty points during
// it: what the Sweeper holds, without the garbage a sampled peak also sees.
func retained(b *testing.B, s *sweep.Sweeper, n int, notify func(context.Context, sweep.Notice) error) uint64 {
	b.StopTimer()
	defer b.StartTimer()
	var ms runtime.MemStats
	var peak uint64
	source := func(yield func(sweep.Connection, error) bool) {
		for i := range n {
			if i%(n/20) == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
			if !yield(sweep.Connection{Provider: "fake", Request: reauth.Request{ConnectionID: strconv.Itoa(i)}}, nil) {
				return
			}
		}
	}
	if _, err := s.Run(context.Background(), source, notify); err != nil {
		b.Fatal(err)
	}
	return peak
}

func BenchmarkSweep(b *testing.B) {
	in := &sweeptest.Inspector{Name: "fake", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		h := &reauth.Health{Provider: "fake", ConnectionID: req.ConnectionID, State: reauth.Healthy, ExpiresAt: now.Add(90 * day)}
		if len(req.ConnectionID) > 0 && req.ConnectionID[len(req.ConnectionID)-1] == '0' {
			h.ExpiresAt = now.Add(5 * day)
		}
		return h, nil
	}}
	reg := registry(b, in)
	notify := func(context.Context, sweep.Notice) error { return nil }
	for _, n := range []int{10_000, 100_000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			s := newSweeper(b, reg, sweep.WithLedger(acceptAll{}), sweep.WithConcurrency(16))
			b.ReportAllocs()
			runtime.GC()
			stop := heapPeak()
			start := time.Now()
			for b.Loop() {
				if rep, err := s.Run(context.Background(), generated(n), notify); err != nil || rep.Inspected != n {
					b.Fatalf("%+v, %v", rep, err)
				}
			}
			elapsed := time.Since(start)
			heap := stop()
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "conns/s")
			b.ReportMetric(float64(heap), "peak-heap-B")
			b.ReportMetric(float64(retained(b, s, n, notify)), "retained-B")
		})
	}
}

// BenchmarkSweepSimulators sweeps the simulated providers with a rate of R
// requests a second on each: wall/limit is the sweep's wall time divided
// by the rate's lower bound N/R (N connections per provider, 0.6 s).
func BenchmarkSweepSimulators(b *testing.B) {
	for _, rps := range []int{100, 400} {
		b.Run("R="+strconv.Itoa(rps), func(b *testing.B) {
			env := newSims(b, rps*6/40) // four connections a group: N = 0.6 s × R
			defer env.Close()
			n := 0
			var opts []sweep.Option
			for p, c := range env.perProvider {
				n = max(n, c)
				opts = append(opts, sweep.WithRate(p, float64(rps), 1))
			}
			opts = append(opts, sweep.WithConcurrency(16), sweep.WithLedger(acceptAll{}))
			notify := func(context.Context, sweep.Notice) error { return nil }
			s := newSweeper(b, env.reg, opts...)
			b.ReportAllocs()
			var wall time.Duration
			for b.Loop() {
				start := time.Now()
				rep, err := s.Run(context.Background(), conns(env.conns...), notify)
				wall += time.Since(start)
				if err != nil || rep.Failed != 0 {
					b.Fatalf("%+v, %v", rep, err)
				}
			}
			limit := time.Duration(float64(n) / float64(rps) * float64(time.Second))
			b.ReportMetric(float64(wall)/float64(b.N)/float64(limit), "wall/limit")
			b.ReportMetric(float64(len(env.perProvider)), "providers")
		})
	}
}
