package yapily_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

// Yapily's PATCH keeps the old authorizedAt; a completed re-authorisation
// shows as status AUTHORIZED and lastConfirmedAt/expiresAt/reconfirmBy
// moving. Waiting for a newer authorizedAt would poll until the TTL.
func TestCompletionWithoutNewerAuthorizedAt(t *testing.T) {
	t.Parallel()
	srv, c, consent, flow := beginExpired(t, yapilytest.ConsentSpec{})
	ctx := context.Background()
	_, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	snap, _ := srv.Consent(consent.ID)
	require.Equal(t, consent.AuthorizedAt, snap.AuthorizedAt, "the simulator keeps authorizedAt, as Yapily documents")

	done, err := c.Continue(ctx, flow, reauth.Reply{}) // polling, no callback
	require.NoError(t, err)
	require.Equal(t, reauth.StepDone, done.Step)
	assert.Equal(t, snap.ExpiresAt.UnixMilli(), done.Result.Credentials.ExpiresAt.UnixMilli())
	assert.False(t, done.Result.CredentialsChanged)
}

// A consent the PATCH left AUTHORIZED is done once a documented mover
// advances, and not before.
func TestCompletionByAdvancingFields(t *testing.T) {
	t.Parallel()
	mt, c := mockClient(t)
	patch := strings.Replace(authResponse, `"status":"AWAITING_RE_AUTHORIZATION"`, `"status":"AUTHORIZED"`, 1)
	mt.RegisterResponder(http.MethodPatch, testBase+"/account-auth-requests", jsonResp(201, patch))
	get := func(lastConfirmed string) string {
		return `{"meta":{},"data":{"id":"` + testConsent + `","status":"AUTHORIZED","authorizedAt":"2021-06-09T08:23:03.944Z",` +
			`"lastConfirmedAt":"` + lastConfirmed + `","expiresAt":"2021-09-07T08:23:03.944Z","reconfirmBy":"2021-09-07T08:23:03.944Z"}}`
	}
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: testConsent, Token: testToken})
	require.NoError(t, err)
	mt.RegisterResponder(http.MethodGet, testBase+"/consents/"+testConsent, jsonResp(200, get("2021-06-09T08:23:03.944Z")))
	same, err := c.Continue(ctx, flow, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, same.Step, "nothing moved yet")
	mt.RegisterResponder(http.MethodGet, testBase+"/consents/"+testConsent, jsonResp(200, get("2021-06-10T09:00:00.000Z")))
	done, err := c.Continue(ctx, flow, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step, "lastConfirmedAt advanced")
}

func TestOwnLicenceAuthCodeFlow(t *testing.T) {
	t.Parallel()
	srv, c, consent, flow := beginExpired(t, yapilytest.ConsentSpec{Redirect: "https://tpp.example/redirect"},
		yapily.WithCallbackMode(yapily.CallbackModeAuthCode))
	ctx := context.Background()
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	require.NotEmpty(t, cb.Get("code"))

	pending, err := c.Continue(ctx, flow, reauth.Reply{})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepRedirect, pending.Step, "not AUTHORIZED before the code is exchanged")

	// A code with another state is refused before anything is spent.
	forged := url.Values{"code": {cb.Get("code")}, "state": {"not-the-consent-state"}}
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: forged})
	require.ErrorIs(t, err, reauth.ErrStateMismatch)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: url.Values{"code": {cb.Get("code")}}})
	require.ErrorIs(t, err, reauth.ErrStateMismatch)
	assert.Zero(t, srv.Count(yapilytest.RouteAuthCode))

	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	assert.Equal(t, 1, srv.Count(yapilytest.RouteAuthCode))
	snap, _ := srv.Consent(consent.ID)
	assert.Equal(t, yapilytest.StatusAuthorized, snap.Status)
	body := string(srv.Requests()[len(srv.Requests())-1].Body)
	assert.JSONEq(t, `{"authCode":"`+cb.Get("code")+`","authState":"`+cb.Get("state")+`"}`, body)

	// The bank's refusal on the own redirect is a cancel.
	flow, err = c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	denied, err := srv.Deny(ctx, flow.URL)
	require.NoError(t, err)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: denied})
	require.ErrorIs(t, err, reauth.ErrUserCancelled)
}

func TestOneTimeTokenFlow(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t, yapily.WithCallbackMode(yapily.CallbackModeOneTimeToken))
	consent := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired, OneTimeToken: true})
	other := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired, OneTimeToken: true})
	ctx := context.Background()
	flow, err := c.Begin(ctx, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	otherFlow, err := c.Begin(ctx, reauth.Request{ConnectionID: other.ID, Token: other.Token})
	require.NoError(t, err)
	cb, err := srv.Approve(ctx, flow.URL)
	require.NoError(t, err)
	require.NotEmpty(t, cb.Get(yapily.CallbackOneTimeToken))
	assert.Empty(t, cb.Get("consent"), "the consent token is not on the callback")

	otherCB, err := srv.Approve(ctx, otherFlow.URL)
	require.NoError(t, err)
	_, err = c.Continue(ctx, flow, reauth.Reply{Callback: otherCB})
	require.ErrorIs(t, err, reauth.ErrStateMismatch, "another consent's one-time token")

	done, err := c.Continue(ctx, flow, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	assert.False(t, done.Result.CredentialsChanged)
	assert.Equal(t, 2, srv.Count(yapilytest.RouteOneTime))
}

func TestWithCallbackModeValidates(t *testing.T) {
	t.Parallel()
	_, err := yapily.New(yapily.Credentials{ApplicationID: "a", ApplicationSecret: "b"}, yapily.WithCallbackMode("sms"))
	require.ErrorContains(t, err, "WithCallbackMode")
}

// A QR flow ends on another device: the callback carries the consent token
// and none of our cookies or state. The app finds its flow by CallbackID
// (the hash of the token it began with) and continues it.
func TestQRFlowResolvedByCallbackID(t *testing.T) {
	t.Parallel()
	srv, c, consent, flow := beginExpired(t, yapilytest.ConsentSpec{})
	ctx := context.Background()
	require.NotEmpty(t, flow.QRCodeURL)
	sum := sha256.Sum256([]byte(consent.Token))
	stored := map[string]*reauth.Flow{hex.EncodeToString(sum[:]): flow} // what the app indexed at Begin

	cb, err := srv.Approve(ctx, flow.URL) // on the phone
	require.NoError(t, err)
	assert.Empty(t, cb.Get("state"))
	found := stored[yapily.CallbackID(cb)]
	require.NotNil(t, found, "the callback names the flow")
	done, err := c.Continue(ctx, found, reauth.Reply{Callback: cb})
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)
	assert.Empty(t, yapily.CallbackID(url.Values{"error": {"access_denied"}}))
}

// beginExpired adds an EXPIRED consent (spec's other fields kept) to a new
// simulator and begins its re-authorisation.
func beginExpired(t *testing.T, spec yapilytest.ConsentSpec, opts ...yapily.Option) (*yapilytest.Server, *yapily.Client, yapilytest.Consent, *reauth.Flow) {
	t.Helper()
	srv, c := simClient(t, opts...)
	spec.Status = yapilytest.StatusExpired
	consent := srv.AddConsent(spec)
	flow, err := c.Begin(context.Background(), reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
	require.NoError(t, err)
	return srv, c, consent, flow
}
