package reauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAPIErrorWorksThroughWrapping(t *testing.T) {
	t.Parallel()
	apiErr := &reauth.APIError{Provider: reauth.Finch, Op: "GET /introspect", StatusCode: 401,
		Code: "reauthenticate_user", Message: "reconnect", RequestID: "rid-1", Kind: reauth.ErrReauthRequired}
	err := fmt.Errorf("wrap: %w", apiErr)
	assert.ErrorIs(t, err, reauth.ErrReauthRequired)
	assert.NotErrorIs(t, err, reauth.ErrUnauthorized)
	var got *reauth.APIError
	require.ErrorAs(t, err, &got)
	assert.Same(t, apiErr, got)
	assert.Equal(t, "finch: GET /introspect: 401 reauthenticate_user: reconnect (request id rid-1)", apiErr.Error())
}

func TestKindForStatus(t *testing.T) {
	t.Parallel()
	cases := map[int]error{400: reauth.ErrInvalidRequest, 401: reauth.ErrUnauthorized, 404: reauth.ErrNotFound,
		422: reauth.ErrInvalidRequest, 429: reauth.ErrRateLimited, 500: reauth.ErrProviderUnavailable,
		503: reauth.ErrProviderUnavailable, 403: nil, 409: nil}
	for status, want := range cases {
		assert.Equal(t, want, reauth.KindForStatus(status), status)
	}
}

func TestInputErrorNamesTheField(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("x: %w", reauth.MissingInput(reauth.Mono, "otp"))
	assert.ErrorIs(t, err, reauth.ErrMissingInput)
	var in *reauth.InputError
	require.ErrorAs(t, err, &in)
	assert.Equal(t, "otp", in.Field)
	assert.Equal(t, "x: mono: otp is required", err.Error())
	assert.ErrorIs(t, reauth.InvalidInput(reauth.Mono, "otp", "is longer than 6 characters"), reauth.ErrInvalidRequest)
}

func TestStateIsRandomURLSafeAndComparedExactly(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		s := reauth.NewState()
		require.Len(t, s, 22) // 128 bits, base64url without padding
		require.Equal(t, url.QueryEscape(s), s)
		require.False(t, seen[s])
		seen[s] = true
	}
	assert.True(t, reauth.StateMatches("abc", "abc"))
	assert.False(t, reauth.StateMatches("abc", "abd"))
	assert.False(t, reauth.StateMatches("abc", "abcd"))
	assert.False(t, reauth.StateMatches("", ""))
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	atto, finch := reauthtest.NewFake(reauth.Atto), reauthtest.NewFake(reauth.Finch)
	_, err := reauth.NewRegistry(atto, reauthtest.NewFake(reauth.Atto))
	require.ErrorContains(t, err, "registered twice")
	_, err = reauth.NewRegistry(nil)
	require.Error(t, err)
	reg, err := reauth.NewRegistry(atto, finch)
	require.NoError(t, err)
	assert.Equal(t, []reauth.Provider{reauth.Atto, reauth.Finch}, reg.Providers())

	ctx := context.Background()
	_, err = reg.Begin(ctx, reauth.Mono, reauth.Request{ConnectionID: "x"})
	assert.ErrorIs(t, err, reauth.ErrUnknownProvider)
	flow, err := reg.Begin(ctx, reauth.Finch, reauth.Request{ConnectionID: "conn"})
	require.NoError(t, err)
	assert.Len(t, finch.Calls(), 1)
	assert.Empty(t, atto.Calls())
	done, err := reg.Continue(ctx, flow, finch.Approve(flow))
	require.NoError(t, err)
	assert.Equal(t, reauth.StepDone, done.Step)

	// A flow handed to the wrong provider's Reauthenticator is refused.
	_, err = atto.Continue(ctx, flow, finch.Approve(flow))
	assert.ErrorIs(t, err, reauth.ErrWrongProvider)
	_, err = reg.Continue(ctx, nil, reauth.Reply{})
	assert.Error(t, err)
	_, err = reg.Inspect(ctx, reauth.Atto, reauth.Request{})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest, "the fake is not an Inspector")
}

func secretFlow() reauth.Flow {
	return reauth.Flow{
		Provider: reauth.Atto, ConnectionID: "consent-1", Step: reauth.StepDone, State: "state-SECRET-1",
		URL:       "https://connect.atto.co/?consent_id=consent-1#access_token=link-SECRET-2",
		QRCodeURL: "https://qr.example/q?token=qr-SECRET-3",
		Resume:    map[string]string{"session_id": "session-SECRET-4"},
		Fields:    []reauth.Field{{Name: "otp", Secret: true}},
		Result: &reauth.Result{Provider: reauth.Atto, ConnectionID: "consent-1", CredentialsChanged: true,
			Credentials: reauth.Credentials{AccessToken: "access-SECRET-5", RefreshToken: "refresh-SECRET-6", Code: "code-SECRET-7"}},
	}
}

