package sweep

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"golang.org/x/time/rate"
)

var errNilLedger = errors.New("sweep: nil ledger")

// releaseTimeout bounds giving a claim back after notify failed, even when
// Run's ctx has ended.
const releaseTimeout = 5 * time.Second

type rateSpec struct {
	limit rate.Limit
	burst int
}

// Sweeper inspects many connections across providers and sends staged
// expiry notices, each at most once per Ledger. It is immutable after
// [New]; several Runs may share it, also at the same time, and then share
// each provider's rate and pauses.
type Sweeper struct {
	reg         *reauth.Registry
	leads       []time.Duration // ascending
	concurrency int
	rates       map[reauth.Provider]rateSpec
	ledger      Ledger
	now         func() time.Time
	logger      *slog.Logger
	progress    func(Report)
	interval    time.Duration
	retryAfter  time.Duration
	maxRetries  int
	hold        time.Duration
	maxFailures int
	readAhead   int
	gates       map[reauth.Provider]*gate // one per registered provider
	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	errs []error
}

// New returns a Sweeper inspecting through reg's Reauthenticators that
// implement [reauth.Inspector].
func New(reg *reauth.Registry, opts ...Option) (*Sweeper, error) {
	if reg == nil {
		return nil, fmt.Errorf("sweep: nil registry: %w", reauth.ErrInvalidRequest)
	}
	s := &Sweeper{
		reg:         reg,
		leads:       append([]time.Duration(nil), defaultLeads...),
		concurrency: DefaultConcurrency,
		rates:       map[reauth.Provider]rateSpec{},
		now:         time.Now,
		interval:    DefaultProgressInterval,
		retryAfter:  DefaultRetryAfter,
		maxRetries:  DefaultMaxRetries,
		hold:        DefaultHold,
		maxFailures: DefaultMaxFailures,
		readAhead:   DefaultReadAhead,
		sleep:       sleep,
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if err := errors.Join(s.errs...); err != nil {
		return nil, err
	}
	s.errs = nil
	slices.Sort(s.leads)
	s.gates = map[reauth.Provider]*gate{}
	for _, p := range reg.Providers() {
		g := &gate{}
		if spec, ok := s.rates[p]; ok {
			g.limiter = rate.NewLimiter(spec.limit, spec.burst)
		}
		s.gates[p] = g
	}
	if s.ledger == nil {
		s.ledger = NewMemoryLedger(LedgerClock(s.now))
	}
	if s.logger == nil {
		s.logger = slog.New(discard{})
	}
	return s, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run sweeps conns: it inspects each connection (or takes its Known
// health), decides the notice it is due, claims the notice in the Ledger
// and calls notify. At most Concurrency connections are in flight;
// each provider has its own lane, paused alone when the provider answers
// with reauth.ErrRateLimited, and its connection is retried after the
// pause. Bad connections, provider errors and notify errors are counted in
// the Report, never returned. A notice whose notify failed is released
// when the Ledger is a [Releaser], so the next Run retries it.
//
// Run returns when conns is exhausted and every connection is done, or
// when ctx ends: then with the partial Report and ctx.Err(). An iterator
// that blocks should watch ctx itself.
func (s *Sweeper) Run(ctx context.Context, conns iter.Seq2[Connection, error], notify func(context.Context, Notice) error) (Report, error) {
	if s == nil || s.reg == nil {
		return Report{}, fmt.Errorf("sweep: nil sweeper: %w", reauth.ErrInvalidRequest)
	}
	if ctx == nil || conns == nil || notify == nil {
		return Report{}, fmt.Errorf("sweep: nil context, connections or notify: %w", reauth.ErrInvalidRequest)
	}
	start := time.Now()
	r := &run{
		ctx: ctx, s: s, notify: notify, tally: newTally(s.maxFailures),
		sem: make(chan struct{}, s.concurrency), lanes: map[reauth.Provider]*lane{},
	}
	stopProgress := r.startProgress(start)

	r.feed(ctx, conns)
	for _, l := range r.lanes {
		close(l.queue)
	}
	r.wg.Wait()

	rep := r.tally.snapshot(time.Since(start))
	stopProgress(rep)
	return rep, ctx.Err()
}

// run is the state of one Run.
type run struct {
	ctx    context.Context // Run's: workers stop when it ends
	s      *Sweeper
	notify func(context.Context, Notice) error
	tally  *tally
	sem    chan struct{} // one token per connection in flight
	lanes  map[reauth.Provider]*lane
	wg     sync.WaitGroup
}

// feed reads conns and hands each connection to its provider's lane.
func (r *run) feed(ctx context.Context, conns iter.Seq2[Connection, error]) {
	if ctx.Err() != nil {
		return
	}
	for c, err := range conns {
		if err != nil {
			r.fail(c, nil, fmt.Errorf("sweep: connection source: %w", err))
		} else if l, err := r.laneFor(c); err != nil {
			r.fail(c, nil, err)
		} else {
			select {
			case l.queue <- c:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// laneFor checks what can be checked without I/O and returns the lane of
// c's provider, starting it on first use.
func (r *run) laneFor(c Connection) (*lane, error) {
	p := c.Provider
	if c.Known != nil && p == "" {
		p = c.Known.Provider
	}
	if p == "" {
		return nil, reauth.MissingInput("sweep", "Provider")
	}
	if c.Known != nil && c.Known.Provider != "" && c.Known.Provider != p {
		return nil, reauth.InvalidInput("sweep", "Known", "is another provider's health")
	}
	if c.Request.ConnectionID == "" && (c.Known == nil || c.Known.ConnectionID == "") &&
		c.Request.Token == "" && c.Fresh == nil {
		return nil, reauth.MissingInput("sweep", "ConnectionID")
	}
	if l := r.lanes[p]; l != nil {
		return l, nil
	}
	ra, ok := r.s.reg.Get(p)
	if !ok {
		return nil, fmt.Errorf("sweep: %q: %w", p, reauth.ErrUnknownProvider)
	}
	in, _ := ra.(reauth.Inspector) // nil: only connections with Known health can be swept
	l := &lane{run: r, provider: p, inspector: in, gate: r.s.gates[p], queue: make(chan Connection, r.s.readAhead)}
	r.lanes[p] = l
	for range r.s.concurrency {
		r.wg.Go(l.work)
	}
	return l, nil
}

func (r *run) fail(c Connection, h *reauth.Health, err error) {
	p := c.Provider
	if p == "" && c.Known != nil {
		p = c.Known.Provider
	}
	f := Failure{Provider: p, ConnectionID: c.id(h), Err: err}
	if f.ConnectionID == "" && c.Known != nil {
		f.ConnectionID = c.Known.ConnectionID
	}
	r.tally.failed(f)
	r.s.logger.Warn("sweep: connection failed", "provider", string(f.Provider), "connection_id", f.ConnectionID, "error", err.Error())
}

// startProgress runs the progress callback every interval until the
// returned stop, which calls it a last time with the final report.
func (r *run) startProgress(start time.Time) (stop func(Report)) {
	f := r.s.progress
	if f == nil {
		return func(Report) {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(r.s.interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				f(r.tally.snapshot(time.Since(start)))
			case <-done:
				return
			}
		}
	}()
	return func(final Report) {
		close(done)
		<-exited
		f(final)
	}
}

// discard is a slog.Handler that drops everything.
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
