package atto_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/atto"
	"github.com/reauthkit/reauthkit/reauth"
)

const consentJSON = `{"consentId":"` + testConsentID + `","applicationId":"97ab27fa-0000-4000-8000-000000000001",
"userId":"2c4a230c-0000-4000-8000-000000000002","providerId":42,"providerName":"Bank","configurationName":"cfg",
"customerReference":"cust-1","consentDurationType":"Limited","consentStatus":"Active",
"consentStart":"2026-08-24T14:15:22Z","consentEnd":"2026-11-22T14:15:22Z","duration":"P90D",
"daysOfHistoricalTransactions":365,"statusUpdated":"2026-08-24T14:15:22Z","statusDetails":"ok",
"permissions":["ReadAccountsBasic"],"invitationId":"inv-1","journeyType":"Reauthentication","futureField":{"x":1}}`

// consentResponder checks the bearer token and answers body.
func consentResponder(t *testing.T, tok string, status int, body string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		assert.Equal(t, "Bearer "+tok, req.Header.Get("Authorization"))
		assert.Equal(t, "application/json", req.Header.Get("Accept"))
		return jsonResponse(status, body), nil
	}
}

func TestGetConsentDecodesEveryField(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	registerToken(t, mt, testToken, nil)
	mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1/"+testConsentID, consentResponder(t, testToken, 200, consentJSON))
	got, err := c.GetConsent(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Equal(t, &atto.Consent{
		ConsentID: testConsentID, ApplicationID: "97ab27fa-0000-4000-8000-000000000001",
		UserID: "2c4a230c-0000-4000-8000-000000000002", ProviderID: "42", ProviderName: "Bank",
		ConfigurationName: "cfg", CustomerReference: "cust-1", ConsentDurationType: atto.DurationLimited,
		ConsentStatus: atto.StatusActive, ConsentStart: time.Date(2026, 8, 24, 14, 15, 22, 0, time.UTC),
		ConsentEnd: time.Date(2026, 11, 22, 14, 15, 22, 0, time.UTC), Duration: "P90D",
		DaysOfHistoricalTransactions: 365, StatusUpdated: time.Date(2026, 8, 24, 14, 15, 22, 0, time.UTC),
		StatusDetails: "ok", Permissions: []string{"ReadAccountsBasic"}, InvitationID: "inv-1",
		JourneyType: atto.JourneyReauthentication,
	}, got)
}

func TestConsentDecodingIsLenient(t *testing.T) {
	t.Parallel()
	c, err := atto.DecodeConsent([]byte(`{"consentId":"x","providerId":"abc","consentStatus":"Dormant",
		"consentEnd":1767225600,"statusUpdated":null,"journeyType":null,"daysOfHistoricalTransactions":"90"}`))
	require.NoError(t, err)
	assert.Equal(t, atto.ConsentStatus("Dormant"), c.ConsentStatus)
	assert.Equal(t, "abc", c.ProviderID)
	assert.Equal(t, time.Unix(1767225600, 0).UTC(), c.ConsentEnd)
	assert.True(t, c.StatusUpdated.IsZero())
	assert.Empty(t, c.JourneyType)
	assert.Equal(t, 90, c.DaysOfHistoricalTransactions)
}

func TestTokenAnswerInBothCasings(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"snake":         `{"access_token":"` + testToken + `","expires_in":3600,"token_type":"Bearer"}`,
		"camel":         `{"accessToken":"` + testToken + `","expiresIn":3600,"tokenType":"Bearer"}`,
		"string expiry": `{"accessToken":"` + testToken + `","expiresIn":"3600"}`,
		"no expiry":     `{"access_token":"` + testToken + `"}`,
		// Unusable expiries count as missing instead of failing the fetch.
		"empty expiry":  `{"access_token":"` + testToken + `","expires_in":"","token_type":null}`,
		"word expiry":   `{"accessToken":"` + testToken + `","expiresIn":"one hour","tokenType":1}`,
		"object expiry": `{"access_token":"` + testToken + `","expires_in":{"s":3600}}`,
		"zero expiry":   `{"access_token":"` + testToken + `","expires_in":0}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			c, mt := mockClient(t, atto.WithClock(func() time.Time { return now }))
			mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", tokenResponder(t, atto.ScopeConsent, body, nil))
			link, err := c.ReauthLink(t.Context(), testConsentID)
			require.NoError(t, err)
			assert.Equal(t, "https://connect.atto.co?consent_id="+testConsentID+"#access_token="+testToken, link.URL)
			assert.Equal(t, now.Add(time.Hour), link.ExpiresAt)
		})
	}
}

func TestTokenAnswerWithoutTokenIsInvalid(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", jsonResponder(200, `{"token_type":"Bearer"}`))
	_, err := c.ReauthLink(t.Context(), testConsentID)
	require.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

func TestListConsentsEncodesTheQuery(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	registerToken(t, mt, testToken, nil)
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1", func(req *http.Request) (*http.Response, error) {
		assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
		assert.Equal(t, url.Values{
			"consentStatus":     {"Expired"},
			"customerReference": {"cust 1&2"},
			"from":              {"2026-01-02T03:04:05Z"},
			"offset":            {"10"},
			"limit":             {"5"},
		}, req.URL.Query())
		return jsonResponse(200, `[`+consentJSON+`]`), nil
	})
	got, err := c.ListConsents(t.Context(), atto.ListConsentsParams{
		ConsentStatus: atto.StatusExpired, CustomerReference: "cust 1&2", From: from, Offset: 10, Limit: 5,
	})
	require.NoError(t, err)
	require.Len(t, got.Consents, 1)
	assert.Equal(t, testConsentID, got.Consents[0].ConsentID)
}

func TestListConsentsAcceptsEnvelopes(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"consents":[` + consentJSON + `],"total":7}`,
		`{"items":[` + consentJSON + `],"totalCount":"7"}`,
		`{"Data":[` + consentJSON + `],"count":7}`,
	} {
		l, err := atto.DecodeConsentList([]byte(body))
		require.NoError(t, err)
		require.Len(t, l.Consents, 1, body)
		assert.Equal(t, 7, l.Total, body)
	}
}

