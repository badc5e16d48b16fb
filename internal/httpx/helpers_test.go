package httpx

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var netOpError = net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
