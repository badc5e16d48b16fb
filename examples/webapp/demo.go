package main

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// Connection is one of the demo user's bank or payroll connections, as an
// application would keep it in its own database.
type Connection struct {
	ID       string // the app's own id, used in URLs
	Name     string // what the user sees
	Provider reauth.Provider
	// Begin is what a re-auth starts from; Inspect is what a health check
	// needs (TrueLayer inspects with the access token, re-auths with the
	// refresh token).
	Begin   reauth.Request
	Inspect reauth.Request

	Health  reauth.Health
	Message string // the last thing that happened, for the dashboard
}

// connections is the app's table of connections, safe for concurrent use.
type connections struct {
	mu    sync.Mutex
	order []string
	byID  map[string]*Connection
}

func (cs *connections) add(c *Connection) {
	cs.order = append(cs.order, c.ID)
	cs.byID[c.ID] = c
}

// list returns copies in display order.
func (cs *connections) list() []Connection {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]Connection, 0, len(cs.order))
	for _, id := range cs.order {
		out = append(out, *cs.byID[id])
	}
	return out
}

func (cs *connections) get(id string) (Connection, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c, ok := cs.byID[id]
	if !ok {
		return Connection{}, false
	}
	return *c, true
}

func (cs *connections) update(id string, f func(*Connection)) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.byID[id]; ok {
		f(c)
	}
}

// find returns the id of the connection a flow belongs to.
func (cs *connections) find(p reauth.Provider, connectionID string) (string, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, id := range cs.order {
		c := cs.byID[id]
		if c.Provider == p && c.Begin.ConnectionID == connectionID {
			return id, true
		}
	}
	return "", false
}

// simulators are the five simulated providers and the clients pointed at
// them.
type simulators struct {
	atto      *attotest.Server
	truelayer *truelayertest.Server
	yapily    *yapilytest.Server
	finch     *finchtest.Server
	mono      *monotest.Server
	clients   []reauth.Reauthenticator
}

func (s *simulators) Close() {
	if s.atto != nil {
		s.atto.Close()
	}
	if s.truelayer != nil {
		s.truelayer.Close()
	}
	if s.yapily != nil {
		s.yapily.Close()
	}
	if s.finch != nil {
		s.finch.Close()
	}
	if s.mono != nil {
		s.mono.Close()
	}
}

// startSimulators starts the five simulated providers, each sending the
// browser back to callback, and creates the demo user's connections: four
// broken or expiring, each the provider's own way.
func startSimulators(callback string, logger *slog.Logger) (*simulators, *connections, error) {
	s := &simulators{}
	conns := &connections{byID: map[string]*Connection{}}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	s.atto = attotest.NewServer(attotest.WithCallbackURL(callback))
	consentID := s.atto.NewConsent(attotest.StatusExpired)
	ac, err := atto.New(atto.Credentials{ClientID: s.atto.ClientID(), ClientSecret: s.atto.ClientSecret()},
		atto.WithBaseURL(s.atto.APIURL()), atto.WithConnectURL(s.atto.ConnectURL()), atto.WithLogger(logger))
	if err != nil {
		return nil, nil, err
	}
	conns.add(&Connection{ID: "atto", Name: "Atto — Monzo current account", Provider: reauth.Atto,
		Begin: reauth.Request{ConnectionID: consentID, RedirectURI: callback}, Inspect: reauth.Request{ConnectionID: consentID}})

	s.truelayer = truelayertest.NewServer()
	tl := s.truelayer.Connect(callback)
	s.truelayer.SetConsentExpiry(tl.CredentialsID, time.Now().Add(3*24*time.Hour))
	tc, err := truelayer.New(truelayer.Credentials{ClientID: s.truelayer.ClientID(), ClientSecret: s.truelayer.ClientSecret()},
		truelayer.WithAuthURL(s.truelayer.AuthURL()), truelayer.WithAPIURL(s.truelayer.APIURL()), truelayer.WithLogger(logger))
	if err != nil {
		return nil, nil, err
	}
	conns.add(&Connection{ID: "truelayer", Name: "TrueLayer — Barclays savings", Provider: reauth.TrueLayer,
		Begin:   reauth.Request{ConnectionID: tl.CredentialsID, Token: tl.RefreshToken, RedirectURI: callback},
		Inspect: reauth.Request{ConnectionID: tl.CredentialsID, Token: tl.AccessToken}})

	s.yapily = yapilytest.NewServer(yapilytest.WithCallback(callback))
	consent := s.yapily.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
	yc, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(s.yapily.URL), yapily.WithLogger(logger))
	if err != nil {
		return nil, nil, err
	}
	conns.add(&Connection{ID: "yapily", Name: "Yapily — HSBC credit card", Provider: reauth.Yapily,
		Begin:   reauth.Request{ConnectionID: consent.ID, Token: consent.Token, RedirectURI: callback},
		Inspect: reauth.Request{ConnectionID: consent.ID, Token: consent.Token}})

	s.finch = finchtest.NewServer()
	fc := s.finch.AddConnection("gusto")
	s.finch.RequireReauth(fc.ID)
	fcl, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(s.finch.URL), finch.WithLogger(logger))
	if err != nil {
		return nil, nil, err
	}
	conns.add(&Connection{ID: "finch", Name: "Finch — Gusto payroll", Provider: reauth.Finch,
		Begin:   reauth.Request{ConnectionID: fc.ID, Token: fc.AccessToken, RedirectURI: callback},
		Inspect: reauth.Request{ConnectionID: fc.ID, Token: fc.AccessToken}})

	// Mono allows one real-time session per account per 5 minutes; the demo
	// lifts that so a denied or abandoned try can be repeated at once.
	s.mono = monotest.NewServer(monotest.WithSessionInterval(0))
	s.mono.RequireReauth(monotest.AccountSelectionThenOTP)
	mc, err := mono.New(mono.Credentials{SecretKey: s.mono.SecretKey()}, mono.WithBaseURL(s.mono.URL), mono.WithLogger(logger))
	if err != nil {
		return nil, nil, err
	}
	conns.add(&Connection{ID: "mono", Name: "Mono — GTBank current account", Provider: reauth.Mono,
		Begin:   reauth.Request{ConnectionID: monotest.AccountSelectionThenOTP},
		Inspect: reauth.Request{ConnectionID: monotest.AccountSelectionThenOTP}})

	s.clients = []reauth.Reauthenticator{ac, tc, yc, fcl, mc}
	ok = true
	return s, conns, nil
}

// MonoOTP is the code the simulated bank accepts, shown on the OTP page so a
// person trying the demo knows what to type.
func (s *simulators) MonoOTP() string { return s.mono.OTP() }

func describeHealth(h reauth.Health) string {
	switch h.State {
	case reauth.Healthy:
		return "healthy"
	case reauth.ExpiringSoon:
		return fmt.Sprintf("expires %s", h.ExpiresAt.Format("2 Jan 2006"))
	case reauth.NeedsReauth:
		return "needs re-authentication"
	case reauth.Revoked:
		return "revoked: connect again"
	case reauth.Pending:
		return "pending"
	}
	return "unknown"
}