func TestPrintedValuesHideSecrets(t *testing.T) {
	t.Parallel()
	f := secretFlow()
	req := reauth.Request{ConnectionID: "c", Token: "token-SECRET-8", State: "state-SECRET-9", RedirectURI: "https://app/cb?x=query-SECRET-10"}
	reply := reauth.Reply{Callback: url.Values{"code": {"code-SECRET-11"}}, Inputs: map[string]string{"otp": "otp-SECRET-12"}}
	values := []any{f, &f, *f.Result, f.Result, f.Result.Credentials, &f.Result.Credentials, req, &req, reply}
	for _, v := range values {
		var out bytes.Buffer
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		slog.New(slog.NewTextHandler(&out, nil)).Info("m", "v", v)
		slog.New(slog.NewJSONHandler(&out, nil)).Info("m", "v", v)
		assert.NotContains(t, out.String(), "SECRET", "%T printed a secret:\n%s", v, out.String())
		assert.Contains(t, out.String(), reauth.Redacted)
	}
	s := f.String()
	assert.Contains(t, s, "consent-1", "ids stay visible for debugging")
	assert.Contains(t, s, "https://connect.atto.co/?REDACTED")
	assert.Contains(t, fmt.Sprintf("%#v", f), `reauth.Flow{Provider:"atto"`)
}

func TestFlowJSONKeepsRealValues(t *testing.T) {
	t.Parallel()
	f := secretFlow()
	f.ExpiresAt = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.Contains(t, string(b), "access-SECRET-5", "storage needs the real tokens")
	var back reauth.Flow
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, f, back)
	assert.NotContains(t, string(b), "created_at", "zero times are omitted")
}

func TestClassifyExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	assert.Equal(t, reauth.Healthy, reauth.ClassifyExpiry(now, time.Time{}, time.Time{}, week))
	assert.Equal(t, reauth.Healthy, reauth.ClassifyExpiry(now, now.Add(30*24*time.Hour), time.Time{}, week))
	assert.Equal(t, reauth.ExpiringSoon, reauth.ClassifyExpiry(now, now.Add(3*24*time.Hour), time.Time{}, week))
	assert.Equal(t, reauth.ExpiringSoon, reauth.ClassifyExpiry(now, now.Add(60*24*time.Hour), now.Add(time.Hour), week))
	assert.Equal(t, reauth.NeedsReauth, reauth.ClassifyExpiry(now, now, time.Time{}, week))
	h := &reauth.Health{State: reauth.ExpiringSoon}
	assert.True(t, h.NeedsAction())
	assert.False(t, (*reauth.Health)(nil).NeedsAction())
}

type verifierFunc func(ctx context.Context, r *http.Request, body []byte) (*reauth.Event, error)

func (f verifierFunc) Verify(ctx context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
	return f(ctx, r, body)
}

func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	good := verifierFunc(func(_ context.Context, r *http.Request, body []byte) (*reauth.Event, error) {
		switch r.Header.Get("Sig") {
		case "ok":
			if !json.Valid(body) {
				return nil, fmt.Errorf("test: %w", reauth.ErrInvalidPayload)
			}
			return &reauth.Event{ID: "ev1", Provider: reauth.Finch, Type: reauth.ReauthRequired, Raw: body}, nil
		case "lookup-failed":
			return nil, errors.New("test: jwks unavailable")
		}
		return nil, fmt.Errorf("test: %w", reauth.ErrInvalidSignature)
	})
	var handled []reauth.Event
	handle := func(_ context.Context, ev reauth.Event) error {
		if ev.ID == "fail" {
			return errors.New("db down")
		}
		handled = append(handled, ev)
		return nil
	}
	failing := verifierFunc(func(context.Context, *http.Request, []byte) (*reauth.Event, error) {
		return &reauth.Event{ID: "fail"}, nil
	})
	post := func(h http.Handler, method, sig, body string) int {
		r := httptest.NewRequest(method, "/webhooks", strings.NewReader(body))
		r.Header.Set("Sig", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	h := reauth.NewWebhookHandler(good, handle, reauth.WithMaxWebhookBytes(64))
	assert.Equal(t, http.StatusOK, post(h, http.MethodPost, "ok", `{"a":1}`))
	assert.Equal(t, http.StatusUnauthorized, post(h, http.MethodPost, "bad", `{"a":1}`))
	assert.Equal(t, http.StatusBadRequest, post(h, http.MethodPost, "ok", `{not json`))
	assert.Equal(t, http.StatusServiceUnavailable, post(h, http.MethodPost, "lookup-failed", `{}`))
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(h, http.MethodPost, "ok", `{"a":"`+strings.Repeat("x", 100)+`"}`))
	assert.Equal(t, http.StatusMethodNotAllowed, post(h, http.MethodGet, "ok", ``))
	assert.Equal(t, http.StatusInternalServerError, post(reauth.NewWebhookHandler(failing, handle), http.MethodPost, "", `{}`))
	assert.Equal(t, http.StatusUnauthorized, post(reauth.NewWebhookHandler(nil, handle), http.MethodPost, "ok", `{}`),
		"a handler without a verifier accepts nothing")
	require.Len(t, handled, 1)
	assert.Equal(t, reauth.ReauthRequired, handled[0].Type)
}

func TestWebhookHandlerLogsWithoutBody(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	v := verifierFunc(func(context.Context, *http.Request, []byte) (*reauth.Event, error) {
		return nil, reauth.ErrInvalidSignature
	})
	h := reauth.NewWebhookHandler(v, nil, reauth.WithWebhookLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"token":"body-SECRET"}`))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body, _ := io.ReadAll(w.Result().Body)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, logs.String(), "status=401")
	assert.NotContains(t, logs.String()+string(body), "body-SECRET")
}
