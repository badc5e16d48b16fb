package yapily

import (
	"net/http"
	"net/url"

	"github.com/reauthkit/reauthkit/reauth"
)

// Test hooks for the fuzz targets in package yapily_test.
var (
	DecodeAccountAuthorisation = decodeAccountAuthorisation
	DecodeConsent              = decodeConsent
	DecodeDeletion             = decodeDeletion
	DecodeConsentList          = decodeConsentList
	DecodeBareConsent          = decodeBareConsent
)

// DecodeError runs the error decoder as the HTTP core would.
func DecodeError(status int, body []byte) *reauth.APIError {
	e := &reauth.APIError{Provider: reauth.Yapily, StatusCode: status, Kind: reauth.KindForStatus(status)}
	decodeError(e, body, http.Header{})
	return e
}

// CheckCallback runs Continue's callback check.
func (c *Client) CheckCallback(flow *reauth.Flow, cb url.Values) error {
	if err := c.usable(); err != nil {
		return err
	}
	_, err := c.checkCallback(flow, cb)
	return err
}
