package flowx_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/reauthkit/reauthkit/internal/flowx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/internal/tokencache"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

// TestInternalNilAndZeroValues: the functions and methods of flowx, jsonx
// and tokencache answer nil and zero values without panicking.
func TestInternalNilAndZeroValues(t *testing.T) {
	assert.Error(t, flowx.Check("", nil, time.Time{}))
	assert.Error(t, flowx.CheckState("", "", ""))
	assert.Nil(t, flowx.Clone(nil))
	assert.NotPanics(t, func() {
		_ = flowx.State(reauth.Request{})
		_ = flowx.CallbackError("", nil)
		_ = flowx.NewCallbackError("", "", "")
		_ = flowx.Redirect("", "", "", "", time.Time{}, time.Time{}, nil)
		_ = flowx.Done("", "", reauth.Credentials{}, false, time.Time{})
		_ = jsonx.FromEpoch(0)
		_ = tokencache.New(nil, 0, nil)
	})
	var (
		s  *jsonx.String
		n  *jsonx.Int
		tm *jsonx.Time
		ot *jsonx.OptionalTime
		b  *jsonx.Bool
		c  *tokencache.Cache
	)
	// A nil *jsonx.Time reaches time.Time's own promoted methods, which Go
	// itself does not guard (Time.In(nil) panics): check UnmarshalJSON directly.
	assert.Error(t, tm.UnmarshalJSON(nil))
	assert.Error(t, ot.UnmarshalJSON(nil))
	calls := reauthtest.CheckNilSafe(t, s, n, b, c, &tokencache.Cache{},
		tokencache.New(nil, 0, nil), tokencache.Token{})
	assert.Greater(t, calls, 10)
	_, err := c.Token(t.Context())
	assert.Error(t, err)
}
