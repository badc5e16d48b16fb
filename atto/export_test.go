package atto

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// DecodeToken exposes the token answer decoder to the fuzz tests.
func DecodeToken(b []byte) (string, time.Duration, error) {
	var t tokenResponse
	err := json.Unmarshal(b, &t)
	return t.accessToken(), t.lifetime(), err
}

// DecodeError exposes the error decoder to the fuzz tests.
func DecodeError(status int, body []byte) *reauth.APIError {
	e := &reauth.APIError{Provider: reauth.Atto, StatusCode: status, Kind: reauth.KindForStatus(status)}
	decodeError(e, body, http.Header{})
	return e
}
