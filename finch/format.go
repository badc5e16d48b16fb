package finch

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
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

// renderAttrs writes Type{K: V, ...}; goSyntax quotes the values like %#v.
func renderAttrs(typ string, attrs [][2]string, goSyntax bool) string {
	var b strings.Builder
	b.WriteString(typ)
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a[0])
		if goSyntax {
			b.WriteString(":" + strconv.Quote(a[1]))
			continue
		}
		b.WriteString(": " + a[1])
	}
	b.WriteByte('}')
	return b.String()
}

// logAttrs is renderAttrs for slog.
func logAttrs(attrs [][2]string) slog.Value {
	out := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, slog.String(a[0], a[1]))
	}
	return slog.GroupValue(out...)
}
