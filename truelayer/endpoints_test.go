package truelayer_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
)

const (
	authURL = "https://auth.truelayer.com"
	apiURL  = "https://api.truelayer.com"
)

func TestReauthURIRequest(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, truelayer.WithUserAgent("myapp/1"))
	mt.RegisterResponder(http.MethodPost, authURL+"/v1/reauthuri", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "203.0.113.9", r.Header.Get("X-PSU-IP"))
		assert.Contains(t, r.Header.Get("User-Agent"), "reauthkit-go myapp/1")
		assert.Empty(t, r.Header.Get("Authorization"))
		assert.JSONEq(t, `{"response_type":"code","refresh_token":"rt-abcdef","redirect_uri":"https://app.example/cb","state":"st-1"}`, readBody(t, r))
		return jsonResponder(200, `{"success":true,"result":"https://bank.example/authorize?x=1"}`)(r)
	})
	link, err := c.ReauthURI(context.Background(), truelayer.ReauthURIRequest{
		RefreshToken: "rt-abcdef", RedirectURI: "https://app.example/cb", State: "st-1", UserIP: "203.0.113.9",
	})
	require.NoError(t, err)
	assert.Equal(t, "https://bank.example/authorize?x=1", link)
}

func TestReauthURIOmitsEmptyStateAndPSUIP(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/v1/reauthuri", func(r *http.Request) (*http.Response, error) {
		assert.Empty(t, r.Header.Values("X-PSU-IP"))
		assert.JSONEq(t, `{"response_type":"code","refresh_token":"rt-abcdef","redirect_uri":"https://app.example/cb"}`, readBody(t, r))
		return jsonResponder(200, `{"success":"true","result":"https://bank.example/a"}`)(r)
	})
	_, err := c.ReauthURI(context.Background(), truelayer.ReauthURIRequest{RefreshToken: "rt-abcdef", RedirectURI: "https://app.example/cb"})
	require.NoError(t, err)
}

