// Package sweep inspects many connections across providers ahead of time and
// sends staged expiry notices, each at most once.
//
// A [Sweeper] reads connections from an iterator (the application's own
// table, or a provider's bulk listing through [FromHealth]), inspects each
// through the provider's [reauth.Inspector] and decides the notice it is
// due: the smallest lead (default 30 days, 7 days, 1 day) that the earlier
// of Health.ExpiresAt and Health.ReconfirmBy has crossed, or Lead 0 (act
// now) for a connection that needs re-authentication, is revoked or whose
// date has passed. Healthy connections far from their date, Pending and
// Unknown ones get no notice. Where a provider lists its connections in
// bulk (atto and yapily: (*Client).InspectAll), FromHealth sweeps them at
// one request per page; [Concat] joins such listings to the table's rows:
//
//	conns := sweep.Concat(table, sweep.FromHealth(yapilyClient.InspectAll(ctx)))
//
//	s, err := sweep.New(reg, sweep.WithRate(reauth.Yapily, 10, 5), sweep.WithLedger(ledger))
//	report, err := s.Run(ctx, conns, func(ctx context.Context, n sweep.Notice) error {
//		return mailer.Send(ctx, n.Connection.Subject, n.Lead, n.Expiry())
//	})
//
// # At most once
//
// A notice is keyed by (provider, connection id, lead, expiry) — never a
// token — and claimed in the [Ledger] before notify runs, so a rerun, or
// another instance sharing the Ledger, does not send it again; a new
// expiry (the user re-authenticated) is a new notice. When notify fails
// and the Ledger is a [Releaser], the claim is given back and the next Run
// retries it. Without WithLedger each Sweeper has its own [MemoryLedger].
//
// # Rate limits
//
// Each provider has its own lane. [WithRate] spaces its Inspect calls; a
// provider's reauth.ErrRateLimited pauses its lane for the answer's
// RetryAfter (else [WithRetryAfter]) while the other lanes go on, and the
// connection is retried after the pause ([WithMaxRetries] bounds how
// often). Errors never abort a Run: they are counted in the [Report] with
// the first failures listed per connection.
//
// # Memory
//
// A Run holds at most Concurrency connections in flight and ReadAhead
// queued per provider, whatever the number of connections; nothing is
// collected per connection. The MemoryLedger is the exception by nature:
// it holds one key per live claim. Databases hold them in production.
//
// # Decisions
//
//   - A claim lasts until the expiry the notice is about. A notice about a
//     date already passed, or about no date (a revoked or broken
//     connection), would then be free again at once; it is held for
//     [WithHold] (default 7 days) instead, so a connection that stays broken
//     is reminded once per hold, and one repaired and broken again is told
//     again within a hold.
//   - ExpiringSoon with neither date (the provider knows a deadline it did
//     not send) is given the first, longest lead.
//   - The Sweeper reads the source ahead by at most [WithReadAhead]
//     connections per provider (default 256): past that many connections
//     of a paused provider, reading waits for the pause to end while the
//     other lanes finish what they hold. Holding more would make memory
//     grow with the number of connections; a source that interleaves
//     providers keeps every lane busy.
//   - A connection is keyed by Request.ConnectionID, else by the id the
//     provider reported (TrueLayer and Finch answer with theirs); one with
//     neither is a failure, for it cannot be notified at most once.
package sweep
