package reauth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
)

// Registry dispatches to one [Reauthenticator] per [Provider]. It is
// immutable after [NewRegistry] and safe for concurrent use.
type Registry struct {
	byProvider map[Provider]Reauthenticator
}

// NewRegistry returns a Registry holding rs. It rejects a nil
// Reauthenticator (a nil pointer of any type inside the interface too), an
// empty provider name and two Reauthenticators for the same provider.
func NewRegistry(rs ...Reauthenticator) (*Registry, error) {
	reg := &Registry{byProvider: make(map[Provider]Reauthenticator, len(rs))}
	var errs []error
	for i, r := range rs {
		if isNil(r) {
			errs = append(errs, fmt.Errorf("reauth: registry: reauthenticator %d is nil", i))
			continue
		}
		p := r.Provider()
		if p == "" {
			errs = append(errs, fmt.Errorf("reauth: registry: reauthenticator %d has no provider name", i))
			continue
		}
		if _, dup := reg.byProvider[p]; dup {
			errs = append(errs, fmt.Errorf("reauth: registry: provider %q registered twice", p))
			continue
		}
		reg.byProvider[p] = r
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return reg, nil
}

// Providers lists the registered providers, sorted; nil for a nil Registry.
func (r *Registry) Providers() []Provider {
	if r == nil {
		return nil
	}
	ps := make([]Provider, 0, len(r.byProvider))
	for p := range r.byProvider {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// Get returns the Reauthenticator registered for p; false for a nil
// Registry.
func (r *Registry) Get(p Provider) (Reauthenticator, bool) {
	if r == nil {
		return nil, false
	}
	ra, ok := r.byProvider[p]
	return ra, ok
}

func (r *Registry) lookup(p Provider) (Reauthenticator, error) {
	if r == nil {
		return nil, fmt.Errorf("reauth: registry: nil *Registry: %w", ErrInvalidRequest)
	}
	ra, ok := r.byProvider[p]
	if !ok {
		return nil, fmt.Errorf("reauth: registry: %q: %w", p, ErrUnknownProvider)
	}
	return ra, nil
}

// Begin starts a re-authentication with provider p's Reauthenticator.
func (r *Registry) Begin(ctx context.Context, p Provider, req Request) (*Flow, error) {
	ra, err := r.lookup(p)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, fmt.Errorf("reauth: registry: nil context: %w", ErrInvalidRequest)
	}
	return ra.Begin(ctx, req)
}

// Continue hands flow to the Reauthenticator of flow.Provider.
func (r *Registry) Continue(ctx context.Context, flow *Flow, reply Reply) (*Flow, error) {
	if flow == nil {
		return nil, fmt.Errorf("reauth: registry: nil flow: %w", ErrInvalidRequest)
	}
	if ctx == nil {
		return nil, fmt.Errorf("reauth: registry: nil context: %w", ErrInvalidRequest)
	}
	ra, err := r.lookup(flow.Provider)
	if err != nil {
		return nil, err
	}
	return ra.Continue(ctx, flow, reply)
}

// Inspect reports the health of a connection with provider p's
// Reauthenticator, when it implements [Inspector]; otherwise it returns an
// error wrapping ErrInvalidRequest.
func (r *Registry) Inspect(ctx context.Context, p Provider, req Request) (*Health, error) {
	ra, err := r.lookup(p)
	if err != nil {
		return nil, err
	}
	in, ok := ra.(Inspector)
	if !ok || isNil(in) {
		return nil, fmt.Errorf("reauth: registry: %q cannot inspect connections: %w", p, ErrInvalidRequest)
	}
	if ctx == nil {
		return nil, fmt.Errorf("reauth: registry: nil context: %w", ErrInvalidRequest)
	}
	return in.Inspect(ctx, req)
}

// isNil reports whether v is nil or holds a nil pointer, map, slice, func
// or channel: calling a method on it would panic.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
