package yapily_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/yapily"
)

const (
	testAppID    = "app-id-1234"
	testSecret   = "app-secret-s3cr3t-value"
	testToken    = "consent-token-eyJhbGciOi-secret"
	testConsent  = "56a42244-414a-4b52-8c4f-4ad2a50e82fe"
	testBase     = "https://yapily.test/prefix"
	authResponse = `{"meta":{"tracingId":"8719f9c97272463d9c2d1ee6108c8e24"},"data":{"id":"56a42244-414a-4b52-8c4f-4ad2a50e82fe",
"userUuid":"3ddf5dd0-aa48-4d0f-baa7-fa057e9e911d","applicationUserId":"string","referenceId":"ref-1","institutionId":"modelo-sandbox",
"status":"AWAITING_RE_AUTHORIZATION","createdAt":"2021-06-09T08:22:50.135Z","transactionFrom":"2021-01-01T00:00:00Z",
"transactionTo":"2021-06-01T00:00:00Z","expiresAt":"2021-09-07T08:23:03.944Z","timeToExpireInMillis":7776000000,"timeToExpire":"P90D",
"featureScope":["ACCOUNTS","ACCOUNT_TRANSACTIONS","SOMETHING_NEW"],"consentToken":"consent-token-eyJhbGciOi-secret",
"state":"0623e536c5044b4aa3f6c66e7537bee0","authorizedAt":"2021-06-09T08:23:03.944Z","lastConfirmedAt":"2021-06-09T08:23:03.944Z",
"reconfirmBy":"2021-09-07T08:23:03.944Z","institutionConsentId":"aac-f7847e99","authorisationUrl":"https://bank.example/auth?state=0623e536c5044b4aa3f6c66e7537bee0&request=eyJ",
"qrCodeUrl":"https://images.yapily.com/image/4ef6/1623227001?size=0"},"links":{"self":"x"},"forwardedData":[{"headers":{"h":"v"},"url":"https://f"}],"raw":[]}`
	consentResponse = `{"meta":{"tracingId":"679e7bb6"},"data":{"id":"56a42244-414a-4b52-8c4f-4ad2a50e82fe","userUuid":"ca412fdf",
"applicationUserId":"string","institutionId":"modelo-sandbox","status":"AUTHORIZED","createdAt":"2021-06-08T10:59:35.138Z",
"featureScope":["ACCOUNTS"],"consentToken":"consent-token-eyJhbGciOi-secret","state":"a09f","authorizedAt":"2021-06-08T10:59:53.288Z",
"lastConfirmedAt":"2021-07-08T10:59:53.288Z","reconfirmBy":"2021-10-06T10:59:53.288Z","institutionConsentId":"aac-605d","isDeletedByInstitution":false}}`
)

func basic() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(testAppID+":"+testSecret))
}

func mockClient(t *testing.T, opts ...yapily.Option) (*httpmock.MockTransport, *yapily.Client) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	all := append([]yapily.Option{
		yapily.WithHTTPClient(&http.Client{Transport: mt}),
		yapily.WithRetries(2, time.Millisecond, 5*time.Millisecond),
		yapily.WithBaseURL(testBase),
	}, opts...)
	c, err := yapily.New(yapily.Credentials{ApplicationID: testAppID, ApplicationSecret: testSecret}, all...)
	require.NoError(t, err)
	return mt, c
}

func jsonResp(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
		return r, nil
	}
}

