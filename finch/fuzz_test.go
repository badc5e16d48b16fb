package finch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
)

// FuzzWebhookVerify feeds arbitrary bodies, ids, timestamps and signature
// headers. Authenticity is decided before parsing: an unsigned input is
// never accepted, and a correctly signed one is either an event or
// ErrInvalidPayload.
func FuzzWebhookVerify(f *testing.F) {
	f.Add([]byte(vecBody), vecID, strconv.Itoa(vecTS), vecSig, false)
	f.Add([]byte(`{"event_type":"account.updated","connection_id":"c","data":{"status":"reauth"}}`), "msg_1", "1676312382", "", true)
	f.Add([]byte(`{"event_type":"account.updated","data":null}`), "msg_2", "1676312382", "v1,abc v1,def", true)
	f.Add([]byte(`[]`), "", "x", "v1,", true)
	f.Add([]byte(`{"data":{"status":7}}`), "msg_3", "1676312000", "v2,AAAA", true)
	now := time.Unix(vecTS, 0)
	v, err := finch.NewWebhookVerifier(vecSecret, finch.WithWebhookClock(func() time.Time { return now }))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, id, ts, sig string, sign bool) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Finch-Event-Id", id)
		r.Header.Set("Finch-Timestamp", ts)
		signed := false
		if sign {
			if sec, err := strconv.ParseInt(ts, 10, 64); err == nil && id != "" {
				s, err := finchtest.Sign(vecSecret, id, time.Unix(sec, 0), body)
				if err != nil {
					t.Fatal(err)
				}
				sig = sig + " " + s
				signed = sec >= now.Unix()-300 && sec <= now.Unix()+300 && strconv.FormatInt(sec, 10) == ts
			}
		}
		r.Header.Set("Finch-Signature", sig)
		ev, err := v.Verify(context.Background(), r, body)
		switch {
		case err == nil:
			if ev == nil || ev.Provider != reauth.Finch || ev.ID != id {
				t.Fatalf("accepted with a bad event %+v", ev)
			}
			if !sign && !(id == vecID && string(body) == vecBody) {
				// Forging an HMAC is not something a fuzzer does.
				t.Fatalf("unsigned delivery accepted")
			}
		case errors.Is(err, reauth.ErrInvalidPayload):
			if !signed && !(id == vecID && string(body) == vecBody) && len(body) <= reauth.DefaultMaxWebhookBytes {
				t.Fatalf("unsigned delivery reached the parser: %v", err)
			}
		case errors.Is(err, reauth.ErrInvalidSignature):
			if signed && len(body) <= reauth.DefaultMaxWebhookBytes && strings.TrimSpace(id) == id && id != "" {
				t.Fatalf("correctly signed delivery refused: %v", err)
			}
		default:
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

// FuzzDecoders decodes arbitrary bodies into every response type and calls
// their methods: no panic, and no error for valid JSON objects of the
// documented shapes.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(introspectJSON))
	f.Add([]byte(tokenJSON))
	f.Add([]byte(`{"session_id":"s","connect_url":"https://connect.tryfinch.com/authorize?session=s"}`))
	f.Add([]byte(`{"id":"c","legal_name":null}`))
	f.Add([]byte(`{"connection_status":{"last_successful_sync":1700000000}}`))
	f.Add([]byte(`{"connection_status":{"last_successful_sync":"yesterday"},"manual":1}`))
	f.Add([]byte(`{"connection_status":null,"authentication_methods":[{"connection_status":{"status":"error_reauth"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, err := finch.DecodeIntrospection(body); err == nil {
			_ = in.Status().NeedsReauth()
			_, _ = in.ConnectionStatus.LastSync()
			for _, m := range in.AuthenticationMethods {
				_, _ = m.ConnectionStatus.LastSync()
			}
		}
		if tok, err := finch.DecodeToken(body); err == nil && tok.AccessToken != "" {
			// The printed form must not depend on the token's value.
			other := *tok
			other.AccessToken = "x"
			if tok.String() != other.String() || tok.GoString() != other.GoString() || fmt.Sprintf("%d %x", tok, tok) != fmt.Sprintf("%d %x", other, other) {
				t.Fatal("Token.String depends on the access token")
			}
		}
		var s finch.ReauthSession
		_ = json.Unmarshal(body, &s)
		_ = s.String()
		var co finch.Company
		_ = json.Unmarshal(body, &co)
	})
}

// FuzzDecodeError runs the error decoder on arbitrary bodies and statuses.
func FuzzDecodeError(f *testing.F) {
	f.Add(401, []byte(`{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"m"}`))
	f.Add(429, []byte(`{"statusCode":429,"status":429,"code":429,"message":"Too many","name":"rate_limit_exceeded_error","finch_code":"finch_application_rl"}`))
	f.Add(500, []byte(`{"code":"500","error_name":"server_error","error_message":null}`))
	f.Add(401, []byte(`{"finch_code":{"x":1}}`))
	f.Add(400, []byte(`{`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := &reauth.APIError{StatusCode: status, Kind: reauth.KindForStatus(status)}
		finch.DecodeError(e, body, http.Header{})
		reauthCodes := map[int][]string{
			401: {finch.CodeReauthenticateUser, finch.NameInvalidToken},
			403: {finch.CodeInsufficientAccountPermissions, finch.NameErrorPermissions},
		}
		if errors.Is(e, reauth.ErrReauthRequired) && !slices.Contains(reauthCodes[status], e.Code) {
			t.Fatalf("ErrReauthRequired for status %d code %q", status, e.Code)
		}
		_ = e.Error()
	})
}

// FuzzContinueCallback hands Continue arbitrary callback queries. A state
// that differs from the flow's never reaches Finch; a done flow needs a
// code and, when a state was given, the right one.
func FuzzContinueCallback(f *testing.F) {
	const state = "flow-state-0123456789"
	f.Add("code=abc&state=" + state)
	f.Add("code=abc")
	f.Add("state=" + state + "&error=access_denied&error_description=no")
	f.Add("state=other&code=abc")
	f.Add("code=&state=" + state)
	f.Add("error=server_error")
	f.Add("%zz=1&code=x;y")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		cb, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		mt := httpmock.NewMockTransport()
		sent := 0
		mt.RegisterResponder(http.MethodPost, testBase+"/auth/token", func(*http.Request) (*http.Response, error) {
			sent++
			return httpmock.NewStringResponse(200, tokenJSON), nil
		})
		c, err := finch.New(finch.Credentials{ClientID: testClientID, ClientSecret: testClientSecret},
			finch.WithHTTPClient(&http.Client{Transport: mt}), finch.WithBaseURL(testBase), finch.WithRetries(0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		flow := &reauth.Flow{Provider: reauth.Finch, ConnectionID: "conn-1", Step: reauth.StepRedirect, State: state,
			URL: "https://connect.tryfinch.com/authorize?session=s", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		next, err := c.Continue(context.Background(), flow, reauth.Reply{Callback: cb})
		if cb.Has("state") && cb.Get("state") != state {
			if !errors.Is(err, reauth.ErrStateMismatch) || sent != 0 {
				t.Fatalf("mismatched state: err %v, %d requests", err, sent)
			}
			return
		}
		if err == nil {
			if next == nil || next.Step != reauth.StepDone || cb.Get("code") == "" || cb.Get("error") != "" || sent != 1 {
				t.Fatalf("done without a clean code: %v", next)
			}
		} else if sent > 1 {
			t.Fatalf("code sent %d times", sent)
		}
	})
}

// FuzzCheckResponse hands CheckResponse arbitrary statuses and bodies
// followed by an endless stream: it never panics, never reads past its cap,
// classifies every non-2xx as an *reauth.APIError, and leaves the body
// readable from its first byte.
func FuzzCheckResponse(f *testing.F) {
	f.Add(401, []byte(`{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"m"}`))
	f.Add(202, []byte(`{"code":202,"name":"accepted","finch_code":"data_sync_in_progress"}`))
	f.Add(200, []byte(`{"individuals":[]}`))
	f.Add(429, []byte(`{"statusCode":429,"finch_code":"finch_application_rl"}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(0, []byte(`{`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		endless := &countingReader{r: io.MultiReader(bytes.NewReader(body), endlessReader{})}
		resp := &http.Response{StatusCode: status, Body: io.NopCloser(endless), Header: http.Header{}}
		err := finch.CheckResponse(resp)
		if endless.n > 1<<20+len(body) {
			t.Fatalf("read %d bytes", endless.n)
		}
		ok := status >= 200 && status <= 299
		var apiErr *reauth.APIError
		switch {
		case !ok && !errors.As(err, &apiErr):
			t.Fatalf("status %d: %v is not an APIError", status, err)
		case ok && status != 202 && err != nil:
			t.Fatalf("status %d: %v", status, err)
		}
		if err != nil {
			_ = err.Error()
		}
		head := make([]byte, min(len(body), 4096))
		if _, rerr := io.ReadFull(resp.Body, head); rerr != nil || !bytes.Equal(head, body[:len(head)]) {
			t.Fatalf("body not restored: %v", rerr)
		}
	})
}

// endlessReader never ends.
type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
