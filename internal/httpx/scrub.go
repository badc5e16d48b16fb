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

// ScrubAny returns a copy of v (decoded JSON: strings, maps, slices) with
// every secret replaced in its strings and keys.
func ScrubAny(v any, secrets []string) any {
	switch t := v.(type) {
	case string:
		return Scrub(t, secrets)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[Scrub(k, secrets)] = ScrubAny(x, secrets)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = ScrubAny(x, secrets)
		}
		return out
	}
	return v
}
