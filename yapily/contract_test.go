//go:build unix

package yapily_test

// The contract test runs the client against Prism mock servers built from
// Yapily's own OpenAPI documents: the seed document for PATCH
// /account-auth-requests (../shared/seeds/002_*.txt, the YAML between its
// ```yaml fences) and the complete spec (../shared/specs/yapily-openapi.json)
// for GET, extend and DELETE /consents/{consentId}, GET /consents and the
// POST /consent-auth-code and /consent-one-time-token exchanges. Prism validates every
// request against the spec (a violation is a 422 with sl-violations) and
// answers with the spec's examples, which the client must decode fully.
//
// Prism is @stoplight/prism-cli 5.14.2 (the newest release that supports
// Node 20), installed by .ci/run with
//
//	npm install --prefix .ci/node @stoplight/prism-cli@5.14.2
//
// The test runs $REAUTHKIT_PRISM, else <repo>/.ci/node/node_modules/.bin/prism,
// and never downloads anything. Without Prism or without ../shared it skips
// saying what it needs; REAUTHKIT_REQUIRE_PRISM=1 and
// REAUTHKIT_REQUIRE_SHARED=1 turn those skips into failures.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
)

// PrismVersion is the pinned @stoplight/prism-cli version.
const PrismVersion = "5.14.2"

// prismStartTimeout bounds Prism's start; it takes a few seconds on the full
// spec, the bound is generous for a loaded 2-core CI machine.
const prismStartTimeout = 3 * time.Minute

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("contract test: go.mod not found above the package directory")
		}
		dir = parent
	}
}

// prismCommand returns the Prism binary: $REAUTHKIT_PRISM, else the copy
// .ci/run installs under <repo>/.ci/node. The test never downloads Prism:
// without it the test skips, or fails under REAUTHKIT_REQUIRE_PRISM=1.
func prismCommand(t *testing.T, root string) string {
	t.Helper()
	path := os.Getenv("REAUTHKIT_PRISM")
	if path == "" {
		path = filepath.Join(root, ".ci", "node", "node_modules", ".bin", "prism")
	}
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		return path
	}
	need(t, "REAUTHKIT_REQUIRE_PRISM", "contract test needs Prism at %s (set REAUTHKIT_PRISM, or install it with "+
		"`npm install --prefix .ci/node @stoplight/prism-cli@%s`)", path, PrismVersion)
	return ""
}

