package reauthtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// CheckNilSafe calls every exported method of each value (typically a nil
// pointer and a zero value of each exported type) with zero arguments, and
// fails t for every call that panics. A context.Context argument is
// context.Background(), an http.ResponseWriter a recorder and an
// *http.Request an empty POST, so that a method is tested on its own nil
// and zero handling rather than on a nil the standard library forbids.
// Value-receiver methods reached through a nil pointer are skipped: Go
// panics before the method runs (fmt and slog catch that and print <nil>).
// It returns how many calls it made.
func CheckNilSafe(t testing.TB, values ...any) int {
	t.Helper()
	calls := 0
	for _, v := range values {
		rv := reflect.ValueOf(v)
		if !rv.IsValid() {
			continue
		}
		for i := range rv.NumMethod() {
			m := rv.Type().Method(i)
			if valueMethodOnNil(rv, m.Name) {
				continue // Go itself panics; fmt and slog print <nil>
			}
			fn := rv.Method(i)
			args := make([]reflect.Value, fn.Type().NumIn())
			for j := range args {
				args[j] = zeroArg(fn.Type().In(j))
			}
			if fn.Type().IsVariadic() {
				args[len(args)-1] = reflect.Zero(fn.Type().In(len(args) - 1))
			}
			calls++
			if msg := callNoPanic(fn, args, fn.Type().IsVariadic()); msg != "" {
				t.Errorf("(%T).%s with zero arguments panicked: %s", v, m.Name, msg)
			}
		}
	}
	return calls
}

var (
	ctxType    = reflect.TypeFor[context.Context]()
	writerType = reflect.TypeFor[http.ResponseWriter]()
	reqType    = reflect.TypeFor[*http.Request]()
	fmtState   = reflect.TypeFor[fmt.State]()
	ioWriter   = reflect.TypeFor[io.Writer]()
)

func zeroArg(t reflect.Type) reflect.Value {
	switch t {
	case ctxType:
		return reflect.ValueOf(context.Background())
	case writerType:
		return reflect.ValueOf(httptest.NewRecorder())
	case reqType:
		return reflect.ValueOf(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("")))
	case fmtState:
		return reflect.ValueOf(&nullState{})
	case ioWriter:
		return reflect.ValueOf(io.Discard)
	}
	return reflect.Zero(t)
}

func callNoPanic(fn reflect.Value, args []reflect.Value, variadic bool) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	if variadic {
		fn.CallSlice(args)
	} else {
		fn.Call(args)
	}
	return ""
}

// nullState is a fmt.State that discards what Format writes.
type nullState struct{}

func (*nullState) Write(p []byte) (int, error) { return len(p), nil }
func (*nullState) Width() (int, bool)          { return 0, false }
func (*nullState) Precision() (int, bool)      { return 0, false }
func (*nullState) Flag(int) bool               { return false }

func valueMethodOnNil(rv reflect.Value, name string) bool {
	if rv.Kind() != reflect.Pointer || !rv.IsNil() {
		return false
	}
	_, ok := rv.Type().Elem().MethodByName(name)
	return ok
}