func TestReauthoriseConsentRequestAndDecode(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t, yapily.WithSubApplication("0b9c4e3a-1f2d-4e5f-8a9b-0c1d2e3f4a5b"), yapily.WithUserAgent("app/1"))
	mt.RegisterResponder(http.MethodPatch, testBase+"/account-auth-requests", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, basic(), r.Header.Get("Authorization"))
		assert.Equal(t, testToken, r.Header.Get("consent"))
		assert.Equal(t, "psu-1", r.Header.Get("psu-id"))
		assert.Equal(t, "corp-1", r.Header.Get("psu-corporate-id"))
		assert.Equal(t, "198.51.100.4", r.Header.Get("psu-ip-address"))
		assert.Equal(t, "0b9c4e3a-1f2d-4e5f-8a9b-0c1d2e3f4a5b", r.Header.Get("sub-application"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "reauthkit-go app/1", r.Header.Get("User-Agent"))
		assert.Empty(t, r.Header.Get("Content-Type"))
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			assert.Empty(t, b, "no body")
		}
		return jsonResp(201, authResponse)(r)
	})
	got, err := c.ReauthoriseConsent(context.Background(), testToken, yapily.PSU{ID: "psu-1", CorporateID: "corp-1", IPAddress: "198.51.100.4"})
	require.NoError(t, err)
	ms := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v.UTC() }
	want := &yapily.AccountAuthorisation{Consent: yapily.Consent{
		ID: testConsent, UserUUID: "3ddf5dd0-aa48-4d0f-baa7-fa057e9e911d", ApplicationUserID: "string", ReferenceID: "ref-1",
		InstitutionID: "modelo-sandbox", Status: yapily.StatusAwaitingReAuthorization,
		CreatedAt: ms("2021-06-09T08:22:50.135Z"), TransactionFrom: ms("2021-01-01T00:00:00Z"), TransactionTo: ms("2021-06-01T00:00:00Z"),
		ExpiresAt: ms("2021-09-07T08:23:03.944Z"), TimeToExpire: "P90D", TimeToExpireInMillis: 7776000000,
		FeatureScope: []string{"ACCOUNTS", "ACCOUNT_TRANSACTIONS", "SOMETHING_NEW"}, ConsentToken: testToken,
		State: "0623e536c5044b4aa3f6c66e7537bee0", AuthorizedAt: ms("2021-06-09T08:23:03.944Z"),
		LastConfirmedAt: ms("2021-06-09T08:23:03.944Z"), ReconfirmBy: ms("2021-09-07T08:23:03.944Z"),
		InstitutionConsentID: "aac-f7847e99", TracingID: "8719f9c97272463d9c2d1ee6108c8e24",
		Links: map[string]string{"self": "x"}, ForwardedData: []yapily.ForwardedData{{Headers: map[string]string{"h": "v"}, URL: "https://f"}},
	},
		AuthorisationURL: "https://bank.example/auth?state=0623e536c5044b4aa3f6c66e7537bee0&request=eyJ",
		QRCodeURL:        "https://images.yapily.com/image/4ef6/1623227001?size=0",
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 1, mt.GetTotalCallCount())
	scan := reauthtest.NewLeakScan(testToken, "0623e536c5044b4aa3f6c66e7537bee0")
	scan.Add(got)
	assert.Equal(t, 1, scan.Check(t), "values scanned")
	for _, verb := range []string{"%v", "%+v", "%s"} {
		out := fmt.Sprintf(verb, got)
		// the non-secret parts still show, the embedded Consent's included
		assert.Contains(t, out, "AccountAuthorisation{Consent: Consent{ID: "+testConsent, verb)
		assert.Contains(t, out, "AuthorisationURL: https://bank.example/auth?REDACTED", verb)
		assert.Contains(t, out, "QRCodeURL: https://images.yapily.com/image/4ef6/1623227001?REDACTED", verb)
	}
	assert.Contains(t, fmt.Sprintf("%#v", got), `yapily.AccountAuthorisation{Consent:yapily.Consent{ID:"`+testConsent)
}

