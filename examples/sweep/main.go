// Command sweep runs an expiry sweep over demo connections on all five
// simulated providers (Atto, TrueLayer, Yapily, Finch, Mono): no network,
// about a second. It shows the sweep's progress on the terminal, then what
// it would tell each user, then a rerun that sends nothing new.
//
// Atto and Yapily list their consents in bulk, so their connections come
// from InspectAll through sweep.FromHealth: one request per page instead
// of one per connection. TrueLayer, Finch and Mono are inspected one
// connection at a time from the application's table, each provider rate
// limited to a few requests a second so that the progress is visible (a
// real deployment sets the providers' published limits).
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/sweep"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

const day = 24 * time.Hour

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sweep example:", err)
		os.Exit(1)
	}
}

// demo is the simulated providers and the application's connections
// table.
type demo struct {
	reg *reauth.Registry
	// conns is the table's rows of the providers inspected one by one.
	conns []sweep.Connection
	// owner maps the listed providers' consent ids to the app's users.
	owner  map[string]string
	atto   *atto.Client
	yapily *yapily.Client
	// listRequests counts the requests Atto and Yapily have served.
	listRequests func() int
	closes       []func()
}

func (d *demo) Close() {
	for _, c := range d.closes {
		c()
	}
}

func (d *demo) add(user string, p reauth.Provider, req reauth.Request) {
	d.conns = append(d.conns, sweep.Connection{Provider: p, Subject: user, Request: req})
}

// newDemo starts the simulators and adds each user's connections: some
// healthy, some expiring within 30 days, 7 days or 1 day, some broken.
func newDemo() (*demo, error) {
	now := time.Now()
	at, ty, tt, tf, tm := attotest.NewServer(), yapilytest.NewServer(), truelayertest.NewServer(), finchtest.NewServer(), monotest.NewServer()
	d := &demo{closes: []func(){at.Close, ty.Close, tt.Close, tf.Close, tm.Close}, owner: map[string]string{}}
	d.listRequests = func() int { return at.Count("GET /consents/v1") + ty.Count(yapilytest.RouteConsents) }

	ac, err1 := atto.New(atto.Credentials{ClientID: at.ClientID(), ClientSecret: at.ClientSecret()},
		atto.WithBaseURL(at.APIURL()), atto.WithConnectURL(at.ConnectURL()))
	yc, err2 := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(ty.URL))
	tc, err3 := truelayer.New(truelayer.Credentials{ClientID: tt.ClientID(), ClientSecret: tt.ClientSecret()},
		truelayer.WithAuthURL(tt.AuthURL()), truelayer.WithAPIURL(tt.APIURL()))
	fc, err4 := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret}, finch.WithBaseURL(tf.URL))
	mc, err5 := mono.New(mono.Credentials{SecretKey: tm.SecretKey()}, mono.WithBaseURL(tm.URL))
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		d.Close()
		return nil, err
	}
	reg, err := reauth.NewRegistry(ac, yc, tc, fc, mc)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.reg, d.atto, d.yapily = reg, ac, yc

	// Atto: consents ending in 60, 20 and 5 days, and an expired one.
	for _, c := range []struct {
		user string
		end  time.Duration
	}{{"amara", 60 * day}, {"ben", 20 * day}, {"chloe", 5 * day}} {
		d.owner[at.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: now.Add(c.end)})] = c.user
	}
	d.owner[at.NewConsent(attotest.StatusExpired)] = "dev"

	// Yapily: the UK 90-day reconfirmation comes before the expiry.
	for _, c := range []struct {
		user              string
		reconfirm, expiry time.Duration
	}{{"amara", 80 * day, 200 * day}, {"erin", 12 * time.Hour, 40 * day}} {
		consent := ty.AddConsent(yapilytest.ConsentSpec{ExpiresAt: now.Add(c.expiry), ReconfirmBy: now.Add(c.reconfirm)})
		d.owner[consent.ID] = c.user
	}
	d.owner[ty.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusRevoked}).ID] = "farah"

	// TrueLayer: Inspect needs a current access token, which Fresh hands
	// over just before the call (a TokenSource does this in production).
	for _, c := range []struct {
		user string
		end  time.Duration
	}{{"ben", 70 * day}, {"gus", 6 * day}, {"hana", -day}} {
		conn := tt.Connect("https://app.example/truelayer/callback")
		tt.SetConsentExpiry(conn.CredentialsID, now.Add(c.end))
		token := conn.AccessToken
		d.conns = append(d.conns, sweep.Connection{Provider: reauth.TrueLayer, Subject: c.user,
			Request: reauth.Request{ConnectionID: conn.CredentialsID},
			Fresh: func(context.Context) (reauth.Credentials, error) {
				return reauth.Credentials{AccessToken: token}, nil
			}})
	}

	// Finch: no dates; a connection works or needs the user.
	for _, c := range []struct{ user, status string }{{"ivan", finchtest.StatusConnected}, {"jo", finchtest.StatusReauth}} {
		conn := tf.AddConnection("gusto")
		tf.SetStatus(conn.ID, c.status)
		d.add(c.user, reauth.Finch, reauth.Request{ConnectionID: conn.ID, Token: conn.AccessToken})
	}

	// Mono: an account that needs re-auth.
	tm.RequireReauth("mono-demo-account")
	d.add("kofi", reauth.Mono, reauth.Request{ConnectionID: "mono-demo-account"})
	return d, nil
}

