package finch

import (
	"encoding/json"
	"time"
)

// DecodeError exposes the error decoder to the fuzz tests.
var DecodeError = decodeError

// DecodeIntrospection and DecodeToken run the package's one decoding path
// (wire struct, then public type) for the fuzz tests.
func DecodeIntrospection(b []byte) (*Introspection, error) {
	var w introspectionWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	return w.public(), nil
}

// DecodeToken is DecodeIntrospection for the code-exchange answer.
func DecodeToken(b []byte) (*Token, error) {
	var w tokenWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	return w.public(), nil
}

// HTTPTimeout is the per-attempt timeout of the client's *http.Client.
func HTTPTimeout(c *Client) time.Duration { return c.httpClient.Timeout }