func TestReauthoriseConsentOmitsEmptyPSUHeaders(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodPatch, testBase+"/account-auth-requests", func(r *http.Request) (*http.Response, error) {
		for _, h := range []string{"psu-id", "psu-corporate-id", "psu-ip-address", "sub-application"} {
			_, present := r.Header[http.CanonicalHeaderKey(h)]
			assert.False(t, present, h)
		}
		return jsonResp(201, authResponse)(r)
	})
	_, err := c.ReauthoriseConsent(context.Background(), testToken, yapily.PSU{})
	require.NoError(t, err)
	_, err = c.ReauthoriseConsent(context.Background(), "", yapily.PSU{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.ReauthoriseConsent(context.Background(), "a\r\nb", yapily.PSU{})
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestGetConsent(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/consents/"+testConsent, func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, basic(), r.Header.Get("Authorization"))
		assert.Empty(t, r.Header.Get("consent"))
		assert.Empty(t, r.URL.RawQuery)
		return jsonResp(200, consentResponse)(r)
	})
	got, err := c.GetConsent(context.Background(), testConsent)
	require.NoError(t, err)
	assert.Equal(t, testConsent, got.ID)
	assert.Equal(t, yapily.StatusAuthorized, got.Status)
	assert.Equal(t, "2021-10-06T10:59:53.288Z", got.ReconfirmBy.Format(time.RFC3339Nano))
	assert.Equal(t, "2021-07-08T10:59:53.288Z", got.LastConfirmedAt.Format(time.RFC3339Nano))
	assert.Equal(t, "679e7bb6", got.TracingID)
	assert.Equal(t, testToken, got.ConsentToken)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", got, got, got, got), testToken)
	_, err = c.GetConsent(context.Background(), "")
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestExtendConsent(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/consents/"+testConsent+"/extend", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, basic(), r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		b, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"lastConfirmedAt":"2021-07-08T10:59:53.288Z"}`, string(b))
		return jsonResp(200, consentResponse)(r)
	})
	at := time.Date(2021, 7, 8, 11, 59, 53, 288e6, time.FixedZone("BST", 3600))
	got, err := c.ExtendConsent(context.Background(), testConsent, at)
	require.NoError(t, err)
	assert.Equal(t, yapily.StatusAuthorized, got.Status)
	_, err = c.ExtendConsent(context.Background(), testConsent, time.Time{})
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.ExtendConsent(context.Background(), testConsent, time.Now().Add(time.Hour))
	require.ErrorIs(t, err, reauth.ErrInvalidRequest, "a future lastConfirmedAt is refused before I/O")
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestDeleteConsent(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodDelete, testBase+"/consents/"+testConsent, func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, basic(), r.Header.Get("Authorization"))
		assert.Empty(t, r.URL.RawQuery)
		return jsonResp(200, `{"meta":{"tracingId":"9aac"},"data":{"id":"56a42244-414a-4b52-8c4f-4ad2a50e82fe","deleteStatus":"SUCCESS",
"institutionId":"modelo-sandbox","institutionConsentId":"aac-605d","creationDate":"2021-06-08T10:59:35.138Z"}}`)(r)
	})
	got, err := c.DeleteConsent(context.Background(), testConsent)
	require.NoError(t, err)
	assert.Equal(t, &yapily.ConsentDeletion{ID: testConsent, DeleteStatus: yapily.DeleteSuccess, InstitutionID: "modelo-sandbox",
		InstitutionConsentID: "aac-605d", CreationDate: time.Date(2021, 6, 8, 10, 59, 35, 138e6, time.UTC), TracingID: "9aac"}, got)
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		body      string
		kind      error
		code      string
		msg       string
		requestID string
		check     func(t *testing.T, e *reauth.APIError)
	}{
		{
			name: "ApiResponseError 403", status: 403,
			body: `{"error":{"code":403,"status":"FORBIDDEN","message":"Consent is no longer authorised","source":"YAPILY","tracingId":"tr-403"},"raw":[]}`,
			kind: reauth.ErrReauthRequired, code: "FORBIDDEN", msg: "Consent is no longer authorised", requestID: "tr-403",
		},
		{
			name: "ApiResponseError 424 institution", status: 424,
			body: `{"error":{"tracingId":"74b1","code":424,"institutionError":{"errorMessage":"{\"Code\":\"500\"}","httpStatusCode":500},"source":"INSTITUTION","status":"FAILED_DEPENDENCY"}}`,
			kind: nil, code: "FAILED_DEPENDENCY", msg: "failed dependency", requestID: "74b1",
			check: func(t *testing.T, e *reauth.APIError) {
				ie := yapily.InstitutionErrorOf(e)
				require.NotNil(t, ie)
				assert.Equal(t, 500, ie.HTTPStatusCode)
				assert.Equal(t, `{"Code":"500"}`, ie.ErrorMessage)
				assert.Equal(t, yapily.SourceInstitution, e.Details[yapily.DetailSource])
			},
		},
		{
			name: "ApiErrorResponse issues 400", status: 400,
			body: `{"error":{"tracingId":"0c2d","code":400,"status":"BAD_REQUEST","supportUrl":"https://support.yapily.com/","source":"YAPILY",
"issues":[{"type":"INVALID_REQUEST","code":"INVALID_PROPERTY_UNEXPECTED_VALUE","parameter":"$.x","message":"Type Should be one of [PAN]",
"institutionError":{"errorMessage":"bank says no","httpStatusCode":400}}]}}`,
			kind: reauth.ErrInvalidRequest, code: "INVALID_PROPERTY_UNEXPECTED_VALUE", msg: "Type Should be one of [PAN]", requestID: "0c2d",
			check: func(t *testing.T, e *reauth.APIError) {
				is := yapily.IssuesOf(e)
				require.Len(t, is, 1)
				assert.Equal(t, "$.x", is[0].Parameter)
				assert.Equal(t, "bank says no", yapily.InstitutionErrorOf(e).ErrorMessage)
				assert.Equal(t, "https://support.yapily.com/", e.Details[yapily.DetailSupportURL])
			},
		},
		{
			name: "V2 401 credentials", status: 401,
			body: `{"error":{"tracingId":"v2-1","code":401,"status":"UNAUTHORIZED","issues":[{"type":"CREDENTIALS","code":"10700","message":"Invalid credentials"}]}}`,
			kind: reauth.ErrUnauthorized, code: "10700", msg: "Invalid credentials", requestID: "v2-1",
		},
		{
			name: "V2 403 scope is not a consent problem", status: 403,
			body: `{"error":{"tracingId":"v2-2","code":"403","status":"FORBIDDEN","issues":[{"type":"FORBIDDEN","code":"Yapily.gateway.api.scope.required","message":"scope required"}]}}`,
			kind: reauth.ErrUnauthorized, code: yapily.IssueCodeScopeRequired, msg: "scope required", requestID: "v2-2",
		},
		{
			name: "429 with Retry-After beyond max wait", status: 429,
			body: `{"error":{"tracingId":"rl","code":429,"status":"TOO_MANY_REQUESTS","issues":[{"type":"RATE_LIMIT","code":"14001","message":"Too many requests"}]}}`,
			kind: reauth.ErrRateLimited, code: "14001", msg: "Too many requests", requestID: "rl",
		},
		{
			name: "not JSON", status: 500, body: `<html>oops</html>`,
			kind: reauth.ErrProviderUnavailable, code: "", msg: "internal server error",
		},
		{
			name: "error message echoing the token is scrubbed", status: 400,
			body: `{"error":{"code":400,"status":"BAD_REQUEST","message":"bad consent consent-token-eyJhbGciOi-secret"}}`,
			kind: reauth.ErrInvalidRequest, code: "BAD_REQUEST", msg: "bad consent REDACTED",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mt, c := mockClient(t, yapily.WithRetries(0, 0, 0))
			mt.RegisterResponder(http.MethodPatch, testBase+"/account-auth-requests", func(r *http.Request) (*http.Response, error) {
				resp, _ := jsonResp(tc.status, tc.body)(r)
				resp.Header.Set("Retry-After", "3600")
				return resp, nil
			})
			_, err := c.ReauthoriseConsent(context.Background(), testToken, yapily.PSU{})
			var e *reauth.APIError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, reauth.Yapily, e.Provider)
			assert.Equal(t, "PATCH /account-auth-requests", e.Op)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.msg, e.Message)
			assert.Equal(t, tc.requestID, e.RequestID)
			assert.Equal(t, time.Hour, e.RetryAfter)
			if tc.kind == nil {
				assert.Nil(t, e.Kind)
			} else {
				assert.ErrorIs(t, err, tc.kind)
			}
			assert.NotContains(t, err.Error(), testToken)
			assert.NotContains(t, err.Error(), testSecret)
			assert.True(t, strings.HasPrefix(err.Error(), "yapily: "), err.Error())
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

