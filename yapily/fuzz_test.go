package yapily_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
)

func FuzzDecodeAccountAuthorisation(f *testing.F) {
	f.Add([]byte(authResponse))
	f.Add([]byte(`{"data":{"status":7,"expiresAt":1700000000,"featureScope":null,"timeToExpireInMillis":"12"}}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`{"meta":[],"data":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := yapily.DecodeAccountAuthorisation(body)
		if err == nil && a == nil {
			t.Fatal("nil result without error")
		}
		if a != nil && len(a.ConsentToken) >= 4 {
			// The token must not show, unless it also shows without it (a
			// short token that happens to be part of another field).
			without := *a
			without.ConsentToken = ""
			if strings.Contains(a.String(), a.ConsentToken) && !strings.Contains(without.String(), a.ConsentToken) {
				t.Fatal("String shows the consent token")
			}
		}
	})
}

func FuzzDecodeConsent(f *testing.F) {
	f.Add([]byte(consentResponse))
	f.Add([]byte(`{"data":{"isDeletedByInstitution":"true","reconfirmBy":"2021-10-06","authorizedAt":""}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := yapily.DecodeConsent(body)
		if err == nil && c == nil {
			t.Fatal("nil result without error")
		}
		_, _ = yapily.DecodeDeletion(body)
	})
}

func FuzzDecodeConsentList(f *testing.F) {
	f.Add([]byte(`{"meta":{"tracingId":"t","count":1,"pagination":{"totalCount":"3"}},"data":[` + consentResponse[strings.Index(consentResponse, `"data":`)+7:len(consentResponse)-1] + `]}`))
	f.Add([]byte(`{"data":[{}],"meta":{"pagination":null}}`))
	f.Add([]byte(`{"id":"x","consentToken":"t"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := yapily.DecodeConsentList(body)
		if err == nil && p == nil {
			t.Fatal("nil page without error")
		}
		c, err := yapily.DecodeBareConsent(body)
		if err == nil && c == nil {
			t.Fatal("nil consent without error")
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	f.Add(403, []byte(`{"error":{"code":403,"status":"FORBIDDEN","message":"m","tracingId":"t"}}`))
	f.Add(400, []byte(`{"error":{"issues":[{"code":10600,"institutionError":{"httpStatusCode":"500"}}]}}`))
	f.Add(424, []byte(`{"error":{"institutionError":{"errorMessage":{"x":1}}}}`))
	f.Add(401, []byte(`{"error":null}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		e := yapily.DecodeError(status, body)
		if status == 403 && e.Kind != reauth.ErrReauthRequired && e.Kind != reauth.ErrUnauthorized {
			t.Fatalf("403 decoded to %v", e.Kind)
		}
		if status == 401 && e.Kind != reauth.ErrUnauthorized {
			t.Fatalf("401 decoded to %v", e.Kind)
		}
		_ = e.Error()
	})
}

func FuzzCallback(f *testing.F) {
	f.Add("consent=tok-123456&application-user-id=u", "tok-123456")
	f.Add("error=access_denied&error-description=no", "tok-123456")
	f.Add("state=abc&consentId=c-1", "t")
	f.Add("%zz&consent", "t")
	c, err := yapily.New(yapily.Credentials{ApplicationID: "a", ApplicationSecret: "b"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, token string) {
		cb, _ := url.ParseQuery(query)
		flow := &reauth.Flow{Provider: reauth.Yapily, ConnectionID: "c-1", Step: reauth.StepRedirect, State: "state-1",
			URL: "https://bank.example/", CreatedAt: time.Now(), Resume: map[string]string{}}
		err := c.CheckCallback(flow, cb)
		if err == nil {
			// accepted callbacks identify the flow and carry no error
			if cb.Get("error") != "" {
				t.Fatal("error callback accepted")
			}
			if cb.Get("consentId") != "c-1" && cb.Get("consent-id") != "c-1" && cb.Get("consent_id") != "c-1" && cb.Get("state") != "state-1" {
				t.Fatalf("unidentified callback accepted: %q", query)
			}
			return
		}
		if !errors.Is(err, reauth.ErrStateMismatch) && !errors.Is(err, reauth.ErrUserCancelled) && !errors.Is(err, reauth.ErrProviderUnavailable) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
