package sqlstore_test

import (
	"testing"

	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore/sqlstoretest"
	"github.com/reauthkit/reauthkit/reauth/sweep"
	"github.com/reauthkit/reauthkit/reauth/sweep/sweeptest"
)

// The sweep's ledger suite on the Store's Ledger, each subtest on tables
// of its own: claims, Release, a failed notice retried by the next Run,
// bad connections, and four Sweepers sharing the ledger over the same
// 10,000 connections sending each notice once. SQLite under the race
// detector sweeps 2,000 of them (10,000 take about a minute there);
// BenchmarkSharedSweepLedger runs 10,000 on both databases.
func TestSQLiteSweepLedger(t *testing.T) {
	t.Parallel()
	var opts []sweeptest.SuiteOption
	if raceBuild && !testing.Short() {
		opts = append(opts, sweeptest.SharedConnections(2_000))
	}
	sweeptest.RunLedgerTests(t, func(t *testing.T) sweep.Ledger { return sqlstoretest.SQLite(t).Store.Ledger() }, opts...)
}

func TestPostgresSweepLedger(t *testing.T) {
	t.Parallel()
	sqlstoretest.Postgres(t) // skips (or fails, when required) without a server
	sweeptest.RunLedgerTests(t, func(t *testing.T) sweep.Ledger { return sqlstoretest.Postgres(t).Store.Ledger() })
}

// BenchmarkSharedSweepLedger: four Sweepers sharing one Ledger over the
// same 10,000 connections and a fifth rerun (50,000 claims), each notice
// sent once (checked every run).
func BenchmarkSharedSweepLedger(b *testing.B) {
	for name, open := range stores {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sweeptest.CheckSharedSweepers(b, open(b).Ledger(), 10_000)
			}
			b.ReportMetric(float64(5*10_000*b.N)/b.Elapsed().Seconds(), "claims/s")
		})
	}
}
