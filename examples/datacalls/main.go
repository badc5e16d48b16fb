// Command datacalls shows the application's own TrueLayer data calls
// (GET /data/v1/accounts) telling it when a connection needs
// re-authentication, and rotating token pairs refreshed once across
// instances. It prints each step:
//
//  1. Two instances of the application (A and B, each with its own Client
//     and truelayer.TokenSource over one token store) make a data call
//     through an *http.Client whose transport is the TokenSource's
//     Transport over reauth.Transport (truelayer.CheckResponse). It works.
//  2. The user's consent lapses at TrueLayer. A's next data call answers
//     403; Notify learns the connection (reauth.ConnectionFrom) and an
//     error that wraps reauth.ErrReauthRequired, for which
//     reauth.NextAction says begin_again. A begins a re-authentication, the
//     simulated user approves at the bank, Continue exchanges the code, the
//     new pair goes into the token store, and A invalidates its
//     TokenSource: A's next data call takes the new pair from the store.
//     B still holds the replaced access token: its next call answers 401
//     invalid_token (Notify: truelayer.ErrAccessTokenExpired, retry), B's
//     Transport drops that token, and B's retry takes the new pair from the
//     store. Nobody restarts anything, and nothing is refreshed.
//  3. The access token expires. A and B (sharing the store and a
//     truelayer.LocalLocker, keyed by the credentials id) call at once: one
//     refresh reaches TrueLayer, both calls work, and the store holds the
//     rotated refresh token.
//
// It runs only against the simulated TrueLayer (truelayertest), on
// loopback: it needs a consent it can break at the provider and a clock it
// can move, which the real TrueLayer offers neither of. For a
// re-authentication against the TrueLayer sandbox, see examples/truelayer.
//
//	go run ./examples/datacalls
//
// It never prints a token, a code or a client secret.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

const redirectURI = "https://app.example/truelayer/callback"

func main() {
	if os.Getenv("TRUELAYER_CLIENT_ID") != "" {
		fmt.Println("note: TRUELAYER_CLIENT_ID is ignored: this example runs only against the simulator (see examples/truelayer for the sandbox)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "datacalls example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	clk := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv := truelayertest.NewServer(truelayertest.WithClock(clk.Now))
	defer srv.Close()
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()

	a := &app{
		newClient: func() (*truelayer.Client, error) {
			return truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
				truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()), truelayer.WithClock(clk.Now))
		},
		base: base, apiURL: srv.APIURL(),
		store: newTokenStore(), locker: &truelayer.LocalLocker{}, notices: &notices{},
	}

	// The user connected their bank earlier; the application stored the pair.
	conn := srv.Connect(redirectURI)
	id := conn.CredentialsID
	a.store.put(id, reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken,
		ExpiresAt: clk.Now().Add(truelayertest.AccessTokenTTL)})
	fmt.Fprintf(out, "simulated TrueLayer: connection %s stored (access token valid for %s)\n", id, truelayertest.AccessTokenTTL)

	fmt.Fprintln(out, "\n1. The application's own data call, on two instances")
	var insts []*instance
	for _, name := range []string{"A", "B"} {
		in, err := a.instance(name, id)
		if err != nil {
			return err
		}
		if err := call(ctx, out, in, http.StatusOK); err != nil {
			return err
		}
		insts = append(insts, in)
	}
	inst, other := insts[0], insts[1]

	fmt.Fprintln(out, "\n2. The consent lapses at TrueLayer")
	srv.ExpireConsent(id, 0)
	tokenCallsBefore := srv.Count(truelayertest.RouteToken)
	if err := call(ctx, out, inst, http.StatusForbidden); err != nil {
		return err
	}
	n, err := oneNotice(out, a.notices)
	if err != nil {
		return err
	}
	if err := reauthorize(ctx, out, a, srv, n.id); err != nil {
		return err
	}
	// A stored the new pair: it tells its token source, whose next Token
	// takes the pair from the store instead of the replaced access token.
	inst.ts.Invalidate()
	fmt.Fprintln(out, "   instance A: token source invalidated; the next call reloads the store")
	if err := call(ctx, out, inst, http.StatusOK); err != nil {
		return err
	}
	// B learns of the new pair from TrueLayer's refusal of its old access
	// token: its Transport drops the token, and the retry reloads the store.
	if err := call(ctx, out, other, http.StatusUnauthorized); err != nil {
		return err
	}
	if err := retryNotice(out, a.notices); err != nil {
		return err
	}
	if err := call(ctx, out, other, http.StatusOK); err != nil {
		return err
	}
	tokenCalls := srv.Count(truelayertest.RouteToken) - tokenCallsBefore
	fmt.Fprintf(out, "   simulator request log: %d request(s) to POST /connect/token (the code exchange): no refresh\n", tokenCalls)
	if tokenCalls != 1 {
		return fmt.Errorf("POST /connect/token was called %d times, want once (the code exchange)", tokenCalls)
	}

	fmt.Fprintln(out, "\n3. The access token expires; both instances call at once")
	return rotate(ctx, out, a, srv, clk, inst, other)
}

