package reauth

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Locker hands out one holder per key, across every instance that shares it:
// Lock blocks until the key is free (or ctx ends) and returns the function
// that frees it. A holder that never unlocks loses the key after ttl.
// Token refreshes use it so that one connection is refreshed once at a time.
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// Transport is an [http.RoundTripper] for the application's own data calls
// to a provider. It passes every request to Base and, for each response,
// calls Check (a provider package's CheckResponse); when Check returns an
// error, Notify is called with the request and that error, so the
// application can start a re-authentication. Transport never alters the
// request or the response: the caller reads the same status and body it
// would have read without it, and an error from Base is returned unchanged.
type Transport struct {
	// Base does the round trip; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Check classifies a response; nil means nothing is checked. It must
	// leave resp.Body readable (every CheckResponse does).
	Check func(*http.Response) error
	// Notify is told about every response Check refused; nil means nobody
	// is. Use [ConnectionFrom] on req.Context() to learn which connection
	// broke.
	Notify func(req *http.Request, err error)
}

// RoundTrip implements [http.RoundTripper].
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil {
		return nil, errors.New("reauth: transport: nil request")
	}
	base := http.DefaultTransport
	if t != nil && t.Base != nil {
		base = t.Base
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp == nil || t == nil || t.Check == nil {
		return resp, err
	}
	if cerr := t.Check(resp); cerr != nil && t.Notify != nil {
		t.Notify(req, cerr)
	}
	return resp, nil
}

type connectionKey struct{}

type connectionRef struct {
	provider Provider
	id       string
}

// WithConnection returns a copy of ctx that names the connection a data call
// is made for, so that [Transport.Notify] can tell which one needs
// re-authentication.
func WithConnection(ctx context.Context, p Provider, connectionID string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, connectionKey{}, connectionRef{provider: p, id: connectionID})
}

// ConnectionFrom returns the connection [WithConnection] put in ctx.
func ConnectionFrom(ctx context.Context) (Provider, string, bool) {
	if ctx == nil {
		return "", "", false
	}
	ref, ok := ctx.Value(connectionKey{}).(connectionRef)
	return ref.provider, ref.id, ok
}
