// Package textx holds the string helpers the other internal packages and
// the provider packages share, written once.
package textx

import "unicode/utf8"

// Truncate cuts s to at most n bytes, on a UTF-8 boundary, marking a cut
// with "…". It is the one truncation helper: error fields, request ids and
// callback descriptions are all capped with it.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
