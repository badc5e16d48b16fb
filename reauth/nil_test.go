package reauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

type ptrVerifier struct{ prefix string }

func (v *ptrVerifier) Verify(context.Context, *http.Request, []byte) (*reauth.Event, error) {
	return &reauth.Event{ID: v.prefix}, nil // panics on a nil *ptrVerifier
}

// TestNilAndZeroValues: typed nils are refused where a nil is, nil
// receivers answer errors, and no exported function or method of package
// reauth panics on nil and zero values.
func TestNilAndZeroValues(t *testing.T) {
	t.Parallel()
	_, err := reauth.NewRegistry((*reauthtest.Fake)(nil))
	assert.Error(t, err, "a typed nil Reauthenticator is nil")
	_, err = reauth.NewRegistry(nil)
	assert.Error(t, err)

	var reg *reauth.Registry
	assert.Nil(t, reg.Providers())
	_, ok := reg.Get(reauth.Atto)
	assert.False(t, ok)
	_, err = reg.Begin(context.Background(), reauth.Atto, reauth.Request{})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = reg.Continue(context.Background(), &reauth.Flow{}, reauth.Reply{})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = reg.Inspect(context.Background(), reauth.Atto, reauth.Request{})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)

	for _, v := range []reauth.WebhookVerifier{nil, (*ptrVerifier)(nil), verifierFunc(nil)} {
		h := reauth.NewWebhookHandler(v, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`)))
		assert.Equal(t, http.StatusUnauthorized, w.Code, "%T", v)
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body = nil
	w := httptest.NewRecorder()
	reauth.NewWebhookHandler(&ptrVerifier{}, nil).ServeHTTP(w, r)
	assert.Equal(t, http.StatusOK, w.Code)

	zeroCalls := []func(){
		func() { reauth.NextAction(nil) },
		func() { reauth.NextAction((*reauth.APIError)(nil)) },
		func() { _ = reauth.KindForStatus(0) },
		func() { _ = reauth.MissingInput("", "").Error() },
		func() { _ = reauth.InvalidInput("", "", "").Error() },
		func() { reauth.ClassifyExpiry(time.Time{}, time.Time{}, time.Time{}, 0) },
		func() {
			_ = reauth.RedactSecret("") + reauth.RedactURL("") + reauth.RedactURL("::") + reauth.RedactKeys[string](nil)
		},
		func() { _ = reauth.Redact("").String(); _ = reauth.Show("", nil) },
		func() { reauth.StateMatches("", ""); _ = reauth.NewState() },
		func() {
			//lint:ignore SA1012 a nil ctx on purpose: WithConnection must cope
			reauth.ConnectionFrom(reauth.WithConnection(nil, "", ""))
		},
		func() {
			reauth.NewWebhookHandler(nil, nil, nil, reauth.WithMaxWebhookBytes(-1), reauth.WithWebhookLogger(nil))
		},
	}
	for i, call := range zeroCalls {
		assert.NotPanics(t, call, "call %d", i)
	}
	var (
		nilErr   *reauth.APIError
		nilInput *reauth.InputError
		nilFlow  *reauth.Flow
		nilRes   *reauth.Result
		nilHlth  *reauth.Health
		nilTr    *reauth.Transport
	)
	n := reauthtest.CheckNilSafe(t,
		reg, &reauth.Registry{}, nilErr, &reauth.APIError{}, nilInput, &reauth.InputError{},
		reauth.Flow{}, nilFlow, nilRes, reauth.Result{}, reauth.Credentials{}, reauth.Request{}, reauth.Reply{},
		nilHlth, &reauth.Health{}, nilTr, &reauth.Transport{}, reauth.RedactedValue{},
		reauth.NewWebhookHandler(nil, nil))
	require.Greater(t, n, 40)
}
