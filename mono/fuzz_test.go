package mono

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/reauthkit/reauthkit/reauth"
)

// Fuzz targets for every decoder and parser of untrusted input. The seeds
// run with go test; run one for longer with
// go test ./mono/ -run=^$ -fuzz=^FuzzDecodeSession$ -fuzztime=30s.

const seedSessionJSON = `{"status":"successful","message":"Session created successfully","id":"session_nkgCbmtxyz","app":"61e270e2bbe2010771c0dec7","institution":"5f2d08bf60b92e2888287704","auth_method":"internet_banking","expiresAt":1657265973940,"ui":{"title":"KudaBank OTP","form":[{"type":"elements.input","name":"otp","hint":"Enter OTP","contentType":"password","maxLength":5}]},"reauth":{"response_code":102,"message":"KudaBank OTP"}}`

func FuzzDecodeSession(f *testing.F) {
	f.Add([]byte(seedSessionJSON))
	f.Add([]byte(`{"reauth":{"responseCode":"99"},"data":{"code":"c"},"expires_at":"2030-01-01T00:00:00Z","institution":{"_id":"i"}}`))
	f.Add([]byte(`{"id":"s","ui":{"form":[{"name":"account","options":[{"value":1,"label":"a"},"b",null,[1]]}]},"reauth":{"response_code":101}}`))
	f.Add([]byte(`{"ui":{"form":"nope"},"expiresAt":"x"}`))
	f.Add([]byte(`null`))
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wireSession
		if json.Unmarshal(body, &w) != nil {
			return
		}
		s := w.decode()
		_ = s.String()
		for _, el := range s.UI.Form {
			if el.MaxLength < 0 {
				t.Fatalf("negative max length %d", el.MaxLength)
			}
		}
		flow, err := c.inputFlow("op", "acc", formFields(s.UI), s.UI.Title, v1Resume(s.ID), s.ExpiresAt, c.now())
		if err == nil && (len(flow.Fields) == 0 || flow.Resume[resumeSessionID] == "") {
			t.Fatalf("input flow without fields or session: %+v", flow)
		}
	})
}

