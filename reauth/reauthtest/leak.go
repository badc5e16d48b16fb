package reauthtest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// LeakScan proves that secrets stay secret: hand its Logger to the client
// under test, Add every error and value the client returns, then Check. A
// secret found in an error string, under any fmt verb of [AllVerbs] applied
// to a value or a pointer to it, in slog text or JSON output of a value, or in anything the client logged
// fails the test, naming where (and masking the secret). Secrets shorter
// than 4 characters are ignored. A LeakScan is safe for concurrent use.
type LeakScan struct {
	mu      sync.Mutex
	secrets []string
	values  []any
	verbs   []string
	logs    bytes.Buffer
	logger  *slog.Logger
}

// NewLeakScan returns a LeakScan looking for secrets.
func NewLeakScan(secrets ...string) *LeakScan {
	s := &LeakScan{secrets: append([]string(nil), secrets...)}
	w := lockedWriter{s}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	s.logger = slog.New(fanout{slog.NewTextHandler(w, opts), slog.NewJSONHandler(w, opts)})
	return s
}

// Logger returns a Debug-level logger whose text and JSON output is scanned.
func (s *LeakScan) Logger() *slog.Logger { return s.logger }

// Logs returns everything logged through Logger so far (text and JSON
// lines), for tests that also want to see that the client did log.
func (s *LeakScan) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// AddSecrets adds values that must not appear.
func (s *LeakScan) AddSecrets(secrets ...string) {
	s.mu.Lock()
	s.secrets = append(s.secrets, secrets...)
	s.mu.Unlock()
}

// Add records errors and returned values to scan; nil ones are skipped.
func (s *LeakScan) Add(values ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if v == nil {
			continue
		}
		if err, ok := v.(error); ok && err == nil {
			continue
		}
		s.values = append(s.values, v)
	}
}

// Check fails t for every secret found, and returns how many values it
// scanned (so a test can assert it scanned what it meant to).
func (s *LeakScan) Check(t testing.TB) int {
	t.Helper()
	s.mu.Lock()
	secrets := append([]string(nil), s.secrets...)
	values := append([]any(nil), s.values...)
	logs := s.logs.String()
	verbs := s.verbs
	if verbs == nil {
		verbs = defaultVerbs
	}
	s.mu.Unlock()
	for _, v := range values {
		if err, ok := v.(error); ok {
			if sec := findSecret(err.Error(), secrets); sec != "" {
				t.Errorf("error %T %q shows a secret (%s)", v, maskAll(err.Error(), secrets), mask(sec))
			}
		}
		for _, verb := range verbs {
			for _, form := range valueAndPointer(v) {
				if sec := findSecret(fmt.Sprintf(verb, form), secrets); sec != "" {
					t.Errorf("fmt %s of %T shows a secret (%s)", verb, form, mask(sec))
				}
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("v", "v", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("v", "v", v)
		if sec := findSecret(buf.String(), secrets); sec != "" {
			t.Errorf("slog of %T shows a secret (%s)", v, mask(sec))
		}
	}
	if sec := findSecret(logs, secrets); sec != "" {
		line := logs
		if i := strings.Index(logs, sec); i >= 0 {
			start := strings.LastIndexByte(logs[:i], '\n') + 1
			end := strings.IndexByte(logs[i:], '\n')
			if end < 0 {
				end = len(logs) - i
			}
			line = maskAll(logs[start:i+end], secrets)
		}
		t.Errorf("the client logged a secret (%s): %s", mask(sec), line)
	}
	return len(values)
}

// AllVerbs are the fmt verbs no secret may appear under; pass them to
// [LeakScan.Verbs].
var AllVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%t", "%x", "%X"}

// defaultVerbs are the verbs a LeakScan checks unless told otherwise.
var defaultVerbs = AllVerbs

// Verbs narrows the fmt verbs every value is printed with (default
// [AllVerbs]) and returns s.
func (s *LeakScan) Verbs(verbs ...string) *LeakScan {
	s.mu.Lock()
	s.verbs = append([]string(nil), verbs...)
	s.mu.Unlock()
	return s
}

type lockedWriter struct{ s *LeakScan }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.logs.Write(p)
}

// fanout sends every record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool { return f[0].Enabled(ctx, l) }

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// valueAndPointer returns v and, when v is not a pointer already, a pointer
// to a copy of it: a value method and a pointer method may print apart.
func valueAndPointer(v any) []any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() == reflect.Pointer {
		return []any{v}
	}
	p := reflect.New(rv.Type())
	p.Elem().Set(rv)
	return []any{v, p.Interface()}
}
