package truelayer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
	"github.com/reauthkit/reauthkit/truelayer/truelayertest"
)

func benchSetup(b *testing.B) (*truelayer.Client, *truelayertest.Server, truelayertest.Connection) {
	b.Helper()
	srv := truelayertest.NewServer()
	b.Cleanup(srv.Close)
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		b.Fatal(err)
	}
	conn := srv.Connect(redirectURI)
	srv.ExpireConsent(conn.CredentialsID, time.Hour)
	return c, srv, conn
}

// BenchmarkTrueLayerBegin: Begin (POST /v1/reauthuri) on loopback.
func BenchmarkTrueLayerBegin(b *testing.B) {
	c, _, conn := benchSetup(b)
	ctx := context.Background()
	req := reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Begin(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrueLayerContinue: Continue (POST /connect/token with a fresh
// code) on loopback; the simulated user's approval is not timed.
func BenchmarkTrueLayerContinue(b *testing.B) {
	c, srv, conn := benchSetup(b)
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.CredentialsID, Token: conn.RefreshToken, RedirectURI: redirectURI})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cb, err := srv.Approve(ctx, flow.URL)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrueLayerRawHTTP is Begin's exchange written by hand with
// net/http and encoding/json, as a careful user would: one reused client,
// a random state, the JSON body, status check, bounded read, body closed.
func BenchmarkTrueLayerRawHTTP(b *testing.B) {
	_, srv, conn := benchSetup(b)
	ctx := context.Background()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: tr}
	b.Cleanup(hc.CloseIdleConnections)
	endpoint := srv.AuthURL() + "/v1/reauthuri"
	type body struct {
		ResponseType string `json:"response_type"`
		RefreshToken string `json:"refresh_token"`
		RedirectURI  string `json:"redirect_uri"`
		State        string `json:"state,omitempty"`
	}
	do := func() (string, error) {
		var st [16]byte
		_, _ = rand.Read(st[:])
		payload, err := json.Marshal(body{"code", conn.RefreshToken, redirectURI, base64.RawURLEncoding.EncodeToString(st[:])})
		if err != nil {
			return "", err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d", resp.StatusCode)
		}
		var out struct {
			Success bool   `json:"success"`
			Result  string `json:"result"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return "", err
		}
		if !out.Success {
			return "", fmt.Errorf("refused")
		}
		return out.Result, nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := do(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConnectionReuse: concurrent Begins reuse pooled TCP connections
// instead of opening one per request. The bound is twice the goroutines,
// not exactly the goroutines: net/http returns a connection to the pool
// from its read loop, after the caller already saw EOF, so a goroutine's
// next request may start a dial that races the connection coming back
// (observed: 19 connections for 16 goroutines under load).
func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	srv := truelayertest.NewServer()
	t.Cleanup(srv.Close)
	c, err := truelayer.New(truelayer.Credentials{ClientID: srv.ClientID(), ClientSecret: srv.ClientSecret()},
		truelayer.WithAuthURL(srv.AuthURL()), truelayer.WithAPIURL(srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	conn := srv.Connect(redirectURI)
	const goroutines, each = 16, 10
	errs := make(chan error, goroutines*each)
	done := make(chan struct{})
	for g := 0; g < goroutines; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < each; i++ {
				_, err := c.Begin(context.Background(), reauth.Request{Token: conn.RefreshToken, RedirectURI: redirectURI})
				errs <- err
			}
		}()
	}
	for g := 0; g < goroutines; g++ {
		<-done
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Connections(); n > 2*goroutines {
		t.Errorf("%d TCP connections for %d goroutines", n, goroutines)
	}
	if n := srv.Count(truelayertest.RouteReauthURI); n != goroutines*each {
		t.Errorf("%d requests; want %d", n, goroutines*each)
	}
}

// BenchmarkTokenSourceFresh: Token on a fresh pair (the path every data
// call takes between refreshes).
func BenchmarkTokenSourceFresh(b *testing.B) {
	c, srv, _ := benchSetup(b)
	conn := srv.Connect(redirectURI)
	ts := c.TokenSource(reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(time.Hour)})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ts.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckResponse403: classifying a consent-expired data answer.
func BenchmarkCheckResponse403(b *testing.B) {
	const body = `{"error":"access_denied","error_description":"Consent expired or revoked"}`
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := truelayer.CheckResponse(answer(403, "application/json", body)); err == nil {
			b.Fatal("no error")
		}
	}
}

// BenchmarkTokenSourceTransport: a data call through Transport with a
// fresh pair (no store read, no refresh), against the simulator.
func BenchmarkTokenSourceTransport(b *testing.B) {
	c, srv, _ := benchSetup(b)
	conn := srv.Connect(redirectURI)
	ts := c.TokenSource(reauth.Credentials{AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken, ExpiresAt: time.Now().Add(time.Hour)})
	hc := &http.Client{Transport: ts.Transport(nil)}
	b.Cleanup(hc.CloseIdleConnections)
	url := srv.APIURL() + "/data/v1/accounts"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := hc.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
}
