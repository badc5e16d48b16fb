package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExampleAgainstSimulator keeps 'go run ./examples/datacalls' working
// and its story true. It runs several times: the two instances of step 3
// race for the refresh, and every ordering must give one refresh.
func TestExampleAgainstSimulator(t *testing.T) {
	for range 10 {
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // generous: a hang fails, a slow machine does not
		err := run(ctx, &out)
		cancel()
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		got := out.String()
		steps := strings.Split(got, "\n\n")
		if len(steps) != 4 {
			t.Fatalf("want an introduction and 3 steps, got %d parts:\n%s", len(steps), got)
		}
		inOrder(t, steps[1], // the data call works on both instances
			"instance A: GET /data/v1/accounts: 200 OK, 1 account(s)",
			"instance B: GET /data/v1/accounts: 200 OK, 1 account(s)")
		id := strings.Fields(strings.TrimPrefix(steps[0], "simulated TrueLayer: connection "))[0]
		inOrder(t, steps[2], // it fails, Notify learns which connection and why, re-auth, it works again
			"instance A: GET /data/v1/accounts: 403 Forbidden",
			"notify: truelayer connection "+id+": ",
			"errors.Is(err, reauth.ErrReauthRequired) = true, reauth.NextAction(err) = begin_again",
			"begin: send the user to",
			"user: approved at the bank",
			"continue: done; the new pair is in the token store",
			"instance A: token source invalidated",
			"instance A: GET /data/v1/accounts: 200 OK",
			// B held the replaced access token: refused once, then the stored pair.
			"instance B: GET /data/v1/accounts: 401 Unauthorized",
			"errors.Is(err, truelayer.ErrAccessTokenExpired) = true, reauth.NextAction(err) = retry_later",
			"instance B: GET /data/v1/accounts: 200 OK",
			"1 request(s) to POST /connect/token (the code exchange): no refresh")
		inOrder(t, steps[3], // two instances, one refresh, rotated pair stored
			"instance A: GET /data/v1/accounts: 200 OK",
			"instance B: GET /data/v1/accounts: 200 OK",
			"simulator request log: 1 refresh request(s) to POST /connect/token",
			"token store: refresh token rotated = true")
		// The simulator's secrets carry these prefixes; none may be printed.
		for _, secret := range []string{"sim-at-", "sim-rt-", truelayertest.DefaultClientSecret, "code="} {
			if strings.Contains(got, secret) {
				t.Errorf("output shows a secret (%q):\n%s", secret, got)
			}
		}
		if t.Failed() {
			t.Fatalf("output:\n%s", got)
		}
	}
}

// inOrder checks that text holds each of wants, one after the other.
func inOrder(t *testing.T, text string, wants ...string) {
	t.Helper()
	rest := text
	for _, w := range wants {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("lacks %q (after the previous expectations) in:\n%s", w, text)
			return
		}
		rest = rest[i+len(w):]
	}
}
