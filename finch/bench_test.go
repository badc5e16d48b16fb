package finch_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// benchClient uses the SDK's defaults (its own pooled transport, default
// retries): what a user gets from finch.New.
func benchClient(b *testing.B, srv *finchtest.Server) *finch.Client {
	b.Helper()
	c, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkFinchBegin opens a re-authentication session for a known
// connection id: one POST /connect/sessions/reauthenticate.
func BenchmarkFinchBegin(b *testing.B) {
	srv := newSim(b)
	conn := srv.AddConnection("gusto")
	c := benchClient(b, srv)
	ctx := context.Background()
	req := reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Begin(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// rawBegin is the exchange of Begin written with net/http and
// encoding/json the way a careful user would: one reused client, the same
// headers and body, the body capped, read and closed, the answer decoded,
// a random state added to the connect URL.
type rawBegin struct {
	hc       *http.Client
	endpoint string
	auth     string
	connID   string
}

func newRawBegin(srv *finchtest.Server, connID string) *rawBegin {
	return &rawBegin{
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 100, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second,
		}},
		endpoint: srv.URL + "/connect/sessions/reauthenticate",
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte(finchtest.ClientID+":"+finchtest.ClientSecret)),
		connID:   connID,
	}
}

type rawSessionReq struct {
	ConnectionID    string `json:"connection_id"`
	MinutesToExpire int    `json:"minutes_to_expire"`
	RedirectURI     string `json:"redirect_uri"`
}

type rawSessionResp struct {
	SessionID  string `json:"session_id"`
	ConnectURL string `json:"connect_url"`
}

func (r *rawBegin) do(ctx context.Context) (string, error) {
	body, err := json.Marshal(rawSessionReq{ConnectionID: r.connID, MinutesToExpire: 43200, RedirectURI: testRedirect})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", r.auth)
	req.Header.Set("Finch-API-Version", "2020-09-17")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return "", err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	var out rawSessionResp
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", err
	}
	u, err := url.Parse(out.ConnectURL)
	if err != nil {
		return "", err
	}
	var st [16]byte
	_, _ = rand.Read(st[:])
	q := u.Query()
	q.Set("state", base64.RawURLEncoding.EncodeToString(st[:]))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// BenchmarkFinchRawHTTP is the baseline for BenchmarkFinchBegin: the same
// HTTP exchange with plain net/http (see rawBegin).
func BenchmarkFinchRawHTTP(b *testing.B) {
	srv := newSim(b)
	conn := srv.AddConnection("gusto")
	raw := newRawBegin(srv, conn.ID)
	defer raw.hc.CloseIdleConnections()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := raw.do(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFinchBeginVsRawHTTP alternates one SDK Begin and one raw
// exchange per iteration against the same simulator and reports each one's
// time and their ratio, so that load from other processes hits both alike.
func BenchmarkFinchBeginVsRawHTTP(b *testing.B) {
	srv := newSim(b)
	conn := srv.AddConnection("gusto")
	c := benchClient(b, srv)
	raw := newRawBegin(srv, conn.ID)
	defer raw.hc.CloseIdleConnections()
	ctx := context.Background()
	req := reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect}
	reauthtest.Interleave(b, func() error {
		_, err := c.Begin(ctx, req)
		return err
	}, func() error {
		_, err := raw.do(ctx)
		return err
	})
}

// BenchmarkFinchContinue exchanges a fresh code per iteration (issued
// outside the timer) and checks the connection id: one POST /auth/token.
func BenchmarkFinchContinue(b *testing.B) {
	srv := newSim(b)
	conn := srv.AddConnection("gusto")
	c := benchClient(b, srv)
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: conn.ID, RedirectURI: testRedirect})
	if err != nil {
		b.Fatal(err)
	}
	replies := make([]reauth.Reply, b.N)
	for i := range replies {
		code, ok := srv.IssueCode(conn.ID, testRedirect)
		if !ok {
			b.Fatal("no code")
		}
		replies[i] = reauth.Reply{Callback: url.Values{"code": {code}, "state": {flow.State}}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		done, err := c.Continue(ctx, flow, replies[i])
		if err != nil || done.Step != reauth.StepDone {
			b.Fatal(fmt.Sprint(err))
		}
	}
}

// BenchmarkCheckResponse classifies a 401 reauthenticate_user answer (body
// peeked and restored) and a 200 (not read).
func BenchmarkCheckResponse(b *testing.B) {
	body := []byte(`{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"The user will need to reconnect their employment system"}`)
	hdr := http.Header{"Finch-Request-Id": {"req-1"}}
	req := httptest.NewRequest(http.MethodGet, "https://api.tryfinch.com/employer/directory", nil)
	b.Run("401", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resp := &http.Response{StatusCode: 401, Header: hdr, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
			if err := finch.CheckResponse(resp); err == nil {
				b.Fatal("no error")
			}
		}
	})
	b.Run("200", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resp := &http.Response{StatusCode: 200, Header: hdr, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
			if err := finch.CheckResponse(resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
