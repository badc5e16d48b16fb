package mono

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
		flow, err := c.inputFlow("op", "acc", s.ID, s.Reauth.ResponseCode, s.UI.Title, s.UI, s.ExpiresAt, c.now())
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
		if r.Code != "" && len(r.Code) >= 4 && strings.Contains(r.String()+r.GoString(), r.Code) && r.Code != reauth.Redacted {
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
	f.Fuzz(func(t *testing.T, name string, maxLen int, value, key, options string) {
		fl := reauth.Field{Name: name, MaxLength: maxLen}
		if options != "" {
			fl.Options = strings.Split(options, ",")
		}
		err := validateInputs([]reauth.Field{fl}, map[string]string{key: value})
		if err == nil && (key != name || value == "") {
			t.Fatal("accepted an answer to another field")
		}
		if err != nil && len(value) >= 4 && strings.Contains(err.Error(), value) && !strings.Contains(name+key, value) {
			t.Fatalf("error shows the value: %v", err)
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
