package flows

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Status is where a stored flow stands.
type Status string

// The statuses of a [Record].
const (
	// StatusOpen: the flow waits for the user's reply; it may be claimed.
	StatusOpen Status = "open"
	// StatusClaimed: one holder is continuing the flow until ClaimedUntil.
	StatusClaimed Status = "claimed"
	// StatusDone: the flow finished; Data holds the done flow.
	StatusDone Status = "done"
	// StatusFailed: the flow cannot go on (an error, or a holder whose
	// lease ran out and may have spent the code); Begin again.
	StatusFailed Status = "failed"
)

// Record is a stored flow with the columns a store indexes. Data is the
// flow's JSON, sealed when the Manager has a [Sealer]: a store never needs to
// read it. Printing a Record never shows Data.
type Record struct {
	// Key is the lookup key: the SHA-256 (hex) of the flow's State, or a
	// random id when the flow has none. The state itself stays inside Data.
	Key string
	// Subject is the application's user the flow belongs to ("" = any).
	Subject      string
	Provider     reauth.Provider
	ConnectionID string
	// CallbackID is what the provider's callback carries to name the
	// connection, never a secret in the clear: Atto's consent id; the
	// SHA-256 (hex) of Yapily's consent token; "" when the callback
	// carries our state.
	CallbackID   string
	Status       Status
	Data         []byte
	ExpiresAt    time.Time // the flow's ExpiresAt, or creation + TTL
	ClaimedUntil time.Time // the end of the current claim's lease
	UpdatedAt    time.Time
}

func (r Record) fields() [][2]string {
	data := ""
	if len(r.Data) > 0 {
		data = reauth.Redacted + " (" + strconv.Itoa(len(r.Data)) + " bytes)"
	}
	return [][2]string{
		{"Key", r.Key},
		{"Subject", r.Subject},
		{"Provider", string(r.Provider)},
		{"ConnectionID", r.ConnectionID},
		{"CallbackID", r.CallbackID},
		{"Status", string(r.Status)},
		{"Data", data},
		{"ExpiresAt", r.ExpiresAt.Format(time.RFC3339)},
		{"ClaimedUntil", r.ClaimedUntil.Format(time.RFC3339)},
		{"UpdatedAt", r.UpdatedAt.Format(time.RFC3339)},
	}
}

func (r Record) render(goSyntax bool) string {
	var b strings.Builder
	if goSyntax {
		b.WriteString("flows.")
	}
	b.WriteString("Record{")
	for i, f := range r.fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f[0])
		if goSyntax {
			b.WriteString(":" + strconv.Quote(f[1]))
		} else {
			b.WriteString(": " + f[1])
		}
	}
	b.WriteByte('}')
	return b.String()
}

// String prints the record with Data replaced by its length.
func (r Record) String() string { return r.render(false) }

// GoString is String for %#v.
func (r Record) GoString() string { return r.render(true) }

// Format prints the record as String does under every verb (%d and %x
// included), and as GoString under %#v, so Data never shows.
func (r Record) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, r.GoString())
		return
	}
	_, _ = fmt.Fprint(f, r.String())
}

// LogValue logs the record with Data replaced by its length.
func (r Record) LogValue() slog.Value {
	fs := r.fields()
	as := make([]slog.Attr, 0, len(fs))
	for _, f := range fs {
		as = append(as, slog.String(f[0], f[1]))
	}
	return slog.GroupValue(as...)
}
