//go:build unix

package finch_test

// TestContractPrism validates the client's REQUESTS against Finch's
// published OpenAPI (../shared/specs/finch-openapi.yaml, beside the
// repository) with a Prism mock server: Prism checks every request against
// the spec and refuses a violation with 422 (or 401 for missing
// credentials; a lesser violation shows in an sl-violations header). The answers are Prism's examples; their 2024 schemas
// are stale (the spec's header says so: /introspect has since grown
// connection_id and connection_status), so the test asserts nothing about
// them beyond the client accepting them.
//
// Prism is never downloaded: the binary is $REAUTHKIT_PRISM, else
// <repo>/.ci/node/node_modules/.bin/prism (installed by .ci/run with
// `npm install --prefix .ci/node @stoplight/prism-cli@5.14.2`). Without
// the spec or Prism the test skips, saying what it needs, unless
// REAUTHKIT_REQUIRE_SHARED=1 / REAUTHKIT_REQUIRE_PRISM=1 make it fail.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/reauth"
)

// prismStartTimeout is generous: Prism takes seconds to start, more on a
// loaded 2-core machine.
const prismStartTimeout = 2 * time.Minute

// need skips (or, when env is "1", fails) with why.
func need(t *testing.T, env, why string) {
	t.Helper()
	if os.Getenv(env) == "1" {
		t.Fatalf("%s (%s=1)", why, env)
	}
	t.Skip(why)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		require.NotEqual(t, dir, filepath.Dir(dir), "go.mod not found")
	}
}

func prismPath(t *testing.T, root string) string {
	t.Helper()
	p := os.Getenv("REAUTHKIT_PRISM")
	if p == "" {
		p = filepath.Join(root, ".ci", "node", "node_modules", ".bin", "prism")
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		need(t, "REAUTHKIT_REQUIRE_PRISM", "contract test skipped: Prism not found at "+p+
			"; install it with `npm install --prefix .ci/node @stoplight/prism-cli@5.14.2` or set REAUTHKIT_PRISM")
	}
	return p
}

// syncBuffer collects Prism's output, written concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startPrism runs `prism mock spec` on a free loopback port and returns its
// URL once it answers; the process group is killed at cleanup.
func startPrism(t *testing.T, prism, spec string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	var logs syncBuffer
	cmd := exec.Command(prism, "mock", "-h", "127.0.0.1", "-p", fmt.Sprint(port), spec)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			t.Logf("prism output:\n%s", logs.String())
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 2 * time.Second}
	defer hc.CloseIdleConnections()
	for deadline := time.Now().Add(prismStartTimeout); ; time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("prism exited before it was ready:\n%s", logs.String())
		default:
		}
		if resp, err := hc.Get(base + "/"); err == nil {
			resp.Body.Close()
			return base
		}
		require.False(t, time.Now().After(deadline), "prism not ready after %s:\n%s", prismStartTimeout, logs.String())
	}
}

// violations records every answer's sl-violations header by operation.
type violations struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen map[string]string
}

func (v *violations) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := v.base.RoundTrip(r)
	if err == nil {
		v.mu.Lock()
		note := resp.Header.Get("sl-violations")
		if resp.StatusCode == http.StatusUnprocessableEntity {
			note += " (422: Prism refused the request)"
		}
		v.seen[r.Method+" "+r.URL.Path] = note
		v.mu.Unlock()
	}
	return resp, err
}

func (v *violations) of(op string) (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.seen[op]
	return s, ok
}

func TestContractPrism(t *testing.T) {
	root := repoRoot(t)
	spec := filepath.Join(root, "..", "shared", "specs", "finch-openapi.yaml")
	if _, err := os.Stat(spec); err != nil {
		need(t, "REAUTHKIT_REQUIRE_SHARED", "contract test skipped: "+spec+" not found (Finch's OpenAPI lives beside the repository in ../shared)")
	}
	base := startPrism(t, prismPath(t, root), spec)

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	rec := &violations{base: tr, seen: map[string]string{}}
	// The spec wants client_id as a uuid.
	const clientID = "6d28c315-5eaa-4071-8ea5-f030eb45edbc"
	c, err := finch.New(finch.Credentials{ClientID: clientID, ClientSecret: "contract-secret"},
		finch.WithBaseURL(base), finch.WithHTTPClient(&http.Client{Transport: rec, Timeout: 30 * time.Second}),
		finch.WithRetries(0, 0, 0))
	require.NoError(t, err)
	ctx := context.Background()
	const token = "contract-access-token"

	calls := []struct {
		op   string
		call func() error
	}{
		{"GET /introspect", func() error { _, err := c.Introspect(ctx, token); return err }},
		{"POST /auth/token", func() error { _, err := c.ExchangeCode(ctx, "contract-code", "https://app.example/cb"); return err }},
		{"GET /employer/company", func() error { _, err := c.Company(ctx, token); return err }},
		{"POST /disconnect", func() error { return c.Disconnect(ctx, token) }},
		{"POST /connect/sessions", func() error {
			_, err := c.NewConnectSession(ctx, finch.ConnectSessionRequest{
				CustomerID: "cust-1", CustomerName: "Acme Inc.", CustomerEmail: "payroll@acme.example",
				Products: []string{finch.ProductCompany, finch.ProductDirectory}, MinutesToExpire: 60,
				RedirectURI: "https://app.example/cb", Sandbox: "finch", Manual: true,
				Integration: &finch.Integration{Provider: "gusto", AuthMethod: finch.AuthCredential},
			})
			return err
		}},
		{"POST /connect/sessions/reauthenticate", func() error {
			_, err := c.Begin(ctx, reauth.Request{ConnectionID: "conn-1", RedirectURI: "https://app.example/cb"})
			return err
		}},
	}
	for _, tc := range calls {
		err := tc.call()
		assert.NoError(t, err, "%s: Prism refused the request", tc.op)
		v, ok := rec.of(tc.op)
		assert.True(t, ok, "%s was sent", tc.op)
		assert.Empty(t, v, "%s: request violates Finch's spec", tc.op)
	}

	// The check can fail: requests that break the spec are flagged.
	raw := func(method, path string, h http.Header, body string) *http.Response {
		req, err := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
		require.NoError(t, err)
		req.Header = h
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	resp := raw(http.MethodGet, "/introspect", http.Header{"Authorization": {"Bearer " + token}}, "")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "a missing Finch-API-Version is refused")
	resp = raw(http.MethodPost, "/connect/sessions", http.Header{
		"Authorization": {"Basic Y2xpZW50OnNlY3JldA=="}, "Finch-Api-Version": {finch.APIVersion}, "Content-Type": {"application/json"},
	}, `{"customer_name":"Acme","products":["company"]}`)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "a missing customer_id is refused")
}
