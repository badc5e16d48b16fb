package reauth

import (
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Redacted replaces every secret when a value is printed or logged.
const Redacted = "REDACTED"

// RedactSecret returns REDACTED for a non-empty secret and "" for an empty
// one, so a printed value still shows whether the secret is set.
func RedactSecret(v string) string {
	if v == "" {
		return ""
	}
	return Redacted
}

// RedactURL keeps a URL's scheme, host and path and replaces its query,
// fragment and user info, where providers put tokens, with REDACTED. Provider
// packages use it to print their own types.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Redacted
	}
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		s += "?" + Redacted
	}
	return s
}

// RedactKeys shows which keys a map holds, never their values:
// "code,state=REDACTED".
func RedactKeys[V any](m map[string]V) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",") + "=" + Redacted
}

// RedactedField is one field of a [RedactedValue]. Its Value is shown as is,
// so it must already be safe to print: pass secrets through [RedactSecret],
// URLs through [RedactURL], maps through [RedactKeys].
type RedactedField struct {
	Key   string
	Value any // string, bool, a number, time.Time or a nested RedactedValue
}

// Show returns the field key: value.
func Show(key string, value any) RedactedField { return RedactedField{Key: key, Value: value} }

// RedactedValue is how a value holding secrets prints: the one renderer
// behind every redacting type of reauthkit, so that all of them print alike,
// with their Go field names as keys. A type implements fmt.Formatter,
// fmt.Stringer, fmt.GoStringer and slog.LogValuer by delegating to it, one
// line each:
//
//	func (c Client) redacted() reauth.RedactedValue {
//		return reauth.Redact("finch.Client", reauth.Show("ClientID", c.id), reauth.Show("ClientSecret", reauth.RedactSecret(c.secret)))
//	}
//	func (c Client) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }
//	func (c Client) String() string                { return c.redacted().String() }
//	func (c Client) GoString() string              { return c.redacted().GoString() }
//	func (c Client) LogValue() slog.Value          { return c.redacted().LogValue() }
//
// Every fmt verb then prints the redacted form, by value and by pointer:
// %v, %+v and %s print Type{Key: value, ...}, %#v prints Go syntax, %q the
// quoted %v, and any other verb (%d, %t, %x, ...) the %v form, never a raw
// field. JSON is not affected: encoding/json keeps real values for storage.
type RedactedValue struct {
	// Type is the package-qualified type name, "reauth.Flow".
	Type   string
	Fields []RedactedField
}

// Redact returns the printable form of a value of type typ.
func Redact(typ string, fields ...RedactedField) RedactedValue {
	return RedactedValue{Type: typ, Fields: fields}
}

// String is the %v form: Flow{Provider: atto, State: REDACTED, ...}.
func (v RedactedValue) String() string {
	var b strings.Builder
	v.write(&b, false)
	return b.String()
}

// GoString is the %#v form: reauth.Flow{Provider:"atto", ...}.
func (v RedactedValue) GoString() string {
	var b strings.Builder
	v.write(&b, true)
	return b.String()
}

// Format implements fmt.Formatter for every verb; see [RedactedValue].
func (v RedactedValue) Format(s fmt.State, verb rune) {
	switch {
	case verb == 'v' && s.Flag('#'):
		_, _ = fmt.Fprint(s, v.GoString())
	case verb == 'q':
		_, _ = fmt.Fprintf(s, fmt.FormatString(s, 'q'), v.String())
	default:
		_, _ = fmt.Fprintf(s, fmt.FormatString(s, 's'), v.String())
	}
}

// LogValue is a group of the fields, for slog.
func (v RedactedValue) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(v.Fields))
	for _, f := range v.Fields {
		switch x := f.Value.(type) {
		case RedactedValue:
			attrs = append(attrs, slog.Attr{Key: f.Key, Value: x.LogValue()})
		case time.Time:
			attrs = append(attrs, slog.String(f.Key, formatTime(x)))
		default:
			attrs = append(attrs, slog.Any(f.Key, x))
		}
	}
	return slog.GroupValue(attrs...)
}

func (v RedactedValue) write(b *strings.Builder, goSyntax bool) {
	typ := v.Type
	if !goSyntax {
		typ = typ[strings.LastIndexByte(typ, '.')+1:]
	}
	b.WriteString(typ)
	b.WriteByte('{')
	for i, f := range v.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Key)
		b.WriteByte(':')
		if !goSyntax {
			b.WriteByte(' ')
		}
		switch x := f.Value.(type) {
		case RedactedValue:
			x.write(b, goSyntax)
		case string:
			if goSyntax {
				b.WriteString(strconv.Quote(x))
			} else {
				b.WriteString(x)
			}
		case time.Time:
			b.WriteString(formatTime(x))
		case nil:
			b.WriteString("<nil>")
		default:
			fmt.Fprint(b, x)
		}
	}
	b.WriteByte('}')
}