// call makes instance in's data call and prints its answer; an answer
// other than want ends the program.
func call(ctx context.Context, out io.Writer, in *instance, want int) error {
	status, desc, err := in.accounts(ctx)
	if err != nil {
		return fmt.Errorf("instance %s: %w", in.name, err)
	}
	fmt.Fprintf(out, "   instance %s: GET /data/v1/accounts: %s\n", in.name, desc)
	if status != want {
		return fmt.Errorf("instance %s: GET /data/v1/accounts answered %d, want %d", in.name, status, want)
	}
	return nil
}

// oneNotice prints what Notify was told about the failed call and checks
// that re-authenticating is the way out.
func oneNotice(out io.Writer, ns *notices) (notice, error) {
	list := ns.take()
	if len(list) != 1 {
		return notice{}, fmt.Errorf("notify was called %d times, want once", len(list))
	}
	n := list[0]
	if n.id == "" {
		return notice{}, errors.New("notify cannot tell which connection broke: make data calls with reauth.WithConnection")
	}
	fmt.Fprintf(out, "   notify: %s connection %s: %v\n", n.provider, n.id, n.err)
	fmt.Fprintf(out, "   notify: errors.Is(err, reauth.ErrReauthRequired) = %t, reauth.NextAction(err) = %s\n",
		errors.Is(n.err, reauth.ErrReauthRequired), reauth.NextAction(n.err))
	if reauth.NextAction(n.err) != reauth.ActionBeginAgain {
		return notice{}, errors.New("the connection cannot be repaired by re-authenticating")
	}
	return n, nil
}

// retryNotice prints what Notify was told about a refused access token:
// not a re-authentication, a retry with a fresh token.
func retryNotice(out io.Writer, ns *notices) error {
	list := ns.take()
	if len(list) != 1 {
		return fmt.Errorf("notify was called %d times, want once", len(list))
	}
	n := list[0]
	fmt.Fprintf(out, "   notify: errors.Is(err, truelayer.ErrAccessTokenExpired) = %t, reauth.NextAction(err) = %s\n",
		errors.Is(n.err, truelayer.ErrAccessTokenExpired), reauth.NextAction(n.err))
	if !errors.Is(n.err, truelayer.ErrAccessTokenExpired) {
		return fmt.Errorf("notify: %v, want an expired access token", n.err)
	}
	return nil
}

// reauthorize re-authenticates connection id: Begin with the stored
// refresh token and the original redirect URI, the user approves at the
// bank, Continue exchanges the code, and the new pair replaces the stored
// one.
func reauthorize(ctx context.Context, out io.Writer, a *app, srv *truelayertest.Server, id string) error {
	c, err := a.newClient()
	if err != nil {
		return err
	}
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: id, Token: a.store.get(id).RefreshToken, RedirectURI: redirectURI})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   begin: send the user to %s\n", reauth.RedactURL(flow.URL))
	// A real application redirects the user's browser and reads the query
	// of the redirect URI; the simulated user clicks Approve.
	callback, err := srv.Approve(ctx, flow.URL)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "   user: approved at the bank")
	if flow, err = c.Continue(ctx, flow, reauth.Reply{Callback: callback}); err != nil {
		return err
	}
	a.store.put(id, flow.Result.Credentials)
	fmt.Fprintf(out, "   continue: %s; the new pair is in the token store\n", flow.Step)
	return nil
}

// rotate lets the access token expire and has instances inst and other
// call at the same moment: both need a refresh, the Locker lets one do it,
// and the other finds the new pair in the store.
func rotate(ctx context.Context, out io.Writer, a *app, srv *truelayertest.Server, clk *clock, inst, other *instance) error {
	id := inst.id
	clk.Advance(truelayertest.AccessTokenTTL + time.Minute)
	fmt.Fprintf(out, "   clock: +%s, the stored access token has expired\n", truelayertest.AccessTokenTTL+time.Minute)
	oldRefresh := a.store.get(id).RefreshToken
	refreshesBefore := srv.Count(truelayertest.RouteToken)

	instances := []*instance{inst, other}
	results := make([]struct {
		status int
		desc   string
		err    error
	}, len(instances))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, in := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := &results[i]
			r.status, r.desc, r.err = in.accounts(ctx)
		}()
	}
	close(start) // both at once
	wg.Wait()

	var errs []error
	for i, r := range results {
		name := instances[i].name
		if r.err != nil {
			errs = append(errs, fmt.Errorf("instance %s: %w", name, r.err))
			continue
		}
		fmt.Fprintf(out, "   instance %s: GET /data/v1/accounts: %s\n", name, r.desc)
		if r.status != http.StatusOK {
			errs = append(errs, fmt.Errorf("instance %s: GET /data/v1/accounts answered %d", name, r.status))
		}
	}
	fmt.Fprintf(out, "   simulator request log: %d refresh request(s) to POST /connect/token\n", srv.Count(truelayertest.RouteToken)-refreshesBefore)
	fmt.Fprintf(out, "   token store: refresh token rotated = %t\n", a.store.get(id).RefreshToken != oldRefresh)
	if list := a.notices.take(); len(list) > 0 {
		errs = append(errs, fmt.Errorf("notify was called %d times during the refresh", len(list)))
	}
	return errors.Join(errs...)
}
