package atto_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// Benchmarks against the simulated Atto on loopback (issue 8). Atto's Begin
// makes one HTTP exchange, the token fetch, and only when the cached token
// is too old for a link; BenchmarkAttoBegin forces it on every operation
// (the client's clock jumps two hours per reading), so it measures the
// exchange. BenchmarkAttoRawHTTP does the same exchange with plain net/http
// and encoding/json, as a careful user would: one reused client, bodies
// drained and closed.

func benchClient(b *testing.B, srv *attotest.Server, opts ...atto.Option) *atto.Client {
	b.Helper()
	hc := &http.Client{Transport: newTransport(b), Timeout: 10 * time.Second}
	all := append([]atto.Option{atto.WithBaseURL(srv.APIURL()), atto.WithConnectURL(srv.ConnectURL()), atto.WithHTTPClient(hc)}, opts...)
	c, err := atto.New(atto.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()}, all...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// stepClock is a clock that moves two hours at each step: a Begin after a
// step finds every cached token too old and fetches one, once.
type stepClock struct {
	n     atomic.Int64
	start time.Time
}

func newStepClock() *stepClock { return &stepClock{start: time.Now()} }

func (c *stepClock) now() time.Time { return c.start.Add(time.Duration(c.n.Load()) * 2 * time.Hour) }

func (c *stepClock) step() { c.n.Add(1) }

func BenchmarkAttoBegin(b *testing.B) {
	srv := newSim(b)
	clock := newStepClock()
	c := benchClient(b, srv, atto.WithClock(clock.now))
	id := srv.NewConsent(attotest.StatusExpired)
	ctx := context.Background()
	req := reauth.Request{ConnectionID: id}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clock.step()
		if _, err := c.Begin(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if srv.TokenFetches() < b.N {
		b.Fatalf("%d token fetches for %d begins", srv.TokenFetches(), b.N)
	}
}

// BenchmarkAttoBeginCachedToken is Begin as it usually runs: the token is
// cached and no request is sent.
func BenchmarkAttoBeginCachedToken(b *testing.B) {
	srv := newSim(b)
	c := benchClient(b, srv)
	id := srv.NewConsent(attotest.StatusExpired)
	ctx := context.Background()
	req := reauth.Request{ConnectionID: id, State: "fixed-state"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Begin(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAttoRawHTTP is BenchmarkAttoBegin's exchange written by hand:
// a token fetch and the consent read, one reused client, bodies closed.
func BenchmarkAttoRawHTTP(b *testing.B) {
	srv := newSim(b)
	hc := &http.Client{Transport: newTransport(b), Timeout: 10 * time.Second}
	id := srv.NewConsent(attotest.StatusActive) // rawConsentRead wants Active
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		// What Begin sends: the token, then the consent read that records
		// what Begin saw (so Continue can see a renewal).
		link, err := rawLink(ctx, hc, srv, id)
		if err != nil {
			b.Fatal(err)
		}
		if err := rawConsentRead(ctx, hc, srv, id, link[strings.Index(link, "access_token=")+len("access_token="):]); err != nil {
			b.Fatal(err)
		}
	}
}

// rawLink is the careful hand-written equivalent of Begin with a token
// fetch: POST the form, check the status, decode, drain, close, build.
func rawLink(ctx context.Context, hc *http.Client, srv *attotest.Server, id string) (string, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {srv.ClientID()},
		"client_secret": {srv.ClientSecret()},
		"scope":         {"api:consent"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.APIURL()+"/v1/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", fmt.Errorf("token: status %d", resp.StatusCode)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return srv.ConnectURL() + "?" + url.Values{"consent_id": {id}}.Encode() + "#access_token=" + tr.AccessToken, nil
}

// BenchmarkAttoContinue is Continue with Connect's success callback: one
// consent read with a cached token.
func BenchmarkAttoContinue(b *testing.B) {
	_, c, _, flow, reply := benchApproved(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		done, err := c.Continue(ctx, flow, reply)
		if err != nil || done.Step != reauth.StepDone {
			b.Fatal(err)
		}
	}
}

// BenchmarkAttoRawHTTPContinue is the hand-written consent read Continue
// makes.
func BenchmarkAttoRawHTTPContinue(b *testing.B) {
	srv := newSim(b)
	hc := &http.Client{Transport: newTransport(b), Timeout: 10 * time.Second}
	id := srv.NewConsent(attotest.StatusActive)
	ctx := context.Background()
	link, err := rawLink(ctx, hc, srv, id)
	if err != nil {
		b.Fatal(err)
	}
	tok := link[strings.Index(link, "access_token=")+len("access_token="):]
	b.ReportAllocs()
	for b.Loop() {
		if err := rawConsentRead(ctx, hc, srv, id, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// rawConsent is the consent as a careful user would declare it.
type rawConsent struct {
	ConsentID                    string    `json:"consentId"`
	ApplicationID                string    `json:"applicationId"`
	UserID                       string    `json:"userId"`
	ProviderID                   int       `json:"providerId"`
	ProviderName                 string    `json:"providerName"`
	ConfigurationName            string    `json:"configurationName"`
	CustomerReference            string    `json:"customerReference"`
	ConsentDurationType          string    `json:"consentDurationType"`
	ConsentStatus                string    `json:"consentStatus"`
	ConsentStart                 time.Time `json:"consentStart"`
	ConsentEnd                   time.Time `json:"consentEnd"`
	Duration                     string    `json:"duration"`
	DaysOfHistoricalTransactions int       `json:"daysOfHistoricalTransactions"`
	StatusUpdated                time.Time `json:"statusUpdated"`
	StatusDetails                string    `json:"statusDetails"`
	Permissions                  []string  `json:"permissions"`
	InvitationID                 string    `json:"invitationId"`
	JourneyType                  string    `json:"journeyType"`
}

// BenchmarkAttoBeginVsRawHTTP alternates one SDK Begin (with a token
// fetch) and one hand-written exchange per iteration, so that noise from
// other processes hits both alike; it reports each side's ns/op and their
// ratio (target ≤ 1.15).
func BenchmarkAttoBeginVsRawHTTP(b *testing.B) {
	srv := newSim(b)
	clock := newStepClock()
	c := benchClient(b, srv, atto.WithClock(clock.now))
	hc := &http.Client{Transport: newTransport(b), Timeout: 10 * time.Second}
	id := srv.NewConsent(attotest.StatusActive) // an expiring one: rawConsentRead wants Active
	ctx := context.Background()
	req := reauth.Request{ConnectionID: id}
	reauthtest.Interleave(b, func() error {
		clock.step()
		_, err := c.Begin(ctx, req)
		return err
	}, func() error {
		// Begin's hand-written equivalent: a token, the consent read that
		// records what Begin saw, the link.
		link, err := rawLink(ctx, hc, srv, id)
		if err != nil {
			return err
		}
		return rawConsentRead(ctx, hc, srv, id, link[strings.Index(link, "access_token=")+len("access_token="):])
	})
}

// BenchmarkAttoContinueVsRawHTTP is the same for Continue's consent read.
func BenchmarkAttoContinueVsRawHTTP(b *testing.B) {
	srv, c, id, flow, reply := benchApproved(b)
	hc := &http.Client{Transport: newTransport(b), Timeout: 10 * time.Second}
	ctx := context.Background()
	link, err := rawLink(ctx, hc, srv, id)
	if err != nil {
		b.Fatal(err)
	}
	tok := link[strings.Index(link, "access_token=")+len("access_token="):]
	reauthtest.Interleave(b, func() error {
		done, err := c.Continue(ctx, flow, reply)
		if err == nil && done.Step != reauth.StepDone {
			err = fmt.Errorf("continue: step %s", done.Step)
		}
		return err
	}, func() error { return rawConsentRead(ctx, hc, srv, id, tok) })
}

// rawConsentRead is the hand-written consent read.
func rawConsentRead(ctx context.Context, hc *http.Client, srv *attotest.Server, id, tok string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.APIURL()+"/consents/v1/"+url.PathEscape(id), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var c rawConsent
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&c)
	_, _ = io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || c.ConsentStatus != "Active" {
		return fmt.Errorf("consent read: %d %s", resp.StatusCode, c.ConsentStatus)
	}
	return nil
}

// benchApproved begins a re-auth of an Expired consent on a simulator and
// approves it, returning the callback reply Continue is measured with.
func benchApproved(b *testing.B) (*attotest.Server, *atto.Client, string, *reauth.Flow, reauth.Reply) {
	b.Helper()
	srv := newSim(b)
	c := benchClient(b, srv)
	id := srv.NewConsent(attotest.StatusExpired)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: id})
	if err != nil {
		b.Fatal(err)
	}
	cb, err := srv.Approve(context.Background(), flow.URL)
	if err != nil {
		b.Fatal(err)
	}
	return srv, c, id, flow, reauth.Reply{Callback: cb}
}