// need skips the test saying what it needs, or fails it when the variable
// env is "1" (CI sets it so that missing material cannot pass silently).
func need(t *testing.T, env, format string, args ...any) {
	t.Helper()
	if os.Getenv(env) == "1" {
		t.Fatalf(format+" ("+env+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// sharedFile finds a file of ../shared (beside the repository) by glob; a
// fresh clone has no ../shared, and the test skips.
func sharedFile(t *testing.T, root, glob string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(root, "..", "shared", glob))
	if len(matches) == 0 {
		need(t, "REAUTHKIT_REQUIRE_SHARED", "contract test needs ../shared/%s beside the repository", glob)
	}
	return matches[0]
}

// seedYAML extracts the OpenAPI document between the ```yaml fences of the
// seed (its fences are four backticks long).
func seedYAML(t *testing.T, seed []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	in := false
	sc := bufio.NewScanner(bytes.NewReader(seed))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && strings.HasPrefix(trimmed, "```") && strings.HasPrefix(strings.TrimLeft(trimmed, "`"), "yaml"):
			in = true
		case in && strings.HasPrefix(trimmed, "```"):
			in = false
		case in:
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	require.NoError(t, sc.Err())
	require.NotZero(t, out.Len(), "no ```yaml block in the seed")
	return out.Bytes()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// startPrism runs `prism mock` on spec and returns its base URL once it
// answers. The process group is killed in t.Cleanup. Prism's output goes
// to one buffer, written by one goroutine (exec does so when stdout and
// stderr are the same writer) and read only once Prism has exited.
func startPrism(t *testing.T, prism, spec string) string {
	t.Helper()
	port := freePort(t)
	var logs bytes.Buffer
	cmd := exec.Command(prism, "mock", "-p", fmt.Sprint(port), "-h", "127.0.0.1", spec)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := sync.OnceValue(func() error { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); return <-exited })
	t.Cleanup(func() {
		if stop(); t.Failed() {
			t.Logf("prism output (%s):\n%s", filepath.Base(spec), logs.String())
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 2 * time.Second}
	defer hc.CloseIdleConnections()
	for deadline := time.Now().Add(prismStartTimeout); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := hc.Get(base + "/"); err == nil {
			resp.Body.Close()
			return base // any HTTP answer (404 for /) means it listens
		}
		select {
		case err := <-exited:
			exited <- err // for stop
			t.Fatalf("prism exited before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism not ready after %s", prismStartTimeout) // stop, then the output, in the cleanup
		}
	}
}

func prismClient(t *testing.T, base string) (*yapily.Client, *http.Client) {
	t.Helper()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := yapily.New(yapily.Credentials{ApplicationID: "contract-app", ApplicationSecret: "contract-secret"},
		yapily.WithBaseURL(base), yapily.WithHTTPClient(hc), yapily.WithRetries(0, 0, 0))
	require.NoError(t, err)
	return c, hc
}

func TestContractPrism(t *testing.T) {
	root := repoRoot(t)
	prism := prismCommand(t, root)
	seed, err := os.ReadFile(sharedFile(t, root, "seeds/002_*.txt"))
	require.NoError(t, err)
	specPath := sharedFile(t, root, "specs/yapily-openapi.json")
	seedPath := filepath.Join(t.TempDir(), "reauthorise.yaml")
	require.NoError(t, os.WriteFile(seedPath, seedYAML(t, seed), 0o600))

	t.Run("SeedReauthoriseConsent", func(t *testing.T) {
		t.Parallel()
		base := startPrism(t, prism, seedPath)
		c, hc := prismClient(t, base)
		ctx := context.Background()

		got, err := c.ReauthoriseConsent(ctx, "contract-consent-token", yapily.PSU{ID: "psu", CorporateID: "corp", IPAddress: "203.0.113.9"})
		require.NoError(t, err, "Prism refused the request or the client could not decode its example")
		ms := func(s string) time.Time {
			v, err := time.Parse(time.RFC3339Nano, s)
			require.NoError(t, err)
			return v.UTC()
		}
		want := &yapily.AccountAuthorisation{Consent: yapily.Consent{
			ID:                   "2812b61c-9d0b-4730-8c94-22c18918e66a",
			UserUUID:             "3ddf5dd0-aa48-4d0f-baa7-fa057e9e911d",
			ApplicationUserID:    "string",
			InstitutionID:        "modelo-sandbox",
			Status:               yapily.StatusAwaitingReAuthorization,
			CreatedAt:            ms("2021-06-09T08:22:50.135Z"),
			FeatureScope:         []string{"ACCOUNT_STATEMENT_FILE", "ACCOUNT_TRANSACTIONS", "ACCOUNT_STATEMENTS", "ACCOUNTS", "ACCOUNT"},
			State:                "0623e536c5044b4aa3f6c66e7537bee0",
			AuthorizedAt:         ms("2021-06-09T08:23:03.944Z"),
			InstitutionConsentID: "aac-f7847e99-7c66-4bb8-8641-61a24057f2e8",
			TracingID:            "8719f9c97272463d9c2d1ee6108c8e24",
		},
			AuthorisationURL: seedScalar(t, seed, "authorisationUrl"),
			QRCodeURL:        "https://images.yapily.com/image/4ef6e16c-dbe2-4d90-9e1b-868d946082ef/1623227001?size=0",
		}
		assert.True(t, strings.HasPrefix(want.AuthorisationURL, "https://ob19-auth1-ui.o3bank.co.uk/auth?client_id="))
		assert.Equal(t, want, got)

		// The adapter on the same answer: a redirect flow to the bank.
		flow, err := c.Begin(ctx, reauth.Request{ConnectionID: want.ID, Token: "contract-consent-token", UserIP: "203.0.113.9"})
		require.NoError(t, err)
		assert.Equal(t, want.AuthorisationURL, flow.URL)
		assert.Equal(t, want.QRCodeURL, flow.QRCodeURL)

		// Prism rejects requests that break the spec.
		raw := func(method string, header http.Header) *http.Response {
			req, err := http.NewRequest(method, base+"/account-auth-requests", nil)
			require.NoError(t, err)
			req.SetBasicAuth("contract-app", "contract-secret")
			for k, v := range header {
				req.Header[k] = v
			}
			resp, err := hc.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			return resp
		}
		resp := raw(http.MethodPatch, nil) // no consent header
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("sl-violations"), "consent")
		resp = raw(http.MethodPost, http.Header{"Consent": {"x"}}) // wrong method
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		resp = raw(http.MethodPatch, http.Header{"Consent": {"x"}}) // the same request with the header passes
		assert.Equal(t, http.StatusCreated, resp.StatusCode)
		resp = raw(http.MethodPatch, http.Header{"Consent": {"x"}, "Sub-Application": {"not-a-uuid"}})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "sub-application must be a UUID")
	})

	t.Run("FullSpecConsents", func(t *testing.T) {
		t.Parallel()
		spec, err := os.ReadFile(specPath)
		require.NoError(t, err)
		examples := specExamples(t, spec)
		base := startPrism(t, prism, specPath)
		c, _ := prismClient(t, base)
		ctx := context.Background()
		id := "56a42244-414a-4b52-8c4f-4ad2a50e82fe"

		getEx := examples["consent-get-example-response"]
		got, err := c.GetConsent(ctx, id)
		require.NoError(t, err)
		assertConsentMatches(t, getEx, got)

		ext, err := c.ExtendConsent(ctx, id, time.Date(2021, 7, 8, 10, 59, 53, 288e6, time.UTC))
		require.NoError(t, err)
		assertConsentMatches(t, getEx, ext)

		del, err := c.DeleteConsent(ctx, id)
		require.NoError(t, err)
		delEx := examples["consent-delete-example-response"]
		d := delEx["data"].(map[string]any)
		assert.Equal(t, &yapily.ConsentDeletion{
			ID:                   d["id"].(string),
			DeleteStatus:         yapily.DeleteStatus(d["deleteStatus"].(string)),
			InstitutionID:        d["institutionId"].(string),
			InstitutionConsentID: d["institutionConsentId"].(string),
			CreationDate:         mustTime(t, d["creationDate"].(string)),
			TracingID:            delEx["meta"].(map[string]any)["tracingId"].(string),
		}, del)

		// The sweep's list call, with filter[status] and paging, passes
		// Prism's validation and decodes the spec's example.
		page, err := c.ListConsents(ctx, yapily.ConsentFilter{
			ApplicationUserIDs: []string{"user-1"},
			Statuses:           []yapily.AuthorisationStatus{yapily.StatusExpired, yapily.StatusAwaitingReAuthorization},
			Institutions:       []string{"modelo-sandbox"},
			Limit:              2, Offset: 4,
		})
		require.NoError(t, err)
		listEx := examples["consents-example-response"]
		require.Len(t, page.Consents, len(listEx["data"].([]any)))
		assert.Equal(t, listEx["data"].([]any)[0].(map[string]any)["id"], page.Consents[0].ID)
		assert.Equal(t, 1, page.TotalCount)
		healths := 0
		for h, err := range c.InspectAll(ctx, yapily.ConsentFilter{Limit: 10}) {
			require.NoError(t, err)
			assert.NotEmpty(t, h.ConnectionID)
			healths++
		}
		assert.Equal(t, len(page.Consents), healths)

		// The own-licence and one-time-token exchanges: bare Consent answers.
		for name, exchange := range map[string]func() (*yapily.Consent, error){
			"consent-auth-code-example-response": func() (*yapily.Consent, error) {
				return c.ExchangeAuthCode(ctx, "6b965fbb-ff09-4afa-b897-90c34797cb8f", "1270cb2ffc4842b78953afa2228e0a87")
			},
			"consent-one-time-token-example-response": func() (*yapily.Consent, error) {
				return c.ExchangeOneTimeToken(ctx, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.e30.sig")
			},
		} {
			got, err := exchange()
			require.NoError(t, err, name)
			ex := examples[name]
			assert.Equal(t, ex["id"], got.ID, name)
			assert.Equal(t, ex["consentToken"], got.ConsentToken, name)
			assert.Equal(t, yapily.StatusAuthorized, got.Status, name)
		}

		// The adapter's Inspect reads the same consent.
		h, err := c.Inspect(ctx, reauth.Request{ConnectionID: id})
		require.NoError(t, err)
		assert.Equal(t, string(yapily.StatusAuthorized), h.ProviderStatus)

		// A consent id that breaks the spec (format uuid) is refused by Prism.
		_, err = c.GetConsent(ctx, "not-a-uuid")
		var apiErr *reauth.APIError
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Equal(t, http.StatusUnprocessableEntity, apiErr.StatusCode)
		assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	})
}

// seedScalar returns the one-line folded scalar following "key: >-" in the
// seed's example.
func seedScalar(t *testing.T, seed []byte, key string) string {
	t.Helper()
	lines := strings.Split(string(seed), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == key+": >-" && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	t.Fatalf("seed has no %s", key)
	return ""
}

func specExamples(t *testing.T, spec []byte) map[string]map[string]any {
	t.Helper()
	var doc struct {
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(spec, &doc))
	out := map[string]map[string]any{}
	for _, k := range []string{"consent-get-example-response", "consent-delete-example-response", "consents-example-response",
		"consent-auth-code-example-response", "consent-one-time-token-example-response"} {
		var v map[string]any
		require.NoError(t, json.Unmarshal(doc.Components.Examples[k].Value, &v), k)
		out[k] = v
	}
	return out
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v.UTC()
}

// assertConsentMatches compares every field of the spec's example with the
// decoded Consent.
func assertConsentMatches(t *testing.T, example map[string]any, got *yapily.Consent) {
	t.Helper()
	d := example["data"].(map[string]any)
	var scope []string
	for _, s := range d["featureScope"].([]any) {
		scope = append(scope, s.(string))
	}
	want := &yapily.Consent{
		ID:                   d["id"].(string),
		UserUUID:             d["userUuid"].(string),
		ApplicationUserID:    d["applicationUserId"].(string),
		InstitutionID:        d["institutionId"].(string),
		Status:               yapily.AuthorisationStatus(d["status"].(string)),
		CreatedAt:            mustTime(t, d["createdAt"].(string)),
		FeatureScope:         scope,
		ConsentToken:         d["consentToken"].(string),
		State:                d["state"].(string),
		AuthorizedAt:         mustTime(t, d["authorizedAt"].(string)),
		LastConfirmedAt:      mustTime(t, d["lastConfirmedAt"].(string)),
		ReconfirmBy:          mustTime(t, d["reconfirmBy"].(string)),
		InstitutionConsentID: d["institutionConsentId"].(string),
		TracingID:            example["meta"].(map[string]any)["tracingId"].(string),
	}
	assert.Len(t, d, 13, "the example has fields this test does not compare")
	assert.Equal(t, want, got)
}