func FuzzDecodeCommit(f *testing.F) {
	f.Add([]byte(`{"status":200,"responseCode":99,"data":{"code":"code_WH5x2kIMz2B7HibEK12b"}}`))
	f.Add([]byte(`{"status":"successful","response_code":102,"ui":{"title":"Q","form":[{"name":"answer","maxLength":"20"}]}}`))
	f.Add([]byte(`{"status":"failed","message":"Wrong OTP","reauth":{"response_code":"102"}}`))
	f.Add([]byte(`{"responseCode":1e400}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wireCommit
		if json.Unmarshal(body, &w) != nil {
			return
		}
		r := w.decode()
		if r.Code == "" {
			return
		}
		// The printed forms do not depend on the code: another code prints
		// the same (a plain Contains would trip on a code that happens to
		// be part of the message or of REDACTED).
		other := *r
		other.Code = "another-code"
		if r.String() != other.String() || r.GoString() != other.GoString() || r.LogValue().String() != other.LogValue().String() {
			t.Fatalf("code printed: %s", r.String())
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"status":"failed","message":"Reauthorisation required","code":"REAUTHORISATION_REQUIRED"}`))
	f.Add(400, []byte(`{"error":"Session has expired","response_code":102}`))
	f.Add(404, []byte(`{"error":{"a":1},"message":7,"type":"T"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := &reauth.APIError{Provider: reauth.Mono, StatusCode: status, Kind: reauth.KindForStatus(status)}
		decodeError(e, body, http.Header{})
		_ = e.Error()
	})
}

func FuzzLinkCallback(f *testing.F) {
	f.Add("state=st-123456789&status=reauthorised&code=code_1&reason=account_reauthorised")
	f.Add("state=st-123456789&status=cancelled&reason=user_cancelled")
	f.Add("state=st-123456789&error=access_denied&error_description=no")
	f.Add("state=other&status=failed")
	f.Add("%zz&state")
	c := fuzzClient(f)
	flow := &reauth.Flow{Provider: reauth.Mono, Step: reauth.StepRedirect, State: "st-123456789"}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		next, err := c.Continue(context.Background(), flow, reauth.Reply{Callback: q})
		if (next == nil) == (err == nil) {
			t.Fatalf("flow %v and err %v", next, err)
		}
		if err == nil && q.Get("state") != flow.State {
			t.Fatal("done with a foreign state")
		}
	})
}

func FuzzWebhookVerify(f *testing.F) {
	f.Add("s3cret-value", []byte(`{"event":"mono.events.reauthorisation_required","data":{"account":{"_id":"5fbcde8f8699984153e65537"}}}`))
	f.Add("s3cret-value", []byte(`{"event":"mono.events.account_reauthorized","event_id":"e","timestamp":"2025-01-01T00:00:00Z","data":{"account":"a"}}`))
	f.Add("wrong", []byte(`{"event":"x"}`))
	f.Add("s3cret-value", []byte(`{"event":null}`))
	v, err := NewWebhookVerifier("s3cret-value")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r, _ := http.NewRequest(http.MethodPost, "http://x/", nil)
		r.Header.Set(HeaderWebhookSecret, header)
		ev, err := v.Verify(context.Background(), r, body)
		if (ev == nil) == (err == nil) {
			t.Fatalf("event %v and err %v", ev, err)
		}
		if err == nil && r.Header.Get(HeaderWebhookSecret) != "s3cret-value" {
			t.Fatal("accepted a wrong secret")
		}
	})
}

func FuzzValidateInputs(f *testing.F) {
	f.Add("otp", 5, "01234", "otp", "")
	f.Add("account", 0, "1", "account", "0,1")
	f.Add("otp", 5, "0123456", "pin", "")
	f.Add("otp", 1, "mono", "otp", "") // the value is a word of the message
	f.Fuzz(func(t *testing.T, name string, maxLen int, value, key, options string) {
		fl := reauth.Field{Name: name, MaxLength: maxLen}
		if options != "" {
			fl.Options = strings.Split(options, ",")
		}
		err := validateInputs([]reauth.Field{fl}, map[string]string{key: value})
		if err == nil && (key != name || value == "") {
			t.Fatal("accepted an answer to another field")
		}
		if err == nil || !utf8.ValidString(value) || slices.Contains(fl.Options, value) {
			return
		}
		// The error does not depend on the value: another value of the same
		// length, also not an option, gives the same text. (A plain
		// Contains would trip on a value that happens to be part of the
		// message, such as "long".)
		other := strings.Repeat("§", utf8.RuneCountInString(value))
		if slices.Contains(fl.Options, other) {
			return
		}
		err2 := validateInputs([]reauth.Field{fl}, map[string]string{key: other})
		if err2 == nil || err.Error() != err2.Error() {
			t.Fatalf("error depends on the value: %v vs %v", err, err2)
		}
	})
}

func fuzzClient(f *testing.F) *Client {
	c, err := New(Credentials{SecretKey: "k"}, WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		f.Fatal(err)
	}
	return c
}

// answerTransport answers every request 200 with body.
type answerTransport []byte

func (b answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: r}, nil
}

// FuzzEndpointAnswers feeds one 2xx body to every endpoint, so that the
// decoders written inline (reauthorise, link, sync) are fuzzed too: no
// panic, and exactly one of result and error.
func FuzzEndpointAnswers(f *testing.F) {
	f.Add([]byte(`{"token":"VwxcfeLRZvq1UlD5WiuN"}`))
	f.Add([]byte(`{"data":{"token":"t","mono_url":"https://link.mono.co/x","id":"l","created_at":"2025-05-13T12:26:36.853Z","meta":{"ref":"r"}}}`))
	f.Add([]byte(`{"status":"failed","hasNewData":"false","code":"REAUTHORISATION_REQUIRED","message":null}`))
	f.Add([]byte(`{"mono_url":"javascript:alert(1)","status":"successful","hasNewData":1}`))
	f.Add([]byte(seedSessionJSON))
	f.Add([]byte(`{"status":200,"responseCode":99,"data":{"code":"c"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := New(Credentials{SecretKey: "k"}, WithBaseURL("https://mono.test"), WithRetries(0, 0, 0),
			WithHTTPClient(&http.Client{Transport: answerTransport(body)}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		check := func(what string, ok bool, err error) {
			if ok == (err != nil) {
				t.Fatalf("%s: result %t and err %v", what, ok, err)
			}
		}
		tok, err := c.Reauthorise(ctx, "acc")
		check("Reauthorise", tok != nil, err)
		if err == nil && tok.Token == "" {
			t.Fatal("Reauthorise: empty token")
		}
		l, err := c.InitiateReauthLink(ctx, LinkRequest{AccountID: "acc"})
		check("InitiateReauthLink", l != nil, err)
		if err == nil && !strings.HasPrefix(l.URL, "http") {
			t.Fatalf("InitiateReauthLink: URL %q", l.URL)
		}
		s, err := c.Sync(ctx, "acc")
		check("Sync", s != nil, err)
		ss, err := c.CreateSession(ctx, "tok")
		check("CreateSession", ss != nil, err)
		cr, err := c.Commit(ctx, "s", map[string]string{"otp": "0123"})
		check("Commit", cr != nil, err)
		st, err := c.StartReauthSession(ctx, "acc")
		check("StartReauthSession", st != nil, err)
		st, err = c.CommitAnswers(ctx, "s", map[string]string{"otp": "0123"})
		check("CommitAnswers", st != nil, err)
		st, err = c.ReauthLogin(ctx, "s", Login{Username: "u", Password: "p"})
		check("ReauthLogin", st != nil, err)
		a, err := c.AccountDetails(ctx, "acc")
		check("AccountDetails", a != nil, err)
		h, err := c.Inspect(ctx, reauth.Request{ConnectionID: "acc"})
		check("Inspect", h != nil, err)
		flow, err := c.Begin(ctx, reauth.Request{ConnectionID: "acc"})
		check("Begin", flow != nil, err)
		if err == nil && flow.Step == reauth.StepInput && (len(flow.Fields) == 0 || flow.Resume[resumeSessionID] == "") {
			t.Fatalf("input flow without fields or session: %+v", flow)
		}
	})
}

// FuzzDecodeStep: any v2 answer decodes without panic into a Step whose
// flow is either an error or a usable flow.
func FuzzDecodeStep(f *testing.F) {
	f.Add([]byte(`{"status":"successful","data":{"responseCode":99,"code":"code_q90t4ar2uriet5ey4rs22v0x"}}`))
	f.Add([]byte(`{"data":{"id":"s","responseCode":102,"userInput":{"title":"T","form":[{"name":"otp","maxLength":"6"}]}}}`))
	f.Add([]byte(`{"data":{"session_id":"s","responseCode":"101","accounts":[{"accountNumber":1},"x",null,[],{"name":"n"}]}}`))
	f.Add([]byte(`{"data":{"sessionId":"s","response_code":102,"user_input":{"form":[{"name":"password","contentType":"password"}]}}}`))
	f.Add([]byte(`{"data":"x","ui":{"form":[1]}}`))
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wireStep
		if json.Unmarshal(body, &w) != nil {
			return
		}
		st := w.decode()
		_ = st.String()
		flow, err := c.stepFlow("op", "acc", st, time.Time{})
		if (flow == nil) == (err == nil) {
			t.Fatalf("flow %v and err %v", flow, err)
		}
		if err == nil && flow.Step == reauth.StepInput {
			if len(flow.Fields) == 0 || flow.Resume[resumeSessionID] == "" {
				t.Fatalf("input flow without fields or session: %+v", flow)
			}
			if flow.Fields[0].Name == FieldAccountNumber && len(flow.Fields[0].Options) == 0 && st.ResponseCode == ResponseAccountSelection && len(st.Accounts) > 0 {
				t.Fatal("an account choice without options")
			}
		}
	})
}

// FuzzCheckResponse: any status, header and body; never a panic, never a
// read past the cap, and the body the caller reads afterwards is the body
// that was sent.
func FuzzCheckResponse(f *testing.F) {
	f.Add(200, "", "", []byte(`{"data":[]}`))
	f.Add(400, "", "", []byte(`{"status":"failed","code":"REAUTHORISATION_REQUIRED"}`))
	f.Add(200, "true", "failed", []byte(`{}`))
	f.Add(429, "", "", []byte(`{"message":"Try again in 5 minutes"}`))
	f.Add(503, "0", "", []byte(`<html>`))
	f.Add(200, "", "", []byte(`{"x":"REAUTHORISATION_REQUIRED"`))
	f.Fuzz(func(t *testing.T, status int, reauthHdr, job string, body []byte) {
		h := http.Header{}
		h.Set(HeaderReauthRequired, reauthHdr)
		h.Set(HeaderJobStatus, job)
		src := &countingReader{r: bytes.NewReader(body)}
		resp := &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(src)}
		err := CheckResponse(resp)
		if status >= 200 && status <= 299 && err == nil && reauthHeader(h) {
			t.Fatal("x-reauth-required on a 2xx was missed")
		}
		if err != nil && (status < 200 || status > 299) && !errors.Is(err, reauth.ErrReauthRequired) && reauthHeader(h) {
			t.Fatal("x-reauth-required on an error was missed")
		}
		if src.n > 1<<20 {
			t.Fatalf("read %d bytes before the caller", src.n)
		}
		rest, _ := io.ReadAll(resp.Body)
		if !bytes.Equal(rest, body) {
			t.Fatal("the body changed")
		}
		_ = CheckJobStatus(h)
	})
}

type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestCheckResponseReadsAtMostTheCap: a 5 MiB answer is read to 1 MiB by
// CheckResponse, and wholly by the caller afterwards.
func TestCheckResponseReadsAtMostTheCap(t *testing.T) {
	body := bytes.Repeat([]byte("a"), 5<<20)
	src := &countingReader{r: bytes.NewReader(body)}
	resp := &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(src)}
	if err := CheckResponse(resp); !errors.Is(err, reauth.ErrProviderUnavailable) {
		t.Fatalf("err %v", err)
	}
	if src.n > 1<<20 {
		t.Fatalf("CheckResponse read %d bytes", src.n)
	}
	rest, _ := io.ReadAll(resp.Body)
	if len(rest) != len(body) {
		t.Fatalf("caller read %d of %d", len(rest), len(body))
	}
}
