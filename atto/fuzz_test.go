package atto_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/atto/attotest"
	"github.com/reauthkit/reauthkit/reauth"
)

func FuzzConsentDecode(f *testing.F) {
	f.Add([]byte(consentJSON))
	f.Add([]byte(`{"consentId":1,"consentEnd":"2026-01-01","statusUpdated":1767225600000,"permissions":[1,true,null]}`))
	f.Add([]byte(`{"consentEnd":{"a":1}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := atto.DecodeConsent(b)
		if err != nil {
			return
		}
		// What decoded must survive its own JSON unchanged, through the
		// public type's plain encoding/json decoding too.
		out, err := json.Marshal(c)
		if err != nil {
			return // a time outside the years JSON can carry
		}
		again, err := atto.DecodeConsent(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip changed the consent:\n%#v\n%#v", c, again)
		}
		var plain atto.Consent
		if err := json.Unmarshal(out, &plain); err != nil || !reflect.DeepEqual(*c, plain) {
			t.Fatalf("plain decoding of %s: %v\n%#v", out, err, plain)
		}
	})
}

func FuzzConsentListDecode(f *testing.F) {
	f.Add([]byte(`[` + consentJSON + `]`))
	f.Add([]byte(`{"items":[{"consentId":"x"}],"total":"3"}`))
	f.Add([]byte(`{"consents":{"x":1},"count":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if l, err := atto.DecodeConsentList(b); err == nil && l.Total < 0 {
			t.Fatalf("negative total %d", l.Total)
		}
	})
}

func FuzzTokenDecode(f *testing.F) {
	f.Add([]byte(snakeToken(testToken)))
	f.Add([]byte(`{"accessToken":"x","expiresIn":"3600","tokenType":"Bearer"}`))
	f.Add([]byte(`{"access_token":"x","expires_in":-5}`))
	f.Add([]byte(`{"expires_in":1e300}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, life, err := atto.DecodeToken(b)
		if err == nil && life < 0 {
			t.Fatalf("negative lifetime %s", life)
		}
	})
}

func FuzzErrorDecode(f *testing.F) {
	f.Add(403, []byte(`{"Code":"consent_expired","Description":"d","Details":{"x":1},"CorrelationId":"c"}`))
	f.Add(429, []byte(`{"statusCode":429,"message":"Rate limit is exceeded"}`))
	f.Add(401, []byte(`{"code":"unauthorised_client"}`))
	f.Add(403, []byte(`{"statusCode":"403","message":"The consent or account access has been revoked"}`))
	f.Add(500, []byte(`{"Code":[1,2]}`))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		e := atto.DecodeError(status, b)
		if errors.Is(e, reauth.ErrReauthRequired) && status != 403 {
			t.Fatalf("re-auth signal on status %d", status)
		}
		_ = e.Error()
	})
}

func FuzzParseNotification(f *testing.F) {
	f.Add(attotest.NotificationBody(attotest.Notification{ID: "e", EventType: "Consent", ConsentJourney: "Reauthentication", ConsentID: testConsentID}))
	f.Add([]byte(`{"evenType":"Consent","data":{"ConsentId":"abc"}}`))
	f.Add([]byte(`{"consent":{"consent_id":42}}`))
	f.Add([]byte(`{"consentId":"` + "\x00" + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := atto.ParseNotification(b)
		if err == nil && n.ConsentID == "" {
			t.Fatal("notification without consent id")
		}
	})
}

// fuzzClient answers every consent read with an Active consent.
func fuzzClient(f *testing.F) *atto.Client {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", jsonResponder(200, snakeToken(testToken)))
	mt.RegisterRegexpResponder(http.MethodGet, mustRegexp(`^`+apiBase+`/consents/v1/[^/]+$`),
		jsonResponder(200, `{"consentId":"x","consentStatus":"Active","journeyType":"Reauthentication"}`))
	mt.RegisterNoResponder(httpmock.NewStringResponder(404, `{"Code":"consent_not_found"}`))
	c, err := atto.New(testCreds, atto.WithHTTPClient(&http.Client{Transport: mt}), atto.WithRetries(0, 0, 0))
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func FuzzWebhookVerify(f *testing.F) {
	c := fuzzClient(f)
	v, err := atto.NewWebhookVerifier(c, atto.WithSharedSecretHeader(hookHeader, hookSecret), atto.WithBasicAuth(hookUser, hookPass))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(hookSecret, "", "", body(testConsentID, "Active"))
	f.Add("", hookUser, hookPass, []byte(`{"consentId":"abc"}`))
	f.Add(hookSecret+"x", "", "", []byte(`{"consentId":"abc"}`))
	f.Add(hookSecret, "", "", []byte(`not json`))
	f.Fuzz(func(t *testing.T, header, user, pass string, b []byte) {
		r, _ := http.NewRequest(http.MethodPost, hookTarget, nil)
		if header != "" {
			r.Header.Set(hookHeader, header)
		}
		if user != "" || pass != "" {
			r.SetBasicAuth(user, pass)
		}
		ev, err := v.Verify(context.Background(), r, b)
		authentic := header == hookSecret || (user == hookUser && pass == hookPass)
		if !authentic && !errors.Is(err, reauth.ErrInvalidSignature) {
			t.Fatalf("unauthenticated delivery accepted: %v", err)
		}
		if err == nil && (ev == nil || ev.ConnectionID == "") {
			t.Fatal("event without connection id")
		}
	})
}

func FuzzCallback(f *testing.F) {
	c := fuzzClient(f)
	now := time.Now()
	flow := &reauth.Flow{Provider: reauth.Atto, ConnectionID: testConsentID, Step: reauth.StepRedirect,
		State: "s", URL: "https://connect.atto.co", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	f.Add("state=success&consent_id=" + testConsentID)
	f.Add("state=error&error=access_denied&customer_ref=x")
	f.Add("state=success&consent_id=other")
	f.Add("consent_id=" + testConsentID + "&consent_id=x&state=success&state=error")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		next, err := c.Continue(context.Background(), flow, reauth.Reply{Callback: q})
		if err == nil && next == nil {
			t.Fatal("nil flow and nil error")
		}
		id := q.Get("consent_id")
		if id != "" && id != testConsentID && !errors.Is(err, reauth.ErrStateMismatch) {
			t.Fatalf("callback for consent %q accepted: %v", id, err)
		}
		if len(q) == 0 {
			return // an empty reply polls the consent: done is allowed
		}
		if err == nil && next.Step == reauth.StepDone && (q.Get("state") != "success" || id != testConsentID || q.Has("error")) {
			t.Fatalf("done from callback %q", raw)
		}
	})
}

func mustRegexp(s string) *regexp.Regexp { return regexp.MustCompile(s) }

func FuzzRefreshDecode(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"message":"Successfully completed data refresh"}`))
	f.Add([]byte(`{"statusCode":"409","message":null}`))
	f.Add([]byte(`{"statusCode":1e99}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = atto.DecodeRefresh(b)
	})
}
