// Package sweeptest helps test code built on package sweep: a shared test
// suite for [sweep.Ledger] implementations and a scriptable Inspector.
package sweeptest

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/reauthkit/reauthkit/reauth"
)

// Inspector is a [reauth.Reauthenticator] and [reauth.Inspector] for tests:
// Inspect answers with Health. Begin and Continue fail. It counts its
// Inspect calls and is safe for concurrent use; set its fields before use.
type Inspector struct {
	Name reauth.Provider
	// Health answers Inspect; nil answers Healthy with no expiry.
	Health func(ctx context.Context, req reauth.Request) (*reauth.Health, error)

	calls atomic.Int64
}

var (
	_ reauth.Reauthenticator = (*Inspector)(nil)
	_ reauth.Inspector       = (*Inspector)(nil)
)

// Provider returns i.Name.
func (i *Inspector) Provider() reauth.Provider { return i.Name }

// Begin fails: the fake only inspects.
func (i *Inspector) Begin(context.Context, reauth.Request) (*reauth.Flow, error) {
	return nil, fmt.Errorf("sweeptest: Begin is not scripted: %w", reauth.ErrInvalidRequest)
}

// Continue fails: the fake only inspects.
func (i *Inspector) Continue(context.Context, *reauth.Flow, reauth.Reply) (*reauth.Flow, error) {
	return nil, fmt.Errorf("sweeptest: Continue is not scripted: %w", reauth.ErrInvalidRequest)
}

// Inspect counts the call and answers with Health.
func (i *Inspector) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	i.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i.Health != nil {
		return i.Health(ctx, req)
	}
	return &reauth.Health{Provider: i.Name, ConnectionID: req.ConnectionID, State: reauth.Healthy}, nil
}

// Calls returns how many times Inspect was called.
func (i *Inspector) Calls() int { return int(i.calls.Load()) }
