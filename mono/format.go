package mono

import (
	"fmt"
	"io"
)

// format writes a redacting type under any verb: %#v is goString, %q the
// quoted String, every other verb (%v %+v %s %d %t %x ...) the String, so
// no verb reaches a secret field.
func format(f fmt.State, verb rune, str, goString string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, goString)
	case verb == 'q':
		fmt.Fprintf(f, "%q", str)
	default:
		_, _ = io.WriteString(f, str)
	}
}

// Format prints the client redacted under every verb.
func (c Client) Format(f fmt.State, verb rune) { format(f, verb, c.String(), c.GoString()) }

// Format prints the credentials redacted under every verb.
func (c Credentials) Format(f fmt.State, verb rune) { format(f, verb, c.String(), c.GoString()) }

// Format prints the login redacted under every verb.
func (l Login) Format(f fmt.State, verb rune) { format(f, verb, l.String(), l.GoString()) }

// Format prints the step redacted under every verb.
func (s Step) Format(f fmt.State, verb rune) { format(f, verb, s.String(), s.GoString()) }

// Format prints the session redacted under every verb.
func (s Session) Format(f fmt.State, verb rune) { format(f, verb, s.String(), s.GoString()) }

// Format prints the result redacted under every verb.
func (r CommitResult) Format(f fmt.State, verb rune) { format(f, verb, r.String(), r.GoString()) }

// Format prints the token redacted under every verb.
func (t ReauthToken) Format(f fmt.State, verb rune) { format(f, verb, t.String(), t.GoString()) }