// FormatError prints err's message under every verb: an error type
// implements fmt.Formatter with it so that %d, %t or %x print the message,
// scrubbed, instead of the raw fields behind it.
//
//	func (e *MyError) Format(s fmt.State, verb rune) { reauth.FormatError(s, verb, e) }
func FormatError(s fmt.State, verb rune, err error) {
	msg := "<nil>"
	if err != nil {
		msg = err.Error()
	}
	if verb == 'q' {
		_, _ = fmt.Fprintf(s, fmt.FormatString(s, 'q'), msg)
		return
	}
	_, _ = fmt.Fprintf(s, fmt.FormatString(s, 's'), msg)
}

func formatTime(t time.Time) string { return t.Format(time.RFC3339) }

func (c Credentials) redacted() RedactedValue {
	return Redact("reauth.Credentials",
		Show("AccessToken", RedactSecret(c.AccessToken)),
		Show("RefreshToken", RedactSecret(c.RefreshToken)),
		Show("ExpiresAt", c.ExpiresAt),
		Show("Code", RedactSecret(c.Code)))
}

// Format prints the credentials with every token replaced by REDACTED,
// under every verb.
func (c Credentials) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }

// String prints the credentials with every token replaced by REDACTED.
func (c Credentials) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.redacted().GoString() }

// LogValue logs the credentials with every token replaced by REDACTED.
func (c Credentials) LogValue() slog.Value { return c.redacted().LogValue() }

func (r Result) redacted() RedactedValue {
	return Redact("reauth.Result",
		Show("Provider", string(r.Provider)),
		Show("ConnectionID", r.ConnectionID),
		Show("Credentials", r.Credentials.redacted()),
		Show("CredentialsChanged", r.CredentialsChanged),
		Show("CompletedAt", r.CompletedAt))
}

// Format prints the result with its credentials redacted, under every verb.
func (r Result) Format(s fmt.State, verb rune) { r.redacted().Format(s, verb) }

// String prints the result with its credentials redacted.
func (r Result) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r Result) GoString() string { return r.redacted().GoString() }

// LogValue logs the result with its credentials redacted.
func (r Result) LogValue() slog.Value { return r.redacted().LogValue() }

func (f Flow) redacted() RedactedValue {
	names := make([]string, 0, len(f.Fields))
	for _, fl := range f.Fields {
		names = append(names, fl.Name)
	}
	v := Redact("reauth.Flow",
		Show("Provider", string(f.Provider)),
		Show("ConnectionID", f.ConnectionID),
		Show("Step", string(f.Step)),
		Show("State", RedactSecret(f.State)),
		Show("URL", RedactURL(f.URL)),
		Show("QRCodeURL", RedactURL(f.QRCodeURL)),
		Show("Prompt", f.Prompt),
		Show("Fields", strings.Join(names, ",")),
		Show("ExpiresAt", f.ExpiresAt),
		Show("CreatedAt", f.CreatedAt),
		Show("Resume", RedactKeys(f.Resume)))
	if f.Result != nil {
		v.Fields = append(v.Fields, Show("Result", f.Result.redacted()))
	}
	return v
}

// Format prints the flow without its state, the secret part of its URLs,
// its Resume values or any credential, under every verb.
//
// Only printing and slog's handling of a Flow value are redacted. A []Flow
// (or a struct holding a Flow) handed to slog's JSON handler is marshalled
// by encoding/json, which by contract keeps the real values so that a flow
// can be stored: log a Flow itself, not a slice of them.
func (f Flow) Format(s fmt.State, verb rune) { f.redacted().Format(s, verb) }

// String prints the flow with the same redactions as Format.
func (f Flow) String() string { return f.redacted().String() }

// GoString is String for %#v.
func (f Flow) GoString() string { return f.redacted().GoString() }

// LogValue logs the flow with the same redactions as Format.
func (f Flow) LogValue() slog.Value { return f.redacted().LogValue() }

func (r Request) redacted() RedactedValue {
	return Redact("reauth.Request",
		Show("ConnectionID", r.ConnectionID),
		Show("Token", RedactSecret(r.Token)),
		Show("RedirectURI", RedactURL(r.RedirectURI)),
		Show("State", RedactSecret(r.State)),
		Show("UserIP", r.UserIP))
}

// Format prints the request with its token and state redacted, under every
// verb.
func (r Request) Format(s fmt.State, verb rune) { r.redacted().Format(s, verb) }

// String prints the request with its token and state redacted.
func (r Request) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r Request) GoString() string { return r.redacted().GoString() }

// LogValue logs the request with its token and state redacted.
func (r Request) LogValue() slog.Value { return r.redacted().LogValue() }

func (r Reply) redacted() RedactedValue {
	return Redact("reauth.Reply",
		Show("Callback", RedactKeys(r.Callback)),
		Show("Inputs", RedactKeys(r.Inputs)))
}

// Format prints which callback parameters and inputs the reply carries,
// never their values (codes, OTPs), under every verb.
func (r Reply) Format(s fmt.State, verb rune) { r.redacted().Format(s, verb) }

// String prints which callback parameters and inputs the reply carries.
func (r Reply) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r Reply) GoString() string { return r.redacted().GoString() }

// LogValue logs the reply's keys, never their values.
func (r Reply) LogValue() slog.Value { return r.redacted().LogValue() }
