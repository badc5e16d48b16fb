package jsonx

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLenientTypes(t *testing.T) {
	t.Parallel()
	var v struct {
		S  String `json:"s"`
		N  Int    `json:"n"`
		T1 Time   `json:"t1"`
		T2 Time   `json:"t2"`
		T3 Time   `json:"t3"`
		T4 Time   `json:"t4"`
		B  Bool   `json:"b"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"s":99,"n":"102","t1":"2026-11-23T10:00:00Z","t2":1763892000000,"t3":"1763892000","t4":null,"b":"true"}`), &v))
	assert.Equal(t, String("99"), v.S)
	assert.Equal(t, Int(102), v.N)
	assert.Equal(t, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), v.T1.Time)
	assert.Equal(t, time.UnixMilli(1763892000000).UTC(), v.T2.Time)
	assert.Equal(t, time.Unix(1763892000, 0).UTC(), v.T3.Time)
	assert.True(t, v.T4.IsZero())
	assert.True(t, bool(v.B))
	require.NoError(t, json.Unmarshal([]byte(`{"s":"a\"b\u00e9"}`), &v))
	assert.Equal(t, String(`a"bé`), v.S, "escaped strings take the slow path")
	assert.Error(t, json.Unmarshal([]byte(`{"n":"abc"}`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"s":{}}`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"t1":"yesterday"}`), &v))
}

func TestOptionalTime(t *testing.T) {
	t.Parallel()
	var v struct {
		A OptionalTime `json:"a"`
		B OptionalTime `json:"b"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":"2026-11-23T10:00:00Z","b":{"odd":true}}`), &v))
	assert.Equal(t, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), v.A.Time.Time)
	assert.True(t, v.B.IsZero())
}

func FuzzTime(f *testing.F) {
	for _, s := range []string{`"2026-11-23T10:00:00Z"`, `1763892000000`, `"12"`, `null`, `""`, `{}`, `1e400`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v Time
		_ = json.Unmarshal([]byte(s), &v)
		var n Int
		_ = json.Unmarshal([]byte(s), &n)
	})
}
