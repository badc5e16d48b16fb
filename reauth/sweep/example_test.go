package sweep_test

import (
	"context"
	"fmt"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/sweep"
	"github.com/reauthkit/reauthkit/reauth/sweep/sweeptest"
)

func Example() {
	today := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	expiries := map[string]time.Time{
		"consent-a": today.Add(45 * 24 * time.Hour), // nothing yet
		"consent-b": today.Add(20 * 24 * time.Hour), // the 30-day notice
		"consent-c": today.Add(36 * time.Hour),      // the 7-day notice
		"consent-d": today.Add(-time.Hour),          // expired: act now
	}
	bank := &sweeptest.Inspector{Name: "bank", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		return &reauth.Health{Provider: "bank", ConnectionID: req.ConnectionID, State: reauth.Healthy,
			ExpiresAt: expiries[req.ConnectionID]}, nil
	}}
	reg, _ := reauth.NewRegistry(bank)
	s, _ := sweep.New(reg, sweep.WithConcurrency(1), sweep.WithClock(func() time.Time { return today }))

	conns := func(yield func(sweep.Connection, error) bool) {
		for _, id := range []string{"consent-a", "consent-b", "consent-c", "consent-d"} {
			if !yield(sweep.Connection{Provider: "bank", Subject: "user-" + id[8:], Request: reauth.Request{ConnectionID: id}}, nil) {
				return
			}
		}
	}
	notify := func(_ context.Context, n sweep.Notice) error {
		if n.Lead == 0 {
			fmt.Printf("%s: your bank connection has expired; reconnect now\n", n.Connection.Subject)
			return nil
		}
		fmt.Printf("%s: your bank connection expires on %s (%v notice)\n",
			n.Connection.Subject, n.Expiry().Format("2 Jan"), n.Lead)
		return nil
	}
	report, _ := s.Run(context.Background(), conns, notify)
	fmt.Println("inspected", report.Inspected, "notified", report.Notified)

	report, _ = s.Run(context.Background(), conns, notify) // a rerun sends nothing new
	fmt.Println("rerun: notified", report.Notified, "already sent", report.AlreadySent)
	// Output:
	// user-b: your bank connection expires on 21 Dec (720h0m0s notice)
	// user-c: your bank connection expires on 2 Dec (168h0m0s notice)
	// user-d: your bank connection has expired; reconnect now
	// inspected 4 notified 3
	// rerun: notified 0 already sent 3
}

func ExampleFromHealth() {
	// A provider's bulk listing (e.g. a client's InspectAll) already read
	// every status: the sweep makes no request per connection.
	listing := func(yield func(reauth.Health, error) bool) {
		yield(reauth.Health{Provider: "bank", ConnectionID: "consent-9", State: reauth.Revoked}, nil)
	}
	reg, _ := reauth.NewRegistry(&sweeptest.Inspector{Name: "bank"})
	s, _ := sweep.New(reg)
	report, _ := s.Run(context.Background(), sweep.FromHealth(listing), func(_ context.Context, n sweep.Notice) error {
		fmt.Println(n.Connection.Request.ConnectionID, n.Health.State, "lead", n.Lead)
		return nil
	})
	fmt.Println("inspected", report.Inspected)
	// Output:
	// consent-9 revoked lead 0s
	// inspected 1
}

func ExampleConcat() {
	// The application's table holds the connections of a provider read
	// one at a time; another provider's listing brings its own.
	bank := &sweeptest.Inspector{Name: "bank", Health: func(_ context.Context, req reauth.Request) (*reauth.Health, error) {
		return &reauth.Health{Provider: "bank", ConnectionID: req.ConnectionID, State: reauth.NeedsReauth}, nil
	}}
	reg, _ := reauth.NewRegistry(bank, &sweeptest.Inspector{Name: "lister"})
	table := func(yield func(sweep.Connection, error) bool) {
		yield(sweep.Connection{Provider: "bank", Request: reauth.Request{ConnectionID: "row-1"}}, nil)
	}
	listing := func(yield func(reauth.Health, error) bool) {
		yield(reauth.Health{Provider: "lister", ConnectionID: "listed-1", State: reauth.Revoked}, nil)
	}
	s, _ := sweep.New(reg, sweep.WithConcurrency(1))
	report, _ := s.Run(context.Background(), sweep.Concat(table, sweep.FromHealth(listing)), func(context.Context, sweep.Notice) error {
		return nil
	})
	fmt.Println("inspected", report.Inspected, "notified", report.Notified, "inspect calls", bank.Calls())
	// Output:
	// inspected 2 notified 2 inspect calls 1
}