func TestListConsentsRejectsBadParamsWithoutIO(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	for _, p := range []atto.ListConsentsParams{
		{Offset: -1}, {Limit: -1},
		{From: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		_, err := c.ListConsents(t.Context(), p)
		require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	}
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestRevokeConsent(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	registerToken(t, mt, testToken, nil)
	mt.RegisterResponder(http.MethodPost, apiBase+"/consents/v1/"+testConsentID+"/revoke", func(req *http.Request) (*http.Response, error) {
		assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			assert.Empty(t, b)
		}
		return httpmock.NewStringResponse(http.StatusNoContent, ""), nil
	})
	require.NoError(t, c.RevokeConsent(t.Context(), testConsentID))
	assert.Equal(t, 1, mt.GetCallCountInfo()["POST "+apiBase+"/consents/v1/"+testConsentID+"/revoke"])
}

func TestRefreshStoredDataUsesItsOwnScope(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token",
		tokenResponder(t, atto.ScopeStoredData, snakeToken(testDataToken), nil))
	mt.RegisterResponder(http.MethodPost, apiBase+"/stored-data/v1/consents/"+testConsentID+"/refresh",
		consentResponder(t, testDataToken, 200, `{"statusCode":200,"message":"Successfully completed data refresh"}`))
	got, err := c.RefreshStoredData(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Equal(t, &atto.RefreshResult{StatusCode: 200, Message: "Successfully completed data refresh"}, got)
}

func TestPathIDsAreEscaped(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	registerToken(t, mt, testToken, nil)
	mt.RegisterResponder(http.MethodGet, `=~^https://uk\.api\.atto\.co/consents/v1/a%2Fb%3Fc$`,
		jsonResponder(200, `{"consentId":"a/b?c","consentStatus":"Active"}`))
	got, err := c.GetConsent(t.Context(), "a/b?c")
	require.NoError(t, err)
	assert.Equal(t, "a/b?c", got.ConsentID)
}

func TestArgumentsAreCheckedBeforeIO(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	_, err := c.GetConsent(t.Context(), "")
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	require.ErrorIs(t, c.RevokeConsent(t.Context(), ""), reauth.ErrMissingInput)
	_, err = c.RefreshStoredData(t.Context(), "a\nb")
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.ReauthLink(t.Context(), "")
	require.ErrorIs(t, err, reauth.ErrMissingInput)
	var inErr *reauth.InputError
	require.ErrorAs(t, err, &inErr)
	assert.Equal(t, "consentID", inErr.Field)
	assert.Zero(t, mt.GetTotalCallCount())
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		body      string
		header    http.Header
		kind      error
		code, msg string
		requestID string
		retry     time.Duration
	}{
		{"pascal consent_expired", 403, `{"Code":"consent_expired","Description":"Consent has expired","Details":"d","CorrelationId":"corr-1"}`,
			nil, reauth.ErrReauthRequired, "consent_expired", "Consent has expired", "corr-1", 0},
		{"consent_revoked", 403, `{"Code":"consent_revoked","Description":"revoked"}`, nil, reauth.ErrReauthRequired, "consent_revoked", "revoked", "", 0},
		{"consent_denied", 403, `{"Code":"consent_denied"}`, nil, reauth.ErrReauthRequired, "consent_denied", "forbidden", "", 0},
		{"sca_error camel keys", 403, `{"code":"sca_error","description":"SCA elapsed","correlationId":"c2"}`, nil, reauth.ErrReauthRequired, "sca_error", "SCA elapsed", "c2", 0},
		{"refresh not allowed is not reauth", 403, `{"Code":"account_refresh_not_allowed"}`, nil, nil, "account_refresh_not_allowed", "forbidden", "", 0},
		{"statusCode shape 429", 429, `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 52 seconds."}`,
			http.Header{"Retry-After": {"52"}}, reauth.ErrRateLimited, "", "Rate limit is exceeded. Try again in 52 seconds.", "", 52 * time.Second},
		{"statusCode shape 403 revoked", 403, `{"statusCode":403,"message":"The consent or account access has been revoked"}`,
			nil, reauth.ErrReauthRequired, "", "The consent or account access has been revoked", "", 0},
		{"odd field types keep the code", 403, `{"Code":"consent_expired","Description":{"text":"x"},"CorrelationId":12345,"message":null}`,
			nil, reauth.ErrReauthRequired, "consent_expired", "forbidden", "12345", 0},
		{"not found", 404, `{"Code":"consent_not_found","Description":"nope"}`, http.Header{"X-Correlation-Id": {"hdr-id"}}, reauth.ErrNotFound, "consent_not_found", "nope", "hdr-id", 0},
		{"bad request", 400, `{"Code":"parameters_invalid"}`, nil, reauth.ErrInvalidRequest, "parameters_invalid", "bad request", "", 0},
		{"html 500", 500, `<html>oops</html>`, nil, reauth.ErrProviderUnavailable, "", "internal server error", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t, atto.WithRetries(0, 0, 0))
			registerToken(t, mt, testToken, nil)
			mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1/"+testConsentID, func(*http.Request) (*http.Response, error) {
				r := jsonResponse(tc.status, tc.body)
				for k, v := range tc.header {
					r.Header[k] = v
				}
				return r, nil
			})
			_, err := c.GetConsent(t.Context(), testConsentID)
			var apiErr *reauth.APIError
			require.ErrorAs(t, err, &apiErr)
			if tc.kind != nil {
				assert.ErrorIs(t, err, tc.kind)
			} else {
				assert.NotErrorIs(t, err, reauth.ErrReauthRequired)
			}
			assert.Equal(t, reauth.Atto, apiErr.Provider)
			assert.Equal(t, "GET /consents/v1/{consentId}", apiErr.Op)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.msg, apiErr.Message)
			assert.Equal(t, tc.requestID, apiErr.RequestID)
			assert.Equal(t, tc.retry, apiErr.RetryAfter)
			assert.NotContains(t, err.Error(), testConsentID)
			assert.Regexp(t, "^atto: ", err.Error())
		})
	}
}

