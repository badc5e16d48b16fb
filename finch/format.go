package finch

import (
	"fmt"
	"io"
	"strconv"
)

// safePrinter is a value that renders itself without its secrets.
type safePrinter interface {
	String() string
	GoString() string
}

// formatSafe implements fmt.Formatter for the redacting types: %#v prints
// GoString, %q the quoted String, and every other verb (%v %+v %s %d %t %x
// ...) String, so that no verb ever reaches the fields.
func formatSafe(f fmt.State, verb rune, v safePrinter) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, v.GoString())
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(v.String()))
	default:
		_, _ = io.WriteString(f, v.String())
	}
}
