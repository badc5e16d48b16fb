package reauthtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/stretchr/testify/mock"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// A Mock in a Registry: Begin answers as expected, Inspect reports the
// connection broken. In a test, finish with m.AssertExpectations(t).
func ExampleMock() {
	m := &reauthtest.Mock{Name: reauth.Finch}
	m.On("Begin", mock.Anything, reauth.Request{ConnectionID: "conn-1"}).
		Return(&reauth.Flow{Provider: reauth.Finch, Step: reauth.StepRedirect, URL: "https://connect.example/"}, nil)
	m.On("Inspect", mock.Anything, mock.Anything).
		Return(&reauth.Health{Provider: reauth.Finch, State: reauth.NeedsReauth}, nil)
	m.On("Continue", mock.Anything, mock.Anything, mock.Anything).Return(nil, reauth.ErrFlowExpired)

	reg, err := reauth.NewRegistry(m)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	flow, _ := reg.Begin(ctx, reauth.Finch, reauth.Request{ConnectionID: "conn-1"})
	h, _ := reg.Inspect(ctx, reauth.Finch, reauth.Request{ConnectionID: "conn-1"})
	_, err = reg.Continue(ctx, flow, reauth.Reply{})
	fmt.Println(flow.Step, h.State, errors.Is(err, reauth.ErrFlowExpired))
	// Output: redirect needs_reauth true
}
