package finch_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/reauth"
)

// capture records the requests a responder saw.
type capture struct {
	reqs   []*http.Request
	bodies []string
}

func (c *capture) responder(status int, body string, hdr ...string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		b := []byte{}
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		c.reqs = append(c.reqs, r)
		c.bodies = append(c.bodies, string(b))
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			resp.Header.Set(hdr[i], hdr[i+1])
		}
		return resp, nil
	}
}

func basicHeader() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testClientSecret))
}

const introspectJSON = `{
 "id":"tok-1","client_id":"client-id-1234","client_type":"sandbox","connection_id":"conn-1",
 "connection_status":{"status":"reauth","message":"re-auth needed","last_successful_sync":"2026-11-01T10:00:00Z"},
 "connection_type":"provider","products":["company","directory"],"provider_id":"gusto",
 "authentication_methods":[{"type":"credential","connection_status":{"status":"reauth"},"products":["company"]}],
 "entities":[{"id":"ent-1","name":"Acme","source_id":null,"status":"connected"}],
 "customer_id":null,"customer_name":"Acme","customer_email":null,"company_id":"comp-1",
 "manual":"false","username":null,"account_id":"acc-1","payroll_provider_id":"gusto",
 "future_field":{"x":1}}`

func TestIntrospect(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	var cp capture
	mt.RegisterResponder(http.MethodGet, testBase+"/introspect", cp.responder(200, introspectJSON))

	in, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	require.Len(t, cp.reqs, 1)
	r := cp.reqs[0]
	assert.Equal(t, "/prefix/introspect", r.URL.Path)
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	assert.Equal(t, "2020-09-17", r.Header.Get("Finch-API-Version"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Contains(t, r.Header.Get("User-Agent"), "reauthkit-go")
	assert.Empty(t, cp.bodies[0])

	assert.Equal(t, "conn-1", in.ConnectionID)
	assert.Equal(t, finch.StatusReauth, in.Status())
	assert.True(t, in.Status().NeedsReauth())
	assert.Equal(t, finch.ClientTypeSandbox, in.ClientType)
	assert.Equal(t, finch.ConnectionTypeProvider, in.ConnectionType)
	assert.Equal(t, "gusto", in.ProviderID)
	assert.Equal(t, []string{"company", "directory"}, in.Products)
	require.Len(t, in.AuthenticationMethods, 1)
	assert.Equal(t, finch.AuthCredential, in.AuthenticationMethods[0].Type)
	require.Len(t, in.Entities, 1)
	assert.Equal(t, "Acme", in.CustomerName)
	assert.Empty(t, in.CustomerID)
	assert.False(t, bool(in.Manual))
	ts, ok := in.ConnectionStatus.LastSync()
	require.True(t, ok)
	assert.Equal(t, 2026, ts.Year())
}

func TestIntrospectStatusFallsBackToAuthenticationMethods(t *testing.T) {
	t.Parallel()
	var in finch.Introspection
	require.NoError(t, json.Unmarshal([]byte(`{"authentication_methods":[
		{"type":"assisted","connection_status":{"status":"pending"}},
		{"type":"credential","connection_status":{"status":"error_reauth"}},
		{"type":"oauth","connection_status":{"status":"connected"}}]}`), &in))
	assert.Equal(t, finch.StatusErrorReauth, in.Status())
	_, ok := in.ConnectionStatus.LastSync()
	assert.False(t, ok)
}

func TestCompany(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	var cp capture
	mt.RegisterResponder(http.MethodGet, testBase+"/employer/company",
		cp.responder(200, `{"id":"comp-1","legal_name":"Acme","ein":"1","primary_email":null,"locations":[]}`))
	co, err := c.Company(context.Background(), testToken)
	require.NoError(t, err)
	assert.Equal(t, "comp-1", co.ID)
	assert.Equal(t, "Acme", co.LegalName)
	assert.Equal(t, "Bearer "+testToken, cp.reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "2020-09-17", cp.reqs[0].Header.Get("Finch-API-Version"))
}

func TestNewReauthSession(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	var cp capture
	mt.RegisterResponder(http.MethodPost, testBase+"/connect/sessions/reauthenticate", cp.responder(201,
		`{"session_id":"550e8400-e29b-41d4-a716-446655440000","connect_url":"https://connect.tryfinch.com/authorize?session=550e8400-e29b-41d4-a716-446655440000"}`))

	s, err := c.NewReauthSession(context.Background(), finch.ReauthSessionRequest{
		ConnectionID: "conn-1", MinutesToExpire: 60, Products: []string{finch.ProductCompany, finch.ProductDirectory},
		RedirectURI: testRedirect,
	})
	require.NoError(t, err)
	assert.Equal(t, "550e8400-e29b-41d4-a716-446655440000", s.SessionID)
	assert.Contains(t, s.ConnectURL, "session=550e8400")
	r := cp.reqs[0]
	assert.Equal(t, "/prefix/connect/sessions/reauthenticate", r.URL.Path)
	assert.Equal(t, basicHeader(), r.Header.Get("Authorization"))
	assert.Equal(t, "2020-09-17", r.Header.Get("Finch-API-Version"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"connection_id":"conn-1","minutes_to_expire":60,"products":["company","directory"],"redirect_uri":"https://app.example/finch/callback"}`, cp.bodies[0])
	assert.NotContains(t, s.String(), "550e8400")

	// Optional fields are left out.
	_, err = c.NewReauthSession(context.Background(), finch.ReauthSessionRequest{ConnectionID: "conn-2"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"connection_id":"conn-2"}`, cp.bodies[1])
}

func TestNewReauthSessionValidatesBeforeIO(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t) // any request fails the test
	ctx := context.Background()
	_, err := c.NewReauthSession(ctx, finch.ReauthSessionRequest{})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.NewReauthSession(ctx, finch.ReauthSessionRequest{ConnectionID: "c", MinutesToExpire: finch.MaxSessionMinutes + 1})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.NewReauthSession(ctx, finch.ReauthSessionRequest{ConnectionID: "c", RedirectURI: "/relative"})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.Introspect(ctx, "")
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.Company(ctx, "")
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.ExchangeCode(ctx, "", testRedirect)
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
}

func TestNewReauthSessionWithoutConnectURLIsInvalidResponse(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/connect/sessions/reauthenticate",
		httpmock.NewStringResponder(201, `{"session_id":"s"}`))
	_, err := c.NewReauthSession(context.Background(), finch.ReauthSessionRequest{ConnectionID: "c"})
	assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

const tokenJSON = `{"access_token":"new-access-token-NEW-1","token_type":"bearer","connection_id":"conn-1",
 "connection_type":"provider","client_type":"sandbox","provider_id":"gusto","products":["company"],
 "entity_ids":["ent-1"],"company_id":"comp-1","customer_id":null,"customer_name":null,"account_id":"acc-1"}`

func TestExchangeCode(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	var cp capture
	mt.RegisterResponder(http.MethodPost, testBase+"/auth/token", cp.responder(200, tokenJSON))

	tok, err := c.ExchangeCode(context.Background(), testCode, testRedirect)
	require.NoError(t, err)
	assert.Equal(t, "new-access-token-NEW-1", tok.AccessToken)
	assert.Equal(t, "conn-1", tok.ConnectionID)
	assert.Equal(t, []string{"ent-1"}, tok.EntityIDs)
	r := cp.reqs[0]
	assert.Equal(t, "/prefix/auth/token", r.URL.Path)
	assert.Empty(t, r.Header.Get("Authorization"), "credentials travel in the body")
	assert.Equal(t, "2020-09-17", r.Header.Get("Finch-API-Version"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"client_id":"client-id-1234","client_secret":"client-secret-SECRET-5678","code":"auth-code-CODE-4242","redirect_uri":"https://app.example/finch/callback"}`, cp.bodies[0])
	for _, s := range []string{tok.String(), tok.GoString()} {
		assert.NotContains(t, s, tok.AccessToken)
		assert.Contains(t, s, "conn-1")
	}

	// redirect_uri is optional.
	_, err = c.ExchangeCode(context.Background(), testCode, "")
	require.NoError(t, err)
	assert.JSONEq(t, `{"client_id":"client-id-1234","client_secret":"client-secret-SECRET-5678","code":"auth-code-CODE-4242"}`, cp.bodies[1])
}

func TestExchangeCodeIsNotRetriedOn5xx(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	var cp capture
	mt.RegisterResponder(http.MethodPost, testBase+"/auth/token",
		cp.responder(503, `{"code":503,"name":"server_error","message":"down"}`))
	_, err := c.ExchangeCode(context.Background(), testCode, "")
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.Len(t, cp.reqs, 1)
}

func TestExchangeCodeIsRetriedOn429(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	calls := 0
	mt.RegisterResponder(http.MethodPost, testBase+"/auth/token", func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return httpmock.NewStringResponse(429, `{"code":429,"name":"rate_limit_exceeded_error","finch_code":"finch_auth_ip_rl"}`), nil
		}
		return httpmock.NewStringResponse(200, tokenJSON), nil
	})
	_, err := c.ExchangeCode(context.Background(), testCode, "")
	require.NoError(t, err)
	assert.Equal(t, 2, calls)
}

func TestExchangeCodeWithoutAccessTokenIsInvalidResponse(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodPost, testBase+"/auth/token", httpmock.NewStringResponder(200, `{"connection_id":"c"}`))
	_, err := c.ExchangeCode(context.Background(), testCode, "")
	assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
}

func TestAuthorizeURL(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t, finch.WithConnectURL("https://connect.finch.test/base"))
	raw, err := c.AuthorizeURL(finch.AuthorizeParams{
		Products:    []string{finch.ProductCompany, finch.ProductDirectory, finch.ProductPayStatement},
		RedirectURI: testRedirect,
		State:       "st",
	})
	require.NoError(t, err)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "connect.finch.test", u.Host)
	assert.Equal(t, "/base/authorize", u.Path)
	assert.Contains(t, u.RawQuery, "products=company+directory+pay_statement")
	q := u.Query()
	assert.Equal(t, "company directory pay_statement", q.Get("products"))
	assert.Equal(t, testClientID, q.Get("client_id"))
	assert.Equal(t, testRedirect, q.Get("redirect_uri"))
	assert.Equal(t, "st", q.Get("state"))
	assert.True(t, q.Has("sandbox"), "sandbox=false must not be dropped by omitempty")
	assert.Equal(t, "false", q.Get("sandbox"))
	assert.False(t, q.Has("manual"))
	assert.False(t, q.Has("payroll_provider"))

	raw, err = c.AuthorizeURL(finch.AuthorizeParams{Products: []string{"company"}, RedirectURI: testRedirect,
		Sandbox: true, Manual: true, PayrollProvider: "gusto", ConnectionID: "conn-1"})
	require.NoError(t, err)
	u, _ = url.Parse(raw)
	q = u.Query()
	assert.Equal(t, "true", q.Get("sandbox"))
	assert.Equal(t, "true", q.Get("manual"))
	assert.Equal(t, "gusto", q.Get("payroll_provider"))
	assert.Equal(t, "conn-1", q.Get("connection_id"))
	assert.False(t, q.Has("state"))

	_, err = c.AuthorizeURL(finch.AuthorizeParams{RedirectURI: testRedirect})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	_, err = c.AuthorizeURL(finch.AuthorizeParams{Products: []string{"a b"}, RedirectURI: testRedirect})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = c.AuthorizeURL(finch.AuthorizeParams{Products: []string{"company"}})
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		status     int
		kind       error
		code, msg  string
	}{
		{"reauth", `{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"reconnect"}`,
			401, reauth.ErrReauthRequired, "reauthenticate_user", "reconnect"},
		{"account setup", `{"code":401,"name":"authentication_error","finch_code":"account_setup_required","message":"m"}`,
			401, reauth.ErrNewConnectionRequired, "account_setup_required", "m"},
		{"invalid token", `{"code":401,"name":"invalid_token_error","message":"bad token"}`,
			401, reauth.ErrReauthRequired, "invalid_token_error", "bad token"},
		{"invalid client", `{"code":401,"name":"invalid_client_error","message":"creds"}`,
			401, reauth.ErrUnauthorized, "invalid_client_error", "creds"},
		{"payment", `{"code":402,"name":"payment_required","finch_code":"payment_required","message":"unpaid"}`,
			402, finch.ErrPaymentRequired, "payment_required", "unpaid"},
		{"permissions", `{"code":403,"name":"error_permissions","finch_code":"insufficient_account_permissions","message":"perm"}`,
			403, finch.ErrInsufficientPermissions, "insufficient_account_permissions", "perm"},
		{"scope", `{"code":403,"name":"insufficient_scope_error","message":"scope"}`,
			403, reauth.ErrUnauthorized, "insufficient_scope_error", "scope"},
		{"rate limited", `{"statusCode":429,"status":429,"code":429,"message":"Too many requests for token","name":"rate_limit_exceeded_error","finch_code":"finch_application_rl"}`,
			429, reauth.ErrRateLimited, "finch_application_rl", "Too many requests for token"},
		{"revoked as 500", `{"code":500,"name":"server_error","message":"connection may be revoked"}`,
			500, reauth.ErrProviderUnavailable, "server_error", "connection may be revoked"},
		{"not found", `{"code":404,"name":"not_found_error","finch_code":"item_not_found","message":"nope"}`,
			404, reauth.ErrNotFound, "item_not_found", "nope"},
		{"legacy batch fields", `{"code":400,"error_name":"bad_request","error_message":"old"}`,
			400, reauth.ErrInvalidRequest, "bad_request", "old"},
		{"not JSON", `<html>oops</html>`, 500, reauth.ErrProviderUnavailable, "", "internal server error"},
		{"odd types", `{"code":"401","name":7,"finch_code":"reauthenticate_user","message":null}`,
			401, reauth.ErrReauthRequired, "reauthenticate_user", "unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newMock(t, finch.WithRetries(0, 0, 0))
			mt.RegisterResponder(http.MethodGet, testBase+"/employer/company",
				(&capture{}).responder(tc.status, tc.body, "Finch-Request-Id", "req-123"))
			_, err := c.Company(context.Background(), testToken)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			var apiErr *reauth.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, reauth.Finch, apiErr.Provider)
			assert.Equal(t, "GET /employer/company", apiErr.Op)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.msg, apiErr.Message)
			assert.Equal(t, "req-123", apiErr.RequestID)
			assert.NotContains(t, err.Error(), testToken)
			assert.Regexp(t, `^finch: `, err.Error())
		})
	}
}

// TestDataSyncInProgressIsAnError: Finch answers 202 with its error shape
// while an assisted connection syncs; that is no data, not an empty value.
func TestDataSyncInProgressIsAnError(t *testing.T) {
	t.Parallel()
	c, mt := newMock(t, finch.WithRetries(0, 0, 0))
	mt.RegisterResponder(http.MethodGet, testBase+"/employer/company", (&capture{}).responder(202,
		`{"code":202,"name":"accepted","finch_code":"data_sync_in_progress","message":"sync for `+testToken+` in progress"}`,
		"Finch-Request-Id", "req-202"))
	co, err := c.Company(context.Background(), testToken)
	require.Error(t, err)
	assert.Nil(t, co)
	assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	assert.False(t, finch.IsReauthRequired(err))
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusAccepted, apiErr.StatusCode)
	assert.Equal(t, finch.CodeDataSyncInProgress, apiErr.Code)
	assert.Equal(t, "GET /employer/company", apiErr.Op)
	assert.Equal(t, "req-202", apiErr.RequestID)
	assert.Equal(t, "sync for REDACTED in progress", apiErr.Message)
	assert.NotContains(t, err.Error(), testToken)

	// A 202 without a body is the same error.
	mt.RegisterResponder(http.MethodGet, testBase+"/employer/company", httpmock.NewStringResponder(202, ""))
	_, err = c.Company(context.Background(), testToken)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, finch.CodeDataSyncInProgress, apiErr.Code)
}
