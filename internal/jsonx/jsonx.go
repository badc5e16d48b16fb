// Package jsonx holds lenient JSON types for provider answers whose shape
// drifts between documentation versions: numbers sent as strings, times as
// RFC 3339 or epoch seconds or milliseconds.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// errNilTarget: UnmarshalJSON on a nil pointer.
var errNilTarget = errors.New("jsonx: UnmarshalJSON on a nil pointer")

// String decodes a JSON string, number or boolean into its text; null is
// empty.
type String string

// UnmarshalJSON accepts a string, a number or a boolean.
func (s *String) UnmarshalJSON(b []byte) error {
	if s == nil {
		return errNilTarget
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' {
		// Fast path: most provider strings hold no escapes; the surrounding
		// decoder has already validated the JSON.
		if inner := b[1 : n-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*s = String(inner)
			return nil
		}
	}
	if b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	if b[0] == '{' || b[0] == '[' {
		return &json.UnmarshalTypeError{Value: "object", Type: stringType}
	}
	*s = String(b)
	return nil
}

// Int decodes a JSON number or a string holding one; null and "" are 0.
type Int int64

// UnmarshalJSON accepts a number or a numeric string.
func (n *Int) UnmarshalJSON(b []byte) error {
	if n == nil {
		return errNilTarget
	}
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	str := strings.TrimSpace(string(s))
	if str == "" {
		*n = 0
		return nil
	}
	if i, err := strconv.ParseInt(str, 10, 64); err == nil {
		*n = Int(i)
		return nil
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: intType}
	}
	*n = Int(f)
	return nil
}

// Time decodes RFC 3339 (with or without zone or fraction), a date, or a
// number of epoch seconds or milliseconds (values above 1e11 are
// milliseconds), as a number or a string. null and "" are the zero time.
type Time struct{ time.Time }

// layouts are tried in order for textual times.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// UnmarshalJSON accepts the forms listed on Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if t == nil {
		return errNilTarget
	}
	// Fast path: the usual RFC 3339 string, parsed without a detour.
	if n := len(b); n > 2 && b[0] == '"' && b[n-1] == '"' && b[1] >= '0' && b[1] <= '9' {
		if v, err := time.Parse(time.RFC3339Nano, string(b[1:n-1])); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	str := strings.TrimSpace(string(s))
	if str == "" {
		t.Time = time.Time{}
		return nil
	}
	if !strings.ContainsAny(str, "-T:") { // epoch numbers never hold these
		if f, err := strconv.ParseFloat(str, 64); err == nil {
			t.Time = FromEpoch(f)
			return nil
		}
	}
	for _, l := range layouts {
		if v, err := time.Parse(l, str); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: "string", Type: timeType}
}

// OptionalTime is a Time for fields nobody depends on: a value Time cannot
// read is the zero time, not an error, so one odd field never makes a whole
// answer (or an authentic webhook) unreadable.
type OptionalTime struct{ Time }

// UnmarshalJSON reads what Time reads and ignores the rest.
func (t *OptionalTime) UnmarshalJSON(b []byte) error {
	if t == nil {
		return errNilTarget
	}
	if t.Time.UnmarshalJSON(b) != nil {
		t.Time = Time{}
	}
	return nil
}

// MarshalJSON writes RFC 3339, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Time.UTC().Format(time.RFC3339Nano))
}

// FromEpoch converts epoch seconds, or milliseconds when above 1e11, to UTC.
func FromEpoch(f float64) time.Time {
	if f > 1e11 {
		return time.UnixMilli(int64(f)).UTC()
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}

// Bool decodes true/false, "true"/"false", 1/0.
type Bool bool

// UnmarshalJSON accepts the forms listed on Bool.
func (v *Bool) UnmarshalJSON(b []byte) error {
	if v == nil {
		return errNilTarget
	}
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "true", "1", "yes":
		*v = true
	default:
		*v = false
	}
	return nil
}