func TestRetriesOn503ThenSucceeds(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/consents/"+testConsent,
		jsonResp(503, `{"error":{"code":503,"status":"SERVICE_UNAVAILABLE"}}`).Then(jsonResp(200, consentResponse)))
	got, err := c.GetConsent(context.Background(), testConsent)
	require.NoError(t, err)
	assert.Equal(t, yapily.StatusAuthorized, got.Status)
	assert.Equal(t, 2, mt.GetTotalCallCount())
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := yapily.New(yapily.Credentials{}, yapily.WithBaseURL("ftp://x"), yapily.WithSubApplication("nope"),
		yapily.WithRetries(-1, 0, 0), yapily.WithHTTPClient(nil), yapily.WithClock(nil), yapily.WithLeadTime(-1), yapily.WithFlowTTL(0), nil)
	require.Error(t, err)
	for _, s := range []string{"ApplicationID", "ApplicationSecret", "WithBaseURL", "WithSubApplication", "WithRetries",
		"WithHTTPClient", "WithClock", "WithLeadTime", "WithFlowTTL", "option 7 is nil"} {
		assert.Contains(t, err.Error(), s)
	}
	_, err = yapily.New(yapily.Credentials{ApplicationID: "a:b", ApplicationSecret: "x\ny"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "x\ny")
	c, err := yapily.New(yapily.Credentials{ApplicationID: "a", ApplicationSecret: "b"})
	require.NoError(t, err)
	assert.Equal(t, reauth.Yapily, c.Provider())
}

func TestCredentialsNeverPrintTheSecret(t *testing.T) {
	t.Parallel()
	creds := yapily.Credentials{ApplicationID: testAppID, ApplicationSecret: testSecret}
	scan := reauthtest.NewLeakScan(testSecret)
	scan.Add(creds, &creds)
	assert.Equal(t, 2, scan.Check(t), "values scanned")
	for _, v := range []any{creds, &creds} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v) // the ID still shows
			assert.Contains(t, out, testAppID)
		}
	}
}

func TestBaseURLPrefixIsKept(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	mt.RegisterResponder(http.MethodGet, testBase+"/consents/a%3Fb", jsonResp(200, consentResponse))
	_, err := c.GetConsent(context.Background(), "a?b")
	require.ErrorIs(t, err, reauth.ErrInvalidRequest) // '?' is refused before I/O
	assert.Zero(t, mt.GetTotalCallCount())
}