func TestReauthURIRefusals(t *testing.T) {
	t.Parallel()
	for name, resp := range map[string]struct {
		status int
		body   string
	}{
		"success false":       {200, `{"success":false}`},
		"success without url": {200, `{"success":true}`},
		"401 past the window": {401, `{"error":"unauthorized","error_description":"nope"}`},
		"401 with html body":  {401, `<html>no</html>`},
		"400 invalid_grant":   {400, `{"error":"invalid_grant","error_description":"refresh token expired"}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t)
			mt.RegisterResponder(http.MethodPost, authURL+"/v1/reauthuri", jsonResponder(resp.status, resp.body))
			_, err := c.ReauthURI(context.Background(), truelayer.ReauthURIRequest{RefreshToken: "rt-abcdef", RedirectURI: "https://app.example/cb"})
			require.Error(t, err)
			assert.ErrorIs(t, err, reauth.ErrReauthRequired)
			var apiErr *reauth.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, "POST /v1/reauthuri", apiErr.Op)
			assert.NotContains(t, err.Error(), "rt-abcdef")
		})
	}
}

// A 401 that names a client problem is a configuration error, not the end
// of the re-authentication window.
func TestReauthURI401ClientErrorsAreNotReauth(t *testing.T) {
	t.Parallel()
	for _, code := range []string{truelayer.CodeUnauthorizedClient, truelayer.CodeInvalidClient} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t)
			mt.RegisterResponder(http.MethodPost, authURL+"/v1/reauthuri", jsonResponder(401, `{"error":"`+code+`","error_description":"wrong environment"}`))
			_, err := c.ReauthURI(context.Background(), truelayer.ReauthURIRequest{RefreshToken: "rt-abcdef", RedirectURI: "https://app.example/cb"})
			assert.ErrorIs(t, err, reauth.ErrUnauthorized)
			assert.NotErrorIs(t, err, reauth.ErrReauthRequired)
			var apiErr *reauth.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, code, apiErr.Code)
			assert.Equal(t, "wrong environment", apiErr.Message)
		})
	}
}

func TestReauthURIRetried503Then200(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/v1/reauthuri",
		jsonResponder(503, `{"error":"temporarily_unavailable"}`).Then(jsonResponder(200, `{"success":true,"result":"https://bank.example/a"}`)))
	link, err := c.ReauthURI(context.Background(), truelayer.ReauthURIRequest{RefreshToken: "rt-abcdef", RedirectURI: "https://app.example/cb"})
	require.NoError(t, err)
	assert.Equal(t, "https://bank.example/a", link)
	assert.Equal(t, 2, mt.GetTotalCallCount())
}

func TestExchangeCodeRequest(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/connect/token", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		f := readForm(t, r)
		assert.Equal(t, map[string][]string{
			"grant_type": {"authorization_code"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
			"redirect_uri": {"https://app.example/cb"}, "code": {"code-xyz"}, "code_verifier": {"verifier-1"},
		}, map[string][]string(f))
		return jsonResponder(200, `{"access_token":"at-new","refresh_token":"rt-new","expires_in":"3600","token_type":"Bearer","scope":"info accounts"}`)(r)
	})
	tok, err := c.ExchangeCode(context.Background(), "code-xyz", "https://app.example/cb", "verifier-1")
	require.NoError(t, err)
	assert.Equal(t, truelayer.Token{AccessToken: "at-new", RefreshToken: "rt-new", ExpiresAt: testNow.Add(time.Hour), TokenType: "Bearer", Scope: "info accounts"}, *tok)
}

func TestExchangeCode503SentOnce(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/connect/token", jsonResponder(503, `{"error":"temporarily_unavailable"}`))
	_, err := c.ExchangeCode(context.Background(), "code-xyz", "https://app.example/cb", "")
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestExchangeCode429Retried(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/connect/token",
		jsonResponder(429, `{"error":"too_many_requests"}`, "Retry-After", "0").Then(jsonResponder(200, `{"access_token":"at","refresh_token":"rt","expires_in":3600}`)))
	_, err := c.ExchangeCode(context.Background(), "code-xyz", "https://app.example/cb", "")
	require.NoError(t, err)
	assert.Equal(t, 2, mt.GetTotalCallCount())
}

func TestRefreshTokenRequestAndInvalidGrant(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/connect/token", func(r *http.Request) (*http.Response, error) {
		f := readForm(t, r)
		assert.Equal(t, map[string][]string{
			"grant_type": {"refresh_token"}, "client_id": {testClientID}, "client_secret": {testClientSecret}, "refresh_token": {"rt-old-123"},
		}, map[string][]string(f))
		return jsonResponder(400, `{"error":"invalid_grant","error_description":"refresh token expired","error_details":{"reason":"consent_expired"}}`, "X-TL-Correlation-Id", "corr-77")(r)
	})
	_, err := c.RefreshToken(context.Background(), "rt-old-123")
	require.Error(t, err)
	assert.True(t, errors.Is(err, reauth.ErrReauthRequired))
	var apiErr *reauth.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, reauth.TrueLayer, apiErr.Provider)
	assert.Equal(t, "POST /connect/token", apiErr.Op)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, truelayer.CodeInvalidGrant, apiErr.Code)
	assert.Equal(t, "refresh token expired", apiErr.Message)
	assert.Equal(t, "corr-77", apiErr.RequestID)
	assert.Equal(t, map[string]any{"error_details": map[string]any{"reason": "consent_expired"}}, apiErr.Details)
	assert.NotContains(t, err.Error(), "rt-old-123")
	assert.NotContains(t, err.Error(), testClientSecret)
}

// An absurd expires_in would overflow time.Duration into a past expiry;
// it is treated as absent.
func TestTokenAbsurdExpiresIn(t *testing.T) {
	t.Parallel()
	for _, v := range []string{`9223372036854775807`, `"1000000000000"`, `-5`, `0`} {
		c, mt := mockClient(t)
		mt.RegisterResponder(http.MethodPost, authURL+"/connect/token", jsonResponder(200, `{"access_token":"at","refresh_token":"rt","expires_in":`+v+`}`))
		tok, err := c.RefreshToken(context.Background(), "rt-old-123")
		require.NoError(t, err, v)
		assert.True(t, tok.ExpiresAt.IsZero(), "expires_in %s gave %s", v, tok.ExpiresAt)
	}
}

func TestTokenWithoutAccessTokenIsInvalidResponse(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, authURL+"/connect/token", jsonResponder(200, `{"token_type":"Bearer"}`))
	_, err := c.RefreshToken(context.Background(), "rt-old-123")
	assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		hdr     []string
		kind    error
		code    string
		message string
		reqID   string
	}{
		{"invalid_grant", 400, `{"error":"invalid_grant"}`, nil, reauth.ErrReauthRequired, "invalid_grant", "bad request", ""},
		{"access_denied 403", 403, `{"error":"access_denied","error_description":"Consent expired"}`, nil, reauth.ErrReauthRequired, "access_denied", "Consent expired", ""},
		{"sca_exceeded keeps its code", 403, `{"error":"sca_exceeded","error_description":"SCA window"}`, nil, nil, "sca_exceeded", "SCA window", ""},
		{"invalid_client", 400, `{"error":"invalid_client"}`, nil, reauth.ErrUnauthorized, "invalid_client", "bad request", ""},
		{"unauthorized_client 401", 401, `{"error":"unauthorized_client","error_description":"wrong environment"}`, nil, reauth.ErrUnauthorized, "unauthorized_client", "wrong environment", ""},
		{"invalid_authorization_code restarts the flow", 400, `{"error":"invalid_authorization_code"}`, nil, reauth.ErrFlowExpired, "invalid_authorization_code", "bad request", ""},
		{"nested error object", 401, `{"error":{"code":"invalid_token","message":"token expired"}}`, nil, truelayer.ErrAccessTokenExpired, "invalid_token", "token expired", ""},
		{"unauthorized 401", 401, `{"error":"unauthorized"}`, nil, truelayer.ErrAccessTokenExpired, "unauthorized", "unauthorized", ""},
		{"provider_too_many_requests", 429, `{"error":"provider_too_many_requests"}`, []string{"Retry-After", "3600"}, reauth.ErrRateLimited, "provider_too_many_requests", "too many requests", ""},
		{"account_not_found", 404, `{"error":"account_not_found"}`, nil, reauth.ErrNotFound, "account_not_found", "not found", ""},
		{"problem+json 403", 403, `{"type":"https://docs.truelayer.com/docs/data-v3-errors#forbidden","title":"Forbidden","status":403,"detail":"Consent revoked","trace_id":"trace-1"}`, nil, reauth.ErrReauthRequired, "Forbidden", "Consent revoked", "trace-1"},
		{"problem+json invalid state", 400, `{"type":"x","title":"Invalid State","status":400,"trace_id":"trace-2","errors":{"a":["b"]}}`, nil, reauth.ErrReauthRequired, "Invalid State", "Invalid State", "trace-2"},
		{"problem+json 502", 502, `{"type":"x","title":"Provider Error","status":502,"detail":"bank down"}`, nil, reauth.ErrProviderUnavailable, "Provider Error", "bank down", ""},
		{"correlation id wins over trace id", 404, `{"title":"Not Found","trace_id":"trace-3"}`, []string{"X-Tl-Correlation-Id", "corr-9"}, reauth.ErrNotFound, "Not Found", "Not Found", "corr-9"},
		{"html", 500, `<html>oops</html>`, nil, reauth.ErrProviderUnavailable, "", "internal server error", ""},
		{"json array", 500, `[1,2]`, nil, reauth.ErrProviderUnavailable, "", "internal server error", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t, truelayer.WithRetries(0, 0, 0))
			mt.RegisterResponder(http.MethodGet, apiURL+"/data/v1/me", jsonResponder(tc.status, tc.body, tc.hdr...))
			_, err := c.Me(context.Background(), "at-secret-1")
			var apiErr *reauth.APIError
			require.True(t, errors.As(err, &apiErr), err)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, tc.reqID, apiErr.RequestID)
			if tc.kind == nil {
				assert.Nil(t, apiErr.Kind)
			} else {
				assert.ErrorIs(t, err, tc.kind)
			}
			assert.Equal(t, "GET /data/v1/me", apiErr.Op)
		})
	}
}

func TestExtendConnection(t *testing.T) {
	t.Parallel()
	req := truelayer.ExtendRequest{
		RefreshToken: "rt-ext-1", RedirectURI: "https://app.example/cb", UserHasReconfirmedConsent: true,
		User: truelayer.User{ID: "6f0a3c1e-user", Name: "Jane Doe", Email: "jane@example.com"}, State: "st-9", UserIP: "198.51.100.1",
	}
	wantBody := `{"client_id":"client-id-123","client_secret":"client-secret-SHOULD-NOT-LEAK","refresh_token":"rt-ext-1",
		"redirect_uri":"https://app.example/cb","user_has_reconfirmed_consent":true,
		"user":{"id":"6f0a3c1e-user","name":"Jane Doe","email":"jane@example.com"},"state":"st-9"}`
	for _, tc := range []struct {
		name   string
		opts   []truelayer.Option
		path   string
		answer string
		check  func(t *testing.T, r *truelayer.ExtendResult, err error)
	}{
		{"no action needed", nil, "/data/v1/connections/extend",
			`{"action_needed":"no_action_needed","access_token":"at-x","refresh_token":"rt-x","expires_in":3600,"token_type":"Bearer"}`,
			func(t *testing.T, r *truelayer.ExtendResult, err error) {
				require.NoError(t, err)
				assert.Equal(t, truelayer.NoActionNeeded, r.ActionNeeded)
				require.NotNil(t, r.Token)
				assert.Equal(t, "at-x", r.Token.AccessToken)
				assert.Equal(t, "rt-x", r.Token.RefreshToken)
				assert.Equal(t, testNow.Add(time.Hour), r.Token.ExpiresAt)
			}},
		{"authentication needed on a configured path", []truelayer.Option{truelayer.WithExtendPath("/connections/extend")}, "/connections/extend",
			`{"action_needed":"authentication_needed","user_input_link":"https://bank.example/sca"}`,
			func(t *testing.T, r *truelayer.ExtendResult, err error) {
				require.NoError(t, err)
				assert.Equal(t, truelayer.AuthenticationNeeded, r.ActionNeeded)
				assert.Equal(t, "https://bank.example/sca", r.UserInputLink)
				assert.Nil(t, r.Token)
			}},
		{"reconfirmation needed", nil, "/data/v1/connections/extend",
			`{"action_needed":"reconfirmation_of_consent_needed","user_input_link":"https://tl.example/reconfirm"}`,
			func(t *testing.T, r *truelayer.ExtendResult, err error) {
				require.NoError(t, err)
				assert.Equal(t, truelayer.ReconfirmationOfConsentNeeded, r.ActionNeeded)
			}},
		{"no action without tokens", nil, "/data/v1/connections/extend", `{"action_needed":"no_action_needed"}`,
			func(t *testing.T, _ *truelayer.ExtendResult, err error) {
				assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
			}},
		{"auth without link", nil, "/data/v1/connections/extend", `{"action_needed":"authentication_needed"}`,
			func(t *testing.T, _ *truelayer.ExtendResult, err error) {
				assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
			}},
		{"no action field", nil, "/data/v1/connections/extend", `{}`,
			func(t *testing.T, _ *truelayer.ExtendResult, err error) {
				assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t, tc.opts...)
			mt.RegisterResponder(http.MethodPost, apiURL+tc.path, func(r *http.Request) (*http.Response, error) {
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				assert.Equal(t, "198.51.100.1", r.Header.Get("X-PSU-IP"))
				assert.JSONEq(t, wantBody, readBody(t, r))
				return jsonResponder(200, tc.answer)(r)
			})
			res, err := c.ExtendConnection(context.Background(), req)
			tc.check(t, res, err)
		})
	}
}

func TestExtendConnection503SentOnce(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, apiURL+"/data/v1/connections/extend", jsonResponder(503, `{}`))
	_, err := c.ExtendConnection(context.Background(), truelayer.ExtendRequest{
		RefreshToken: "rt", RedirectURI: "https://app/cb", UserHasReconfirmedConsent: true, User: truelayer.User{ID: "u", Name: "n", Phone: "+44"},
	})
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestMe(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, apiURL+"/data/v1/me", func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, "Bearer at-me-1", r.Header.Get("Authorization"))
		assert.Nil(t, r.Body)
		return jsonResponder(200, `{"results":[{"client_id":"cid","credentials_id":"cred-1","consent_status":"Authorised",
			"consent_status_updated_at":"2026-01-01T00:00:00Z","consent_created_at":1767225600,
			"consent_expires_at":"2026-04-01T00:00:00.000Z","provider":{"display_name":"Bank","logo_uri":"https://l","provider_id":"ob-bank"},
			"scopes":["info","accounts"],"privacy_policy":"Feb2021","unknown":{"x":1}}],"status":"Succeeded"}`)(r)
	})
	me, err := c.Me(context.Background(), "at-me-1")
	require.NoError(t, err)
	assert.Equal(t, &truelayer.Me{
		ClientID: "cid", CredentialsID: "cred-1", ConsentStatus: truelayer.StatusAuthorised,
		ConsentStatusUpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		ConsentCreatedAt:       time.Unix(1767225600, 0).UTC(),
		ConsentExpiresAt:       time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Provider:               truelayer.MeProvider{ProviderID: "ob-bank", DisplayName: "Bank", LogoURI: "https://l"},
		Scopes:                 []string{"info", "accounts"}, PrivacyPolicy: "Feb2021",
	}, me)
}

func TestMeEmptyResults(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, apiURL+"/data/v1/me", jsonResponder(200, `{"results":[]}`))
	_, err := c.Me(context.Background(), "at-me-1")
	assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

func TestInspectStates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   reauth.HealthState
	}{
		{"healthy", 200, `{"results":[{"credentials_id":"c","consent_status":"Authorised","consent_expires_at":"2026-05-01T00:00:00Z"}]}`, reauth.Healthy},
		{"expiring", 200, `{"results":[{"credentials_id":"c","consent_status":"Authorised","consent_expires_at":"2026-03-05T00:00:00Z"}]}`, reauth.ExpiringSoon},
		{"expired by date", 200, `{"results":[{"credentials_id":"c","consent_expires_at":"2026-02-01T00:00:00Z"}]}`, reauth.NeedsReauth},
		{"expired status", 200, `{"results":[{"credentials_id":"c","consent_status":"Expired"}]}`, reauth.NeedsReauth},
		{"revoked", 200, `{"results":[{"credentials_id":"c","consent_status":"Revoked"}]}`, reauth.Revoked},
		{"unknown status", 200, `{"results":[{"credentials_id":"c","consent_status":"Weird"}]}`, reauth.Unknown},
		{"403 access_denied", 403, `{"error":"access_denied"}`, reauth.NeedsReauth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t)
			mt.RegisterResponder(http.MethodGet, apiURL+"/data/v1/me", jsonResponder(tc.status, tc.body))
			h, err := c.Inspect(context.Background(), reauth.Request{Token: "at-1234"})
			require.NoError(t, err)
			assert.Equal(t, tc.want, h.State)
			assert.Equal(t, reauth.TrueLayer, h.Provider)
			assert.Equal(t, testNow, h.CheckedAt)
		})
	}
	t.Run("user IP sent as X-PSU-IP", func(t *testing.T) {
		t.Parallel()
		c, mt := mockClient(t)
		mt.RegisterResponder(http.MethodGet, apiURL+"/data/v1/me", func(r *http.Request) (*http.Response, error) {
			assert.Equal(t, "Bearer at-1234", r.Header.Get("Authorization"))
			assert.Equal(t, "203.0.113.7", r.Header.Get("X-PSU-IP"))
			return jsonResponder(200, `{"results":[{"credentials_id":"cred-7","consent_status":"Authorised","consent_expires_at":"2026-05-01T00:00:00Z"}]}`)(r)
		})
		h, err := c.Inspect(context.Background(), reauth.Request{Token: "at-1234", UserIP: "203.0.113.7"})
		require.NoError(t, err)
		assert.Equal(t, "cred-7", h.ConnectionID)
		assert.Equal(t, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), h.ExpiresAt)
		assert.Equal(t, 1, mt.GetTotalCallCount())
	})
	t.Run("401 is an error", func(t *testing.T) {
		t.Parallel()
		c, mt := mockClient(t)
		mt.RegisterResponder(http.MethodGet, apiURL+"/data/v1/me", jsonResponder(401, `{"error":"invalid_token"}`))
		_, err := c.Inspect(context.Background(), reauth.Request{Token: "at-1234"})
		assert.ErrorIs(t, err, truelayer.ErrAccessTokenExpired, "the user's token, not the app's credentials")
		assert.NotErrorIs(t, err, reauth.ErrUnauthorized)
	})
}
