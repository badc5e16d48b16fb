package flowx

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reauthkit/reauthkit/reauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheck(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	ok := Redirect(reauth.Atto, "c", "s", "https://x", now.Add(time.Minute), now, nil)
	require.NoError(t, Check(reauth.Atto, ok, now))
	assert.ErrorIs(t, Check(reauth.Atto, nil, now), reauth.ErrMissingInput)
	assert.ErrorIs(t, Check(reauth.Finch, ok, now), reauth.ErrWrongProvider)
	assert.ErrorIs(t, Check(reauth.Atto, ok, now.Add(time.Minute)), reauth.ErrFlowExpired)
	done := Done(reauth.Atto, "c", reauth.Credentials{}, false, now)
	assert.ErrorIs(t, Check(reauth.Atto, done, now), reauth.ErrInvalidRequest)
	odd := Clone(ok)
	odd.Step = "teleport"
	assert.ErrorIs(t, Check(reauth.Atto, odd, now), reauth.ErrInvalidRequest)
}

func TestCallbackError(t *testing.T) {
	t.Parallel()
	assert.NoError(t, CallbackError(reauth.TrueLayer, url.Values{"code": {"x"}}))
	assert.ErrorIs(t, CallbackError(reauth.TrueLayer, url.Values{"error": {"access_denied"}}), reauth.ErrUserCancelled)
	assert.ErrorIs(t, CallbackError(reauth.TrueLayer, url.Values{"error": {"server_error"}}), reauth.ErrProviderUnavailable)
	err := CallbackError(reauth.TrueLayer, url.Values{"error": {"invalid_scope"}, "error_description": {"bad scope"}})
	var apiErr *reauth.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "callback", apiErr.Op)
	assert.Equal(t, "invalid_scope", apiErr.Code)
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
}

func TestCheckStateAndClone(t *testing.T) {
	t.Parallel()
	assert.NoError(t, CheckState(reauth.Yapily, "abc", "abc"))
	assert.ErrorIs(t, CheckState(reauth.Yapily, "abc", "abx"), reauth.ErrStateMismatch)
	f := Redirect(reauth.Yapily, "c", "s", "u", time.Time{}, time.Time{}, map[string]string{"k": "v"})
	cp := Clone(f)
	cp.Resume["k"] = "changed"
	assert.Equal(t, "v", f.Resume["k"])
	assert.Equal(t, "given", State(reauth.Request{State: "given"}))
	assert.Len(t, State(reauth.Request{}), 22)
}
