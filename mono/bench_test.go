package mono_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// Benchmarks against the simulator on loopback (its 5-minute session limit
// off). BenchmarkMonoRawHTTP does Begin's exchange (v2: open the session;
// v1: reauthorise, then create the session) with plain net/http and
// encoding/json the way a careful user would; compare its ns/op with
// BenchmarkMonoBegin's:
//
//	go test ./mono/ -run=^$ -bench=Mono -benchmem -count=5

func benchServer() *monotest.Server { return monotest.NewServer(monotest.WithSessionInterval(0)) }

func benchClient(b *testing.B, srv *monotest.Server, opts ...mono.Option) *mono.Client {
	c, err := mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, append(opts, mono.WithBaseURL(srv.URL))...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// generations are the client options of each Mono API generation.
var generations = []struct {
	name string
	opts []mono.Option
}{{"v2", nil}, {"v1", []mono.Option{mono.WithPartnersAPIV1()}}}

func BenchmarkMonoBegin(b *testing.B) {
	for _, g := range generations {
		b.Run(g.name, func(b *testing.B) {
			srv := benchServer()
			defer srv.Close()
			c := benchClient(b, srv, g.opts...)
			ctx := context.Background()
			req := reauth.Request{ConnectionID: monotest.AccountOTP}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				flow, err := c.Begin(ctx, req)
				if err != nil || flow.Step != reauth.StepInput {
					b.Fatal(flow, err)
				}
				if i%1024 == 1023 {
					srv.ResetLog()
				}
			}
		})
	}
}

func BenchmarkMonoContinue(b *testing.B) {
	for _, g := range generations {
		b.Run(g.name, func(b *testing.B) { benchContinue(b, g.opts...) })
	}
}

func benchContinue(b *testing.B, opts ...mono.Option) {
	srv := benchServer()
	defer srv.Close()
	c := benchClient(b, srv, opts...)
	ctx := context.Background()
	req := reauth.Request{ConnectionID: monotest.AccountOTP}
	reply := reauth.Reply{Inputs: map[string]string{"otp": srv.OTP()}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		flow, err := c.Begin(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if i%1024 == 1023 {
			srv.ResetLog()
		}
		b.StartTimer()
		done, err := c.Continue(ctx, flow, reply)
		if err != nil || done.Step != reauth.StepDone {
			b.Fatal(done, err)
		}
	}
}

// rawSession is what a careful user decodes from the session answer.
type rawSession struct {
	ID        string `json:"id"`
	ExpiresAt int64  `json:"expiresAt"`
	UI        struct {
		Title string `json:"title"`
		Form  []struct {
			Type        string `json:"type"`
			Name        string `json:"name"`
			Hint        string `json:"hint"`
			ContentType string `json:"contentType"`
			MaxLength   int    `json:"maxLength"`
		} `json:"form"`
	} `json:"ui"`
	Reauth struct {
		ResponseCode int    `json:"response_code"`
		Message      string `json:"message"`
	} `json:"reauth"`
}

func rawPost(ctx context.Context, hc *http.Client, url, key string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("mono-sec-key", key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}

// rawStep is what a careful user decodes from a v2 session answer.
type rawStep struct {
	Data struct {
		ID           string `json:"id"`
		ResponseCode int    `json:"responseCode"`
		UserInput    struct {
			Title string `json:"title"`
			Form  []struct {
				Name        string `json:"name"`
				Hint        string `json:"hint"`
				ContentType string `json:"contentType"`
				MaxLength   int    `json:"maxLength"`
			} `json:"form"`
		} `json:"userInput"`
	} `json:"data"`
}

func BenchmarkMonoRawHTTP(b *testing.B) {
	srv := benchServer()
	defer srv.Close()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100}}
	defer hc.CloseIdleConnections()
	ctx := context.Background()
	key := srv.SecretKey()
	b.Run("v2", func(b *testing.B) {
		body := []byte(`{"account":"` + monotest.AccountOTP + `"}`)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var s rawStep
			if err := rawPost(ctx, hc, srv.URL+"/v2/connect/reauth/session", key, body, &s); err != nil {
				b.Fatal(err)
			}
			if s.Data.ID == "" || s.Data.ResponseCode != 102 {
				b.Fatal("unexpected session")
			}
			if i%1024 == 1023 {
				srv.ResetLog()
			}
		}
	})
	b.Run("v1", func(b *testing.B) { benchRawV1(b, ctx, hc, srv) })
}

// BenchmarkMonoBeginVsRawHTTP alternates one SDK Begin (v2) and its
// hand-written exchange per iteration, so that the ratio holds on a busy
// machine.
func BenchmarkMonoBeginVsRawHTTP(b *testing.B) {
	srv := benchServer()
	defer srv.Close()
	c := benchClient(b, srv)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 100}}
	defer hc.CloseIdleConnections()
	ctx := context.Background()
	key := srv.SecretKey()
	req := reauth.Request{ConnectionID: monotest.AccountOTP}
	body := []byte(`{"account":"` + monotest.AccountOTP + `"}`)
	n := 0
	reauthtest.Interleave(b, func() error {
		_, err := c.Begin(ctx, req)
		return err
	}, func() error {
		var s rawStep
		if n++; n%1024 == 0 {
			srv.ResetLog()
		}
		return rawPost(ctx, hc, srv.URL+"/v2/connect/reauth/session", key, body, &s)
	})
}

func benchRawV1(b *testing.B, ctx context.Context, hc *http.Client, srv *monotest.Server) {
	key := srv.SecretKey()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var tok struct {
			Token string `json:"token"`
		}
		if err := rawPost(ctx, hc, srv.URL+"/accounts/"+monotest.AccountOTP+"/reauthorise", key, nil, &tok); err != nil {
			b.Fatal(err)
		}
		body, err := json.Marshal(map[string]string{"reauth_token": tok.Token})
		if err != nil {
			b.Fatal(err)
		}
		var s rawSession
		if err := rawPost(ctx, hc, srv.URL+"/v1/connect/session", key, body, &s); err != nil {
			b.Fatal(err)
		}
		if s.ID == "" || s.Reauth.ResponseCode != 102 {
			b.Fatal("unexpected session")
		}
		if i%1024 == 1023 {
			srv.ResetLog()
		}
	}
}

// BenchmarkCheckResponse: a healthy 2xx data answer (the common case: a
// header look-up and a peek for the signal) and a re-auth error answer.
func BenchmarkCheckResponse(b *testing.B) {
	ok := []byte(`{"status":"successful","message":"Transaction retrieved successfully","data":[{"id":"txn_1","narration":"POS","amount":520000,"type":"debit"}],"meta":{"total":1}}`)
	bad := []byte(`{"status":"failed","message":"This account requires reauthorisation","code":"REAUTHORISATION_REQUIRED","data":null}`)
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
	}{{"2xx", 200, ok}, {"reauth", 400, bad}} {
		b.Run(tc.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, "https://api.withmono.com/v2/accounts/acc/transactions", nil)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				resp := &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(tc.body)), Request: req}
				err := mono.CheckResponse(resp)
				if (err == nil) != (tc.status == 200) {
					b.Fatal(err)
				}
			}
		})
	}
}
