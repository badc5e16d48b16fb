package main

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExampleAgainstSimulator keeps 'go run ./examples/truelayer' working.
func TestExampleAgainstSimulator(t *testing.T) {
	if err := runSimulated(context.Background()); err != nil {
		t.Fatal(err)
	}
}
