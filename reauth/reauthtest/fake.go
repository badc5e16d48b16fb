// Package reauthtest helps test code built on package reauth: [Fake] is a
// scriptable [reauth.Reauthenticator] that records its calls and behaves
// like the real adapters, [Mock] is the same interface (and
// [reauth.Inspector]) on testify's mock.Mock, [RunConformance] checks that
// an adapter follows the rules of the reauth contract, [LeakScan] proves
// that secrets stay secret and [CheckNilSafe] that nil and zero values do
// not panic.
//
// Besides the standard library and testify, it imports the adapters' own
// flow checks (expiry, state, callback errors), so that a Fake refuses and
// accepts exactly what a real adapter does; it imports no provider package.
package reauthtest

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/reauth"
)

// FakeCode is the authorisation code [Fake.Approve] hands back and the
// default Continue accepts.
const FakeCode = "fake-approved-code"

// Call is one recorded call to a [Fake].
type Call struct {
	Method  string // "Begin" or "Continue"
	Request reauth.Request
	Flow    *reauth.Flow // Continue's flow (a copy)
	Reply   reauth.Reply
	// Returned is the flow the call returned (a copy), nil on error.
	Returned *reauth.Flow
	// Err is the error the call returned.
	Err error
}

// Fake is a [reauth.Reauthenticator] for tests. By default it behaves like a
// real redirect provider: Begin requires Request.ConnectionID (optional for
// TrueLayer, as for its adapter) and returns a redirect flow with a state
// and an expiry; Continue checks provider, expiry, state (a Finch callback
// may carry none, as Finch's adapter accepts) and the callback's error, and
// finishes when the callback carries [FakeCode]. Set BeginFunc or
// ContinueFunc to script other answers. Every call is recorded with what it
// returned. A Fake is safe for concurrent use; set its fields before using
// it.
type Fake struct {
	// Name is the provider the Fake claims to be.
	Name reauth.Provider
	// BeginFunc, when set, answers Begin instead of the default.
	BeginFunc func(ctx context.Context, req reauth.Request) (*reauth.Flow, error)
	// ContinueFunc, when set, answers Continue instead of the default.
	ContinueFunc func(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// TTL is how long a default flow stays valid; zero is 15 minutes.
	TTL time.Duration

	mu    sync.Mutex
	calls []Call
}

var _ reauth.Reauthenticator = (*Fake)(nil)

// NewFake returns a Fake for provider p with the default behaviour.
func NewFake(p reauth.Provider) *Fake { return &Fake{Name: p} }

// errNilFake and errNilMock are what a nil *Fake or *Mock answers.
var (
	errNilFake = errors.New("reauthtest: nil *Fake")
	errNilMock = errors.New("reauthtest: nil *Mock")
)

// Provider returns f.Name.
func (f *Fake) Provider() reauth.Provider {
	if f == nil {
		return ""
	}
	return f.Name
}

// Calls returns the calls made so far, oldest first.
func (f *Fake) Calls() []Call {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Reset forgets the recorded calls.
func (f *Fake) Reset() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
}

func (f *Fake) record(c Call, flow *reauth.Flow, err error) {
	c.Returned, c.Err = flowx.Clone(flow), err
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *Fake) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Begin records the call and answers with BeginFunc or the default.
func (f *Fake) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if f == nil {
		return nil, errNilFake
	}
	flow, err := f.begin(ctx, req)
	f.record(Call{Method: "Begin", Request: req}, flow, err)
	return flow, err
}

func (f *Fake) begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if f.BeginFunc != nil {
		return f.BeginFunc(ctx, req)
	}
	if ctx == nil {
		return nil, reauth.MissingInput(f.Name, "ctx")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.ConnectionID == "" && f.Name != reauth.TrueLayer {
		return nil, reauth.MissingInput(f.Name, "ConnectionID")
	}
	ttl := f.TTL
	if ttl == 0 {
		ttl = 15 * time.Minute
	}
	now := f.now()
	state := flowx.State(req)
	u := "https://provider.fake.invalid/reauth?" + url.Values{
		"connection_id": {req.ConnectionID},
		"state":         {state},
	}.Encode()
	return flowx.Redirect(f.Name, req.ConnectionID, state, u, now.Add(ttl), now,
		map[string]string{"redirect_uri": req.RedirectURI}), nil
}

// Continue records the call and answers with ContinueFunc or the default.
func (f *Fake) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if f == nil {
		return nil, errNilFake
	}
	in := flowx.Clone(flow)
	next, err := f.cont(ctx, flow, reply)
	f.record(Call{Method: "Continue", Flow: in, Reply: reply}, next, err)
	return next, err
}

func (f *Fake) cont(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if f.ContinueFunc != nil {
		return f.ContinueFunc(ctx, flow, reply)
	}
	if ctx == nil {
		return nil, reauth.MissingInput(f.Name, "ctx")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := f.now()
	if err := flowx.Check(f.Name, flow, now); err != nil {
		return nil, err
	}
	if reply.IsEmpty() {
		return nil, reauth.MissingInput(f.Name, "callback")
	}
	if f.Name != reauth.Finch || reply.Callback.Has("state") {
		if err := flowx.CheckState(f.Name, flow.State, reply.Callback.Get("state")); err != nil {
			return nil, err
		}
	}
	if err := flowx.CallbackError(f.Name, reply.Callback); err != nil {
		return nil, err
	}
	code := reply.Callback.Get("code")
	if code == "" {
		return nil, reauth.MissingInput(f.Name, "code")
	}
	if code != FakeCode {
		return nil, reauth.InvalidInput(f.Name, "code", "is not the code the fake provider issued")
	}
	creds := reauth.Credentials{
		AccessToken: "fake-access-" + reauth.NewState(),
		ExpiresAt:   now.Add(time.Hour),
	}
	return flowx.Done(f.Name, flow.ConnectionID, creds, true, now), nil
}

// Approve plays the user approving flow at the fake provider: it returns the
// callback the default Continue accepts.
func (f *Fake) Approve(flow *reauth.Flow) reauth.Reply {
	if flow == nil {
		return reauth.Reply{}
	}
	return reauth.Reply{Callback: url.Values{"state": {flow.State}, "code": {FakeCode}}}
}

// Deny plays the user refusing at the fake provider.
func (f *Fake) Deny(flow *reauth.Flow) reauth.Reply {
	if flow == nil {
		return reauth.Reply{}
	}
	return reauth.Reply{Callback: url.Values{"state": {flow.State}, "error": {"access_denied"}}}
}
