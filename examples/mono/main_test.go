package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/mono/monotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExampleAgainstSimulator keeps 'go run ./examples/mono' working for
// every simulated account, with stdin not a terminal (as in CI) and with -otp.
func TestExampleAgainstSimulator(t *testing.T) {
	for _, account := range []string{monotest.AccountOTP, monotest.AccountOTPThenQuestion,
		monotest.AccountSelectionThenOTP, monotest.AccountBackground} {
		devNull, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = run(context.Background(), "", account, devNull, &out)
		devNull.Close()
		if err != nil {
			t.Fatalf("%s: %v\n%s", account, err, out.String())
		}
		if !strings.Contains(out.String(), "done") {
			t.Errorf("%s: no done in output:\n%s", account, out.String())
		}
	}
}
