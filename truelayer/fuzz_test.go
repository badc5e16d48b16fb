package truelayer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
)

// fuzzVerifier verifies against the published JWKS served from memory.
func fuzzVerifier(f *testing.F) *truelayer.WebhookVerifier {
	jwks, err := os.ReadFile("testdata/jwks.json")
	if err != nil {
		f.Fatal(err)
	}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewBytesResponder(200, jwks))
	now, _ := time.Parse(time.RFC3339, vectorTS)
	v, err := truelayer.NewWebhookVerifier(
		truelayer.WithWebhookHTTPClient(&http.Client{Transport: mt}),
		truelayer.WithWebhookClock(func() time.Time { return now }),
	)
	if err != nil {
		f.Fatal(err)
	}
	return v
}

// FuzzWebhookVerify feeds arbitrary signature headers, timestamps, paths
// and bodies: no panic, and only the genuine vector is accepted.
func FuzzWebhookVerify(f *testing.F) {
	sig, err := os.ReadFile("testdata/webhook-signature.txt")
	if err != nil {
		f.Fatal(err)
	}
	genuine := strings.TrimSpace(string(sig))
	f.Add(genuine, vectorTS, vectorPath, []byte(vectorBody))
	f.Add(genuine, "2021-12-02T14:18:00Z", vectorPath, []byte(vectorBody))
	f.Add("", "", "/", []byte(nil))
	f.Add("..", vectorTS, "/x", []byte("{}"))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES512","kid":"45fc75cf-5649-4134-84b3-192c2c78e990","tl_version":"2","tl_headers":"X-Tl-Webhook-Timestamp","jku":"https://webhooks.truelayer.com/.well-known/jwks"}`))+"..AAAA", vectorTS, vectorPath, []byte(vectorBody))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES512","tl_headers":",,,X-Tl-Webhook-Timestamp,,Content-Type,"}`))+"..x", vectorTS, "", []byte("[]"))
	v := fuzzVerifier(f)
	f.Fuzz(func(t *testing.T, sig, ts, path string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "https://app.example/", bytes.NewReader(body))
		r.URL.Path = path
		r.RequestURI = path
		r.Header.Set("Tl-Signature", sig)
		r.Header.Set("X-Tl-Webhook-Timestamp", ts)
		r.Header.Set("Content-Type", "application/json")
		ev, err := v.Verify(context.Background(), r, body)
		if err == nil {
			if ev == nil {
				t.Fatal("nil event without error")
			}
			if sig != genuine || (string(body) != vectorBody) {
				t.Fatalf("accepted a forged delivery: sig %q body %q", sig, body)
			}
			return
		}
		if !errors.Is(err, reauth.ErrInvalidSignature) && !errors.Is(err, reauth.ErrInvalidPayload) && !errors.Is(err, reauth.ErrProviderUnavailable) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

// fuzzClient answers every request with the fuzzed status and body.
func fuzzClient(t *testing.T, status int, body []byte) *truelayer.Client {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		r := httpmock.NewBytesResponse(status, body)
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	})
	c, err := truelayer.New(truelayer.Credentials{ClientID: "id", ClientSecret: "secret"},
		truelayer.WithHTTPClient(&http.Client{Transport: mt}), truelayer.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fuzzStatus(s uint16) int { return 200 + int(s)%400 }

// FuzzResponseDecoders feeds arbitrary answers to every endpoint: no panic,
// and either a value or an error.
func FuzzResponseDecoders(f *testing.F) {
	for _, s := range []string{
		`{"success":true,"result":"https://bank"}`, `{"success":false}`,
		`{"access_token":"a","refresh_token":"r","expires_in":"3600","token_type":"Bearer","scope":"x"}`,
		`{"access_token":"a","expires_in":1e400}`,
		`{"action_needed":"no_action_needed","access_token":"a","refresh_token":"r"}`,
		`{"action_needed":"authentication_needed","user_input_link":"https://x"}`,
		`{"results":[{"credentials_id":"c","consent_expires_at":1767225600000,"scopes":[1,"a"]}],"status":"x"}`,
		`{"error":"invalid_grant","error_description":"x","error_details":{"a":[1]}}`,
		`{"error":{"code":"x","message":"y"}}`,
		`{"type":"t","title":"Forbidden","status":"403","trace_id":"t","errors":{"a":["b"]}}`,
		`null`, `[]`, `{"results":null}`, "",
	} {
		f.Add(uint16(0), []byte(s))
		f.Add(uint16(203), []byte(s))
	}
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		status := fuzzStatus(st)
		c := fuzzClient(t, status, body)
		ctx := context.Background()
		check := func(ok bool, err error) {
			if ok == (err != nil) {
				t.Fatalf("status %d: value %v with error %v", status, ok, err)
			}
		}
		link, err := c.ReauthURI(ctx, truelayer.ReauthURIRequest{RefreshToken: "rt", RedirectURI: "https://app/cb"})
		check(link != "", err)
		tok, err := c.RefreshToken(ctx, "rt")
		check(tok != nil, err)
		tok, err = c.ExchangeCode(ctx, "code", "https://app/cb", "")
		check(tok != nil, err)
		ext, err := c.ExtendConnection(ctx, truelayer.ExtendRequest{RefreshToken: "rt", RedirectURI: "https://app/cb",
			UserHasReconfirmedConsent: true, User: truelayer.User{ID: "u", Name: "n", Email: "e"}})
		check(ext != nil, err)
		me, err := c.Me(ctx, "at")
		check(me != nil, err)
		h, err := c.Inspect(ctx, reauth.Request{Token: "at"})
		check(h != nil, err)
		if err == nil && status >= 300 && h.State != reauth.NeedsReauth {
			t.Fatalf("status %d gave health %v", status, h.State)
		}
	})
}

// FuzzCallback feeds arbitrary callback queries to Continue: no panic, no
// request unless the state matches and a code is present, never done
// without a code exchange.
func FuzzCallback(f *testing.F) {
	f.Add("state=s-1&code=abc")
	f.Add("state=s-1&error=access_denied&error_description=no")
	f.Add("state=s-2&code=abc")
	f.Add("code=abc")
	f.Add("state=s-1&exchange_code=x")
	f.Add("state=s-1&state=s-2&code=")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, query string) {
		mt := httpmock.NewMockTransport()
		mt.RegisterNoResponder(httpmock.NewStringResponder(200, `{"access_token":"a","refresh_token":"r","expires_in":3600}`))
		c, err := truelayer.New(truelayer.Credentials{ClientID: "id", ClientSecret: "secret"},
			truelayer.WithHTTPClient(&http.Client{Transport: mt}), truelayer.WithRetries(0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		flow := &reauth.Flow{Provider: reauth.TrueLayer, Step: reauth.StepRedirect, State: "s-1", URL: "https://bank",
			Resume: map[string]string{"redirect_uri": "https://app/cb", "mode": "reauthuri"}}
		cb, _ := parseQuery(query)
		next, err := c.Continue(context.Background(), flow, reauth.Reply{Callback: cb})
		calls := mt.GetTotalCallCount()
		if cb.Get("state") != "s-1" && calls != 0 {
			t.Fatalf("a request was sent for a foreign state %q", cb.Get("state"))
		}
		if err == nil && (next == nil || next.Step != reauth.StepDone || calls != 1) {
			t.Fatalf("no error but flow %v after %d calls", next, calls)
		}
	})
}
