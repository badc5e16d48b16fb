package reauthtest

import (
	"context"

	"github.com/stretchr/testify/mock"

	"github.com/reauthkit/reauthkit/reauth"
)

// Mock is a [reauth.Reauthenticator] and [reauth.Inspector] on testify's
// mock.Mock, for teams that set expectations with On and AssertExpectations
// rather than script a [Fake]:
//
//	m := &reauthtest.Mock{Name: reauth.Finch}
//	m.On("Begin", mock.Anything, reauth.Request{ConnectionID: "conn-1"}).Return(&reauth.Flow{...}, nil)
//
// Begin, Continue and Inspect are mocked: Return takes the flow (or health)
// as a pointer, or nil, and the error. Provider returns Name without an
// expectation, so a Mock can be put in a [reauth.Registry].
type Mock struct {
	mock.Mock
	// Name is the provider the Mock claims to be.
	Name reauth.Provider
}

var (
	_ reauth.Reauthenticator = (*Mock)(nil)
	_ reauth.Inspector       = (*Mock)(nil)
)

// Provider returns m.Name.
func (m *Mock) Provider() reauth.Provider {
	if m == nil {
		return ""
	}
	return m.Name
}

// Begin answers as the matching expectation says.
func (m *Mock) Begin(ctx context.Context, req reauth.Request) (*reauth.Flow, error) {
	if m == nil {
		return nil, errNilMock
	}
	args := m.Called(ctx, req)
	flow, _ := args.Get(0).(*reauth.Flow)
	return flow, args.Error(1)
}

// Continue answers as the matching expectation says.
func (m *Mock) Continue(ctx context.Context, flow *reauth.Flow, reply reauth.Reply) (*reauth.Flow, error) {
	if m == nil {
		return nil, errNilMock
	}
	args := m.Called(ctx, flow, reply)
	next, _ := args.Get(0).(*reauth.Flow)
	return next, args.Error(1)
}

// Inspect answers as the matching expectation says.
func (m *Mock) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if m == nil {
		return nil, errNilMock
	}
	args := m.Called(ctx, req)
	h, _ := args.Get(0).(*reauth.Health)
	return h, args.Error(1)
}
