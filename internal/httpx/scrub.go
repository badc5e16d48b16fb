package httpx

import (
	"strings"

	"github.com/reauthkit/reauthkit/reauth"
)

// minSecretLen keeps short values (a 2-digit test token, an empty string)
// from turning every error into REDACTED soup; real tokens are far longer.
const minSecretLen = 4

// Scrub replaces every occurrence of each secret in s with REDACTED.
func Scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < minSecretLen {
			continue
		}
		s = strings.ReplaceAll(s, sec, reauth.Redacted)
	}
	return s
}
