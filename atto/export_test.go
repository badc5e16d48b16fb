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

// DecodeConsent decodes a consent answer the way GetConsent does.
func DecodeConsent(b []byte) (*Consent, error) {
	var w consentWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	c := w.consent()
	return &c, nil
}

// DecodeConsentList decodes a list answer the way ListConsents does.
func DecodeConsentList(b []byte) (*ConsentList, error) {
	var w consentListWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	return w.list(), nil
}

// DecodeRefresh decodes a refresh answer the way RefreshStoredData does.
func DecodeRefresh(b []byte) error {
	var w refreshWire
	return json.Unmarshal(b, &w)
}
