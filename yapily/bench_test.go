package yapily_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// BenchmarkYapilyInspectAll walks 1,000 consents in pages of 100 (ten
// requests): the cost per consent of a sweep source.
func BenchmarkYapilyInspectAll(b *testing.B) {
	srv, c, _ := benchSetup(b)
	for i := 1; i < 1000; i++ {
		srv.AddConsent(yapilytest.ConsentSpec{})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, err := range c.InspectAll(ctx, yapily.ConsentFilter{Limit: 100}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			b.Fatalf("%d consents", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/consent")
}

// BenchmarkYapilyCheckResponse classifies a 403 data answer and leaves its
// body readable.
func BenchmarkYapilyCheckResponse(b *testing.B) {
	body := `{"error":{"code":403,"status":"FORBIDDEN","message":"The consent is no longer authorised","source":"YAPILY","tracingId":"t1"}}`
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		resp := &http.Response{StatusCode: 403, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		if yapily.CheckResponse(resp) == nil {
			b.Fatal("nil")
		}
	}
}
