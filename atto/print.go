package atto

import (
	"fmt"
	"io"
)

// formatRedacted is the Format of every atto type that holds a secret: it
// prints the type's redacted text (goStr for %#v) under every verb, so that
// no verb (%d, %t, %x, ...) reaches the fields themselves.
func formatRedacted(f fmt.State, verb rune, str, goStr string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, goStr)
	case verb == 'q' || verb == 'x' || verb == 'X':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), str)
	default:
		_, _ = io.WriteString(f, str)
	}
}
