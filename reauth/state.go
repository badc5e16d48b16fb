package reauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
)

// NewState returns 128 random bits from crypto/rand, URL-safe base64 encoded
// (22 characters), for the state parameter of a redirect.
func NewState() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// StateMatches reports, in constant time, whether got equals want. An empty
// want never matches.
func StateMatches(want, got string) bool {
	if want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
