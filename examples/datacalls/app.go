package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
)

// This file holds what an application owns around the SDK: its token
// store, the queue Notify feeds, and the data call itself.

// tokenStore is the application's table of token pairs, by credentials id.
// A real one is a database row per connection; the access and refresh
// token are written together because TrueLayer rotates them as one.
type tokenStore struct {
	mu    sync.Mutex
	pairs map[string]reauth.Credentials
}

func newTokenStore() *tokenStore { return &tokenStore{pairs: map[string]reauth.Credentials{}} }

func (s *tokenStore) get(id string) reauth.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pairs[id]
}

func (s *tokenStore) put(id string, pair reauth.Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pairs[id] = pair
}

// option gives a TokenSource this connection's row of the store.
func (s *tokenStore) option(id string) truelayer.TokenOption {
	return truelayer.WithTokenStore(
		func(context.Context) (reauth.Credentials, error) { return s.get(id), nil },
		func(_ context.Context, pair reauth.Credentials) error { s.put(id, pair); return nil },
	)
}

// notice is one broken connection, as Notify reported it.
type notice struct {
	provider reauth.Provider
	id       string
	err      error
}

// notices is where Notify puts broken connections. Notify runs inside the
// HTTP round trip, so it only records; a real application would enqueue a
// job or mark the connection and tell its user.
type notices struct {
	mu   sync.Mutex
	list []notice
}

func (n *notices) notify(req *http.Request, err error) {
	p, id, _ := reauth.ConnectionFrom(req.Context()) // "" without reauth.WithConnection
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, notice{provider: p, id: id, err: err})
}

// take returns and forgets the notices so far.
func (n *notices) take() []notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	list := n.list
	n.list = nil
	return list
}

// app is what every instance of the application shares: the token store,
// the Locker and the notices, and how it reaches TrueLayer. The instances
// here share one process, so a truelayer.LocalLocker serves them;
// instances in different processes need a Locker backed by what they
// share, such as the database holding the tokens.
type app struct {
	newClient func() (*truelayer.Client, error)
	base      http.RoundTripper // the application's HTTP transport
	apiURL    string
	store     *tokenStore
	locker    reauth.Locker
	notices   *notices
}

// instance is one running copy of the application (a process, a pod) with
// its own TrueLayer client and token source for the connection.
type instance struct {
	name   string
	id     string // credentials id
	apiURL string
	ts     *truelayer.TokenSource
	hc     *http.Client
}

// instance starts a copy of the application for connection id, from the
// pair in the store. Its data-call client is the token source's Transport,
// which puts a fresh access token on each request and drops one TrueLayer
// refused (so the next call reloads the store), over reauth.Transport,
// which checks each answer and tells Notify when the connection needs
// re-authentication. (ts.OAuth2 in an oauth2.Transport works as well; its
// Notify would then call ts.Invalidate on truelayer.ErrAccessTokenExpired.)
func (a *app) instance(name, id string) (*instance, error) {
	c, err := a.newClient()
	if err != nil {
		return nil, err
	}
	ts := c.TokenSource(a.store.get(id),
		a.store.option(id),
		truelayer.WithLocker(a.locker), // one refresh per connection across instances
		truelayer.WithTokenKey(id),     // the lock key: the connection, whatever pair each instance holds
	)
	hc := &http.Client{Transport: ts.Transport(
		&reauth.Transport{Base: a.base, Check: truelayer.CheckResponse, Notify: a.notices.notify},
	)}
	return &instance{name: name, id: id, apiURL: a.apiURL, ts: ts, hc: hc}, nil
}

// accounts is the application's own data call, GET /data/v1/accounts; it
// describes the answer, e.g. "200 OK, 1 account: Current account".
func (in *instance) accounts(ctx context.Context) (status int, desc string, err error) {
	// The connection rides in the context, so Notify knows which one broke.
	ctx = reauth.WithConnection(ctx, reauth.TrueLayer, in.id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.apiURL+"/data/v1/accounts", nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := in.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	// reauth.Transport read the body to check it and put it back: the
	// application reads the same answer it would have read without it.
	var body struct {
		Results []struct {
			DisplayName string `json:"display_name"`
		} `json:"results"`
		Error string `json:"error"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", err
	}
	jerr := json.Unmarshal(data, &body)
	switch {
	case resp.StatusCode != http.StatusOK && body.Error != "":
		return resp.StatusCode, fmt.Sprintf("%s, error %q", resp.Status, body.Error), nil
	case resp.StatusCode != http.StatusOK:
		return resp.StatusCode, resp.Status, nil
	case jerr != nil:
		return resp.StatusCode, "", fmt.Errorf("decoding the accounts answer: %w", jerr)
	}
	desc = fmt.Sprintf("%s, %d account(s)", resp.Status, len(body.Results))
	if len(body.Results) > 0 {
		desc += ": " + body.Results[0].DisplayName
	}
	return resp.StatusCode, desc, nil
}

// clock is the time the simulator and the clients share, so the program
// can let an access token expire without waiting an hour.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
