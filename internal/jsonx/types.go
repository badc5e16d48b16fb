package jsonx

import (
	"reflect"
	"time"
)

var (
	stringType = reflect.TypeOf("")
	intType    = reflect.TypeOf(int64(0))
	timeType   = reflect.TypeOf(time.Time{})
)