// message is what the application would tell the user.
func message(n sweep.Notice) string {
	p := n.Connection.Provider
	switch {
	case n.Health.State == reauth.Revoked:
		return fmt.Sprintf("your %s connection was ended; connect your account again", p)
	case n.Lead == 0:
		return fmt.Sprintf("your %s connection stopped working; reconnect it now", p)
	}
	return fmt.Sprintf("your %s connection needs renewing by %s (%d-day reminder)",
		p, n.Expiry().Format("2 Jan 2006"), int(n.Lead/day))
}

// progressBar redraws one terminal line whenever the sweep moved on.
func progressBar(w io.Writer, total int) func(sweep.Report) {
	last := -1
	return func(r sweep.Report) {
		done := r.Inspected + r.Failed
		if done == last {
			return
		}
		last = done
		width := 30
		filled := width * done / max(total, 1)
		fmt.Fprintf(w, "\r[%s%s] %d/%d swept, %d notices, %d failed",
			strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, r.Notified, r.Failed)
	}
}

func run(ctx context.Context, w io.Writer) error {
	d, err := newDemo()
	if err != nil {
		return err
	}
	defer d.Close()
	total := len(d.conns) + len(d.owner)
	fmt.Fprintf(w, "sweeping %d connections on %d simulated providers\n", total, len(d.reg.Providers()))

	ledger := sweep.NewMemoryLedger() // use a database Ledger shared by every instance
	opts := []sweep.Option{
		sweep.WithLedger(ledger),
		sweep.WithConcurrency(4),
		sweep.WithProgress(progressBar(w, total)),
		sweep.WithProgressInterval(50 * time.Millisecond),
	}
	for _, p := range d.reg.Providers() {
		opts = append(opts, sweep.WithRate(p, 5, 1)) // slow on purpose, to watch the progress
	}
	s, err := sweep.New(d.reg, opts...)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var notices []sweep.Notice
	notify := func(_ context.Context, n sweep.Notice) error {
		mu.Lock()
		notices = append(notices, n)
		mu.Unlock()
		return nil
	}
	rep, err := s.Run(ctx, d.source(ctx), notify)
	fmt.Fprintln(w)
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d connections failed: %v", rep.Failed, rep.Failures)
	}

	slices.SortFunc(notices, func(a, b sweep.Notice) int {
		return cmp.Or(cmp.Compare(a.Connection.Subject, b.Connection.Subject), cmp.Compare(a.Connection.Provider, b.Connection.Provider))
	})
	fmt.Fprintln(w, "what each user would be told:")
	for _, n := range notices {
		fmt.Fprintf(w, "  %-6s %s\n", n.Connection.Subject+":", message(n))
	}
	fmt.Fprintf(w, "inspected %d in %v: %v\n", rep.Inspected, rep.Elapsed.Round(time.Millisecond), states(rep.ByState))
	fmt.Fprintf(w, "atto and yapily: %d consents read in %d list requests\n", len(d.owner), d.listRequests())

	// The next run (tomorrow's cron, or another instance sharing the
	// Ledger) sends nothing already sent.
	again, err := sweep.New(d.reg, sweep.WithLedger(ledger))
	if err != nil {
		return err
	}
	rep, err = again.Run(ctx, d.source(ctx), notify)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "rerun: %d new notices, %d already sent\n", rep.Notified, rep.AlreadySent)
	return nil
}

// source is everything to sweep: the table's rows, then Atto's and
// Yapily's listings, each consent's user looked up by its id.
func (d *demo) source(ctx context.Context) func(yield func(sweep.Connection, error) bool) {
	user := sweep.WithSubject(func(h reauth.Health) string { return d.owner[h.ConnectionID] })
	return sweep.Concat(
		table(d.conns),
		sweep.FromHealth(d.atto.InspectAll(ctx), user),
		sweep.FromHealth(d.yapily.InspectAll(ctx), user),
	)
}

// table stands for the application's connections table, read row by row.
func table(conns []sweep.Connection) func(yield func(sweep.Connection, error) bool) {
	return func(yield func(sweep.Connection, error) bool) {
		for _, c := range conns {
			if !yield(c, nil) {
				return
			}
		}
	}
}

func states(by map[reauth.HealthState]int) string {
	var parts []string
	for st, n := range by {
		parts = append(parts, fmt.Sprintf("%d %s", n, st))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
