package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExampleAgainstSimulator keeps 'go run ./examples/sweep' working.
func TestExampleAgainstSimulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"ben:   your atto connection needs renewing",
		"chloe: your atto connection needs renewing",
		"dev:   your atto connection stopped working",
		"erin:  your yapily connection needs renewing",
		"farah: your yapily connection was ended",
		"gus:   your truelayer connection needs renewing",
		"hana:  your truelayer connection stopped working",
		"jo:    your finch connection stopped working",
		"kofi:  your mono connection stopped working",
		"atto and yapily: 7 consents read in 2 list requests",
		"rerun: 0 new notices",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, healthy := range []string{"amara:", "ivan:"} {
		if strings.Contains(got, healthy) {
			t.Errorf("%s is healthy but was told something:\n%s", healthy, got)
		}
	}
}