func TestUnauthorisedClientDropsTheTokenAndRetriesOnce(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var fetches atomic.Int32
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token", func(req *http.Request) (*http.Response, error) {
		n := fetches.Add(1)
		tok := testToken
		if n > 1 {
			tok = testToken2
		}
		return jsonResponse(200, snakeToken(tok)), nil
	})
	var seen []string
	mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1/"+testConsentID, func(req *http.Request) (*http.Response, error) {
		auth := req.Header.Get("Authorization")
		seen = append(seen, auth)
		if auth == "Bearer "+testToken {
			return jsonResponse(401, `{"Code":"unauthorised_client","Description":"Token expired"}`), nil
		}
		return jsonResponse(200, consentJSON), nil
	})
	got, err := c.GetConsent(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.Equal(t, testConsentID, got.ConsentID)
	assert.Equal(t, []string{"Bearer " + testToken, "Bearer " + testToken2}, seen)
	assert.EqualValues(t, 2, fetches.Load())

	// A second call reuses the new token.
	_, err = c.GetConsent(t.Context(), testConsentID)
	require.NoError(t, err)
	assert.EqualValues(t, 2, fetches.Load())
}

func TestUnauthorisedTwiceIsErrUnauthorized(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var fetches atomic.Int32
	registerToken(t, mt, testToken, &fetches)
	mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1/"+testConsentID,
		jsonResponder(401, `{"Code":"unauthorised_client","Description":"no"}`))
	_, err := c.GetConsent(t.Context(), testConsentID)
	require.ErrorIs(t, err, reauth.ErrUnauthorized)
	assert.NotErrorIs(t, err, reauth.ErrReauthRequired)
	assert.EqualValues(t, 2, fetches.Load())
	assert.Equal(t, 2, mt.GetCallCountInfo()["GET "+apiBase+"/consents/v1/"+testConsentID])
}

