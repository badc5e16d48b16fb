package sweep_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/reauth/sweep"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// noLead marks a connection that is due no notice.
const noLead = time.Duration(-1)

// sims is the five simulated providers with demo connections: conns to
// sweep, and the lead each one is due.
type sims struct {
	reg    *reauth.Registry
	conns  []sweep.Connection
	want   map[string]time.Duration // by connection id
	yapily *yapilytest.Server
	// perProvider counts the connections of each provider.
	perProvider map[reauth.Provider]int
	servers     []interface{ Close() }
}

func (s *sims) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}

func (s *sims) add(p reauth.Provider, c sweep.Connection, want time.Duration) {
	c.Provider = p
	s.conns = append(s.conns, c)
	s.want[c.Request.ConnectionID] = want
	s.perProvider[p]++
}

// newSims starts the five simulators with groups×4 connections on each
// (the four stages: none, 30 days, 7 days, act now; Finch has no dates,
// so its connections are healthy or act now; the Mono accounts need
// re-auth).
func newSims(t testing.TB, groups int) *sims {
	t.Helper()
	now := time.Now()
	s := &sims{want: map[string]time.Duration{}, perProvider: map[reauth.Provider]int{}}
	noRetry := func() (int, time.Duration, time.Duration) { return 0, time.Millisecond, time.Millisecond }

	at := attotest.NewServer()
	ty := yapilytest.NewServer()
	tt := truelayertest.NewServer()
	tf := finchtest.NewServer()
	tm := monotest.NewServer()
	s.servers = append(s.servers, at, ty, tt, tf, tm)
	s.yapily = ty

	ac, err1 := atto.New(atto.Credentials{ClientID: at.ClientID(), ClientSecret: at.ClientSecret()},
		atto.WithBaseURL(at.APIURL()), atto.WithConnectURL(at.ConnectURL()))
	yc, err2 := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(ty.URL), yapily.WithRetries(noRetry()))
	tc, err3 := truelayer.New(truelayer.Credentials{ClientID: tt.ClientID(), ClientSecret: tt.ClientSecret()},
		truelayer.WithAuthURL(tt.AuthURL()), truelayer.WithAPIURL(tt.APIURL()))
	fc, err4 := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret}, finch.WithBaseURL(tf.URL))
	mc, err5 := mono.New(mono.Credentials{SecretKey: tm.SecretKey()}, mono.WithBaseURL(tm.URL))
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		s.Close()
		t.Fatal(err)
	}
	reg, err := reauth.NewRegistry(ac, yc, tc, fc, mc)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	s.reg = reg

	for g := range groups {
		ends := []struct {
			end  time.Time
			want time.Duration
		}{{now.Add(60 * day), noLead}, {now.Add(20 * day), 30 * day}, {now.Add(5 * day), 7 * day}}
		for _, e := range ends {
			id := at.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: e.end})
			s.add(reauth.Atto, sweep.Connection{Request: reauth.Request{ConnectionID: id}}, e.want)
			yc := ty.AddConsent(yapilytest.ConsentSpec{ExpiresAt: e.end, ReconfirmBy: e.end.Add(day)})
			s.add(reauth.Yapily, sweep.Connection{Request: reauth.Request{ConnectionID: yc.ID}}, e.want)
			tl := tt.Connect("https://app.example/callback")
			tt.SetConsentExpiry(tl.CredentialsID, e.end)
			token := tl.AccessToken
			s.add(reauth.TrueLayer, sweep.Connection{Request: reauth.Request{ConnectionID: tl.CredentialsID},
				Fresh: func(context.Context) (reauth.Credentials, error) { return reauth.Credentials{AccessToken: token}, nil }}, e.want)
		}
		id := at.NewConsent(attotest.StatusExpired)
		s.add(reauth.Atto, sweep.Connection{Request: reauth.Request{ConnectionID: id}}, 0)
		yc := ty.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
		s.add(reauth.Yapily, sweep.Connection{Request: reauth.Request{ConnectionID: yc.ID}}, 0)
		tl := tt.Connect("https://app.example/callback")
		tt.ExpireConsent(tl.CredentialsID, time.Hour)
		s.add(reauth.TrueLayer, sweep.Connection{Request: reauth.Request{ConnectionID: tl.CredentialsID, Token: tl.AccessToken}}, 0)

		// Finch connections have no dates: connected, reauth, disconnected.
		for _, st := range []string{finchtest.StatusConnected, finchtest.StatusReauth, finchtest.StatusDisconnected, finchtest.StatusConnected} {
			fcn := tf.AddConnection("gusto")
			tf.SetStatus(fcn.ID, st)
			want := time.Duration(0)
			if st == finchtest.StatusConnected {
				want = noLead
			}
			s.add(reauth.Finch, sweep.Connection{Request: reauth.Request{ConnectionID: fcn.ID, Token: fcn.AccessToken}}, want)
		}
		for i := range 4 {
			acct := fmt.Sprintf("mono-acct-%d-%d", g, i)
			tm.RequireReauth(acct)
			s.add(reauth.Mono, sweep.Connection{Request: reauth.Request{ConnectionID: acct}}, 0)
		}
	}
	return s
}

