package reauthtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reauthkit/reauthkit/reauth"
)

type plain struct{ Token string }

func TestLeakScanFindsSecretsEverywhere(t *testing.T) {
	t.Parallel()
	const secret = "tok_live_SECRET_123"
	cases := map[string]func(s *LeakScan){
		"error":  func(s *LeakScan) { s.Add(errors.New("bad token " + secret)) },
		"struct": func(s *LeakScan) { s.Add(plain{Token: secret}) },
		"log":    func(s *LeakScan) { s.Logger().Debug("call", "token", secret) },
		"nested": func(s *LeakScan) { s.Add(fmt.Errorf("wrap: %w", errors.New(secret))) },
	}
	for name, leak := range cases {
		s := NewLeakScan(secret)
		leak(s)
		rec := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); s.Check(rec) }()
		<-done
		if len(rec.errors) == 0 {
			t.Errorf("%s: leak not found", name)
		}
		for _, e := range rec.errors {
			if strings.Contains(e, secret) {
				t.Errorf("%s: the report itself shows the secret: %s", name, e)
			}
		}
	}
}

func TestLeakScanPassesRedactedValues(t *testing.T) {
	t.Parallel()
	s := NewLeakScan("access-token-value", "ab")
	s.Add(reauth.Credentials{AccessToken: "access-token-value"}, nil, error(nil))
	s.Logger().Info("ok", "creds", reauth.Credentials{AccessToken: "access-token-value"})
	if !strings.Contains(s.Logs(), `"msg":"ok"`) || !strings.Contains(s.Logs(), "msg=ok") {
		t.Errorf("logs hold no text and JSON line: %q", s.Logs())
	}
	if n := s.Check(t); n != 1 {
		t.Fatalf("scanned %d values; want 1", n)
	}
}
