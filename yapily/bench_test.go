package yapily_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// benchSetup starts a simulator with one consent and an SDK client with the
// default (pooled, connection-reusing) HTTP client.
func benchSetup(b *testing.B) (*yapilytest.Server, *yapily.Client, yapilytest.Consent) {
	b.Helper()
	srv := yapilytest.NewServer()
	b.Cleanup(srv.Close)
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	return srv, c, srv.AddConsent(yapilytest.ConsentSpec{})
}

func BenchmarkYapilyBegin(b *testing.B) {
	_, c, consent := benchSetup(b)
	ctx := context.Background()
	req := reauth.Request{ConnectionID: consent.ID, Token: consent.Token, UserIP: "203.0.113.1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Begin(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkYapilyContinue(b *testing.B) {
	_, c, consent := benchSetup(b)
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// the user has not acted: Continue reads the consent and returns the flow
		if _, err := c.Continue(ctx, flow, reauth.Reply{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkYapilyRawHTTP is Begin's exchange written by hand with net/http
// and encoding/json, as a careful user would: one reused client, Basic auth,
// the consent and psu-ip-address headers, the body read and closed, the
// status checked and the fields Begin needs decoded.
func BenchmarkYapilyRawHTTP(b *testing.B) {
	srv, _, consent := benchSetup(b)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.Cleanup(hc.CloseIdleConnections)
	ctx := context.Background()
	type answer struct {
		Meta struct {
			TracingID string `json:"tracingId"`
		} `json:"meta"`
		Data struct {
			ID               string    `json:"id"`
			Status           string    `json:"status"`
			State            string    `json:"state"`
			AuthorizedAt     time.Time `json:"authorizedAt"`
			ExpiresAt        time.Time `json:"expiresAt"`
			AuthorisationURL string    `json:"authorisationUrl"`
			QRCodeURL        string    `json:"qrCodeUrl"`
		} `json:"data"`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, srv.URL+"/account-auth-requests", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.SetBasicAuth(yapilytest.ApplicationID, yapilytest.ApplicationSecret)
		req.Header.Set("consent", consent.Token)
		req.Header.Set("psu-ip-address", "203.0.113.1")
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated {
			b.Fatal(fmt.Errorf("status %d", resp.StatusCode))
		}
		var a answer
		if err := json.Unmarshal(body, &a); err != nil || a.Data.AuthorisationURL == "" {
			b.Fatal("bad answer", err)
		}
	}
}
