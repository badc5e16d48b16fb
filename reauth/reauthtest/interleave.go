package reauthtest

import (
	"testing"
	"time"
)

// Interleave measures an SDK call against the same exchange written by
// hand: each iteration runs sdk and raw once, alternating which goes first,
// so that load from other processes (and leftover server work) hits both
// alike. It reports "sdk-ns/op", "raw-ns/op" and their ratio "sdk/raw",
// which is stable where two separate benchmarks on a shared machine are
// not. Use it inside a Benchmark function, after its setup.
func Interleave(b *testing.B, sdk, raw func() error) {
	b.Helper()
	var sdkTotal, rawTotal time.Duration
	timed := func(op func() error, total *time.Duration) {
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		*total += time.Since(t0)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			timed(sdk, &sdkTotal)
			timed(raw, &rawTotal)
		} else {
			timed(raw, &rawTotal)
			timed(sdk, &sdkTotal)
		}
	}
	if b.N == 0 || rawTotal == 0 {
		return
	}
	n := float64(b.N)
	b.ReportMetric(float64(sdkTotal.Nanoseconds())/n, "sdk-ns/op")
	b.ReportMetric(float64(rawTotal.Nanoseconds())/n, "raw-ns/op")
	b.ReportMetric(float64(sdkTotal)/float64(rawTotal), "sdk/raw")
}