func TestSweepAgainstSimulators(t *testing.T) {
	env := newSims(t, 3)
	defer env.Close()
	// One 429 from Yapily for one consent: its lane pauses, the consent is
	// retried, nothing is lost.
	victim := env.conns[1]
	env.yapily.Inject("GET /consents/"+victim.Request.ConnectionID, 1,
		sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: "2"})

	s, err := sweep.New(env.reg, sweep.WithConcurrency(6))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var pauses []time.Duration
	sweep.SetSleep(s, func(_ context.Context, d time.Duration) error { // record, do not really wait
		mu.Lock()
		pauses = append(pauses, d)
		mu.Unlock()
		return nil
	})
	var got collector
	rep, err := s.Run(context.Background(), conns(env.conns...), got.notify)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 {
		t.Fatalf("%d failed: %v", rep.Failed, rep.Failures)
	}
	if rep.Inspected != len(env.conns) || rep.Paused[reauth.Yapily] != 1 || len(pauses) == 0 || pauses[0] > 2*time.Second {
		t.Fatalf("report %+v, pauses %v; want %d inspected and one yapily pause of at most 2s", rep, pauses, len(env.conns))
	}
	sent := got.byID()
	for id, want := range env.want {
		n, ok := sent[id]
		switch {
		case want == noLead && ok:
			t.Errorf("%s %s: lead %v, want no notice", n.Connection.Provider, id, n.Lead)
		case want != noLead && !ok:
			t.Errorf("%s: no notice, want lead %v", id, want)
		case ok && n.Lead != want:
			t.Errorf("%s %s: lead %v (%s), want %v", n.Connection.Provider, id, n.Lead, n.Health.State, want)
		}
	}
	notified := map[reauth.Provider]int{}
	for _, n := range sent {
		notified[n.Connection.Provider]++
	}
	for p, n := range env.perProvider {
		if notified[p] == 0 {
			t.Errorf("%s: none of %d connections notified", p, n)
		}
	}
	t.Logf("swept %v: %+v", env.perProvider, rep)

	// A rerun against the same providers sends nothing new.
	rep2, err := s.Run(context.Background(), conns(env.conns...), got.notify)
	if err != nil || rep2.Notified != 0 || rep2.AlreadySent != rep.Notified {
		t.Fatalf("rerun: %+v, %v; want nothing new", rep2, err)
	}
}

// TestBulkListingsOnePagePerRequest sweeps Atto's and Yapily's consents
// from their bulk listings (InspectAll through FromHealth): the
// simulators see one request per page, none per consent, and every
// consent gets the notice it is due.
func TestBulkListingsOnePagePerRequest(t *testing.T) {
	const n, page = 250, 100 // three pages each
	now := time.Now()
	at, ty := attotest.NewServer(), yapilytest.NewServer()
	defer at.Close()
	defer ty.Close()
	ac, err1 := atto.New(atto.Credentials{ClientID: at.ClientID(), ClientSecret: at.ClientSecret()},
		atto.WithBaseURL(at.APIURL()), atto.WithConnectURL(at.ConnectURL()))
	yc, err2 := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(ty.URL))
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{}
	for i := range n {
		switch i % 3 {
		case 0:
			want[at.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: now.Add(60 * day)})] = noLead
			want[ty.AddConsent(yapilytest.ConsentSpec{ExpiresAt: now.Add(60 * day), ReconfirmBy: now.Add(61 * day)}).ID] = noLead
		case 1:
			want[at.AddConsent(attotest.Consent{Status: attotest.StatusActive, End: now.Add(5 * day)})] = 7 * day
			want[ty.AddConsent(yapilytest.ConsentSpec{ExpiresAt: now.Add(5 * day), ReconfirmBy: now.Add(6 * day)}).ID] = 7 * day
		default:
			want[at.NewConsent(attotest.StatusExpired)] = 0
			want[ty.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired}).ID] = 0
		}
	}
	at.ResetLog()
	ty.ResetLog()

	s := newSweeper(t, registry(t, ac, yc))
	ctx := context.Background()
	var got collector
	rep, err := s.Run(ctx, sweep.Concat(
		sweep.FromHealth(ac.InspectAll(ctx, atto.WithPageSize(page))),
		sweep.FromHealth(yc.InspectAll(ctx, yapily.ConsentFilter{Limit: page})),
	), got.notify)
	if err != nil || rep.Failed != 0 || rep.Inspected != 2*n {
		t.Fatalf("report %+v, %v; want %d inspected, none failed", rep, err, 2*n)
	}
	pages := (n + page - 1) / page
	if c, all := at.Count("GET /consents/v1"), at.Count(""); c != pages || all != pages+1 {
		t.Errorf("atto: %d list requests and %d in all; want %d pages and one token request", c, all, pages)
	}
	if c, all := ty.Count(yapilytest.RouteConsents), ty.Count(""); c != pages || all != pages {
		t.Errorf("yapily: %d list requests and %d in all; want %d pages, nothing else", c, all, pages)
	}
	sent := got.byID()
	for id, lead := range want {
		nt, ok := sent[id]
		switch {
		case lead == noLead && ok:
			t.Errorf("%s: lead %v, want no notice", id, nt.Lead)
		case lead != noLead && (!ok || nt.Lead != lead):
			t.Errorf("%s: notice %v (sent %v), want lead %v", id, nt.Lead, ok, lead)
		}
	}
}
