package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runExample runs the example against the simulator with stdin not a
// terminal (as in CI), whatever the environment holds.
func runExample(t *testing.T, otpFlag, account string, v1 bool) (string, error) {
	t.Helper()
	t.Setenv("MONO_SECRET_KEY", "") // never the real API from a test
	t.Setenv("MONO_ACCOUNT_ID", "")
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var out bytes.Buffer
	err = run(context.Background(), otpFlag, account, v1, devNull, &out)
	for _, secret := range []string{monotest.DefaultOTP, monotest.DefaultPassword, monotest.DefaultSecurityAnswer} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("a secret was printed:\n%s", out.String())
		}
	}
	return out.String(), err
}

// TestExampleAgainstSimulator keeps 'go run ./examples/mono' working for
// every simulated account, with stdin not a terminal (as in CI).
func TestExampleAgainstSimulator(t *testing.T) {
	for _, account := range accounts {
		out, err := runExample(t, "", account, false)
		if err != nil {
			t.Fatalf("%s: %v\n%s", account, err, out)
		}
		if !strings.Contains(out, "(v2 re-auth session)") {
			t.Errorf("%s: not the v2 API:\n%s", account, out)
		}
		if !strings.Contains(out, "done") {
			t.Errorf("%s: no done in output:\n%s", account, out)
		}
		if account != monotest.AccountBackground && !strings.Contains(out, "stdin is not a terminal and no -otp given") {
			t.Errorf("%s: the simulated answer is not announced:\n%s", account, out)
		}
	}
}

// TestExampleOTPFlag: -otp answers the OTP (for scripts); a wrong one is an
// error when nobody can be asked again.
func TestExampleOTPFlag(t *testing.T) {
	out, err := runExample(t, monotest.DefaultOTP, monotest.AccountOTP, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "(from -otp)") || !strings.Contains(out, "done") {
		t.Errorf("-otp not used:\n%s", out)
	}
	if strings.Contains(out, "no -otp given") {
		t.Errorf("fell back to the simulated OTP despite -otp:\n%s", out)
	}

	out, err = runExample(t, "99999", monotest.AccountOTP, false)
	if !errors.Is(err, mono.ErrInputRejected) {
		t.Fatalf("wrong -otp: err %v; want ErrInputRejected\n%s", err, out)
	}
}

// TestExampleLegacyV1: -v1 runs the legacy flow.
func TestExampleLegacyV1(t *testing.T) {
	out, err := runExample(t, "", monotest.AccountOTPThenQuestion, true)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "legacy Partners API v1") || !strings.Contains(out, "done") {
		t.Errorf("not the v1 flow:\n%s", out)
	}
}