func TestBadClientCredentialsAreErrUnauthorized(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, apiBase+"/v1/oauth2/token",
		jsonResponder(401, `{"Code":"unauthorised_client","Description":"bad client `+testClientSecret+`"}`))
	_, err := c.Begin(t.Context(), reauth.Request{ConnectionID: testConsentID})
	require.ErrorIs(t, err, reauth.ErrUnauthorized)
	assert.NotContains(t, err.Error(), testClientSecret)
	assert.True(t, errors.Is(err, reauth.ErrUnauthorized))
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestGetConsentFallsBackToLenientDecoding(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, atto.WithRetries(0, 0, 0))
	registerToken(t, mt, testToken, nil)
	answers := []string{
		`{"consentId":"x","providerId":"abc","consentStatus":"Active","consentEnd":1767225600}`,
		``,
		`{"consentId":`,
		`[1,2]`,
	}
	i := 0
	mt.RegisterResponder(http.MethodGet, apiBase+"/consents/v1/x", func(*http.Request) (*http.Response, error) {
		i++
		return jsonResponse(200, answers[i-1]), nil
	})
	got, err := c.GetConsent(t.Context(), "x")
	require.NoError(t, err)
	assert.Equal(t, "abc", got.ProviderID)
	assert.Equal(t, time.Unix(1767225600, 0).UTC(), got.ConsentEnd)
	for range answers[1:] {
		_, err := c.GetConsent(t.Context(), "x")
		require.ErrorIs(t, err, reauth.ErrInvalidResponse)
		assert.Regexp(t, `^atto: GET /consents/v1/\{consentId\}: invalid response`, err.Error())
	}
}
