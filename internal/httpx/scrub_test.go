package httpx

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// issue is a typed detail, as yapily keeps its []Issue and InstitutionError.
type issue struct {
	Message string
	Nested  *issue
	hidden  int
}

// TestErrorsHideEveryFormOfASecret: a provider echoing a secret URL-encoded,
// JSON-escaped, as base64 of the Basic credential, in a request id header or
// body, inside typed Details, or a 3-character answer, never puts it in
// Error(), a field of the APIError or a log line.
func TestErrorsHideEveryFormOfASecret(t *testing.T) {
	const (
		clientID     = "client-id-1"
		clientSecret = "LEAK+sec/ret<&>"
		refresh      = "refresh-TOKEN-42"
		answer       = "7x9"
	)
	basic := base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret))
	escaped, _ := json.Marshal(clientSecret)
	huge := strings.Repeat("t", 200<<10)
	echo := strings.Join([]string{
		url.QueryEscape(clientSecret), url.PathEscape(clientSecret),
		"LEAK%2bsec%2fret%3c%26%3e", string(escaped[1 : len(escaped)-1]),
		"Basic " + basic, base64.RawURLEncoding.EncodeToString([]byte(refresh)),
		"answer " + answer + ".",
	}, " | ")
	mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/token", func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(400, fmt.Sprintf(`{"code":%q,"message":%q,"tracingId":%q}`, answer, echo, huge))
		resp.Header.Set("X-Request-Id", refresh)
		return resp, nil
	})
	scan := reauthtest.NewLeakScan(clientSecret, refresh, basic, url.QueryEscape(clientSecret), "LEAK%2bsec%2fret")
	c := newClient(t, mt, time.Millisecond, time.Millisecond, func(s *Settings) { s.SetLogger(scan.Logger()) })
	c.decodeErr = func(e *reauth.APIError, body []byte, _ http.Header) {
		var v struct{ Code, Message, TracingID string }
		require.NoError(t, json.Unmarshal(body, &v))
		e.Code, e.Message = v.Code, v.Message
		if e.RequestID == refresh { // header first; the body's id must be capped as well
			e.RequestID = refresh + " " + v.TracingID
		}
		e.Details = map[string]any{
			"issues":  []issue{{Message: v.Message, Nested: &issue{Message: refresh, hidden: 1}}},
			"single":  issue{Message: "x " + refresh},
			"raw":     json.RawMessage(`"` + refresh + `"`),
			"strings": map[string][]string{refresh: {v.Message}},
		}
	}
	req := &Request{Method: http.MethodPost, Base: base(t), Path: "/token", OneTime: true,
		Header:  http.Header{"Authorization": {"Basic " + basic}},
		Secrets: []string{refresh, answer}}
	req.SetForm(url.Values{"client_secret": {clientSecret}})
	_, err := c.Do(context.Background(), req)
	var apiErr *reauth.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, reauth.Redacted, apiErr.Code)
	assert.NotContains(t, apiErr.Message, answer)
	assert.LessOrEqual(t, len(apiErr.RequestID), MaxRequestIDBytes+len("…"))
	assert.Less(t, len(err.Error()), 2048, "a 200 KB request id made a huge Error()")
	is, ok := apiErr.Details["issues"].([]issue)
	require.True(t, ok, "typed details keep their type: %T", apiErr.Details["issues"])
	assert.Equal(t, reauth.Redacted, is[0].Nested.Message)
	assert.Equal(t, 1, is[0].Nested.hidden)
	assert.Equal(t, "x "+reauth.Redacted, apiErr.Details["single"].(issue).Message)
	scan.Add(err, apiErr.Details, fmt.Sprint(apiErr.Details), apiErr.RequestID)
	assert.Equal(t, 4, scan.Check(t))
}

func TestScrubberShortSecretsAreWholeWords(t *testing.T) {
	sc := NewScrubber("123")
	assert.Equal(t, "otp REDACTED rejected, 1234 kept", sc.String("otp 123 rejected, 1234 kept"))
	assert.Equal(t, "REDACTED", sc.String("123"))
	var none *Scrubber
	assert.Equal(t, "123", none.String("123"))
	assert.Nil(t, none.Value(nil))
}

// TestTransportErrorsPrintScrubbedUnderEveryVerb: the error keeps its raw
// cause for errors.Is, and no verb prints it.
func TestTransportErrorsPrintScrubbedUnderEveryVerb(t *testing.T) {
	cause := errors.New("proxy refused token tok-SECRET-1")
	c := newClient(t, roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, cause }), 0, 0,
		func(s *Settings) { s.SetRetries(0, 0, 0) })
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/x", Secrets: []string{"tok-SECRET-1"}})
	require.ErrorIs(t, err, cause)
	scan := reauthtest.NewLeakScan("tok-SECRET-1").Verbs(reauthtest.AllVerbs...)
	scan.Add(err)
	scan.Check(t)
}

// TestCapNeverCutsASecretInHalf: a secret straddling the request-id cap is
// scrubbed before the cut, so no prefix of it survives.
func TestCapNeverCutsASecretInHalf(t *testing.T) {
	e := &reauth.APIError{RequestID: strings.Repeat("x", MaxRequestIDBytes-4) + "tok-SECRET-1", Message: strings.Repeat("m", MaxMessageBytes-3) + "tok-SECRET-1"}
	NewScrubber("tok-SECRET-1").APIError(e)
	assert.NotContains(t, e.RequestID, "tok-")
	assert.NotContains(t, e.Message, "tok")
}

// TestClientSecretsAreScrubbedFromEveryRequest: secrets given once to the
// client (Config.Scrubber) are scrubbed from every request's errors.
func TestClientSecretsAreScrubbedFromEveryRequest(t *testing.T) {
	mt := newMock(t)
	basic := base64.StdEncoding.EncodeToString([]byte("app:client-SECRET"))
	mt.RegisterResponder(http.MethodGet, testBase+"/x", httpmock.NewStringResponder(400, `{"code":"bad","message":"got `+basic+` and client-SECRET"}`))
	s := DefaultSettings()
	s.SetHTTPClient(&http.Client{Transport: mt})
	sc := NewScrubber()
	sc.AddBasic("app", "client-SECRET")
	c, err := New(Config{Provider: reauth.Finch, Settings: s, Scrubber: sc,
		DecodeError: func(e *reauth.APIError, body []byte, _ http.Header) {
			var v struct{ Message string }
			_ = json.Unmarshal(body, &v)
			e.Message = v.Message
		}})
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/x"})
	require.Error(t, err)
	assert.Equal(t, "finch: GET /x: 400: got REDACTED and REDACTED", err.Error())
}
