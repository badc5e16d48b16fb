package reauth

import (
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Redacted replaces every secret when a value is printed or logged.
const Redacted = "REDACTED"

// attr is one printable field of a value that hides its secrets. Exactly one
// of str, group is used.
type attr struct {
	key   string
	str   string
	quote bool // %#v quotes strings
	group []attr
	typ   string // Go type name of a group, for %#v
}

func strAttr(k, v string) attr { return attr{key: k, str: v, quote: true} }

func secretAttr(k, v string) attr { return strAttr(k, RedactSecret(v)) }

// RedactSecret returns REDACTED for a non-empty secret and "" for an empty
// one, so a printed value still shows whether the secret is set.
func RedactSecret(v string) string {
	if v == "" {
		return ""
	}
	return Redacted
}

func timeAttr(k string, t time.Time) attr {
	if t.IsZero() {
		return attr{key: k, str: "0001-01-01T00:00:00Z"}
	}
	return attr{key: k, str: t.Format(time.RFC3339)}
}

// render writes attrs as Type{K: V, ...}; goSyntax quotes strings like %#v.
func render(typ string, attrs []attr, goSyntax bool) string {
	var b strings.Builder
	if goSyntax {
		b.WriteString("reauth.")
	}
	b.WriteString(typ)
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.key)
		b.WriteString(":")
		if !goSyntax {
			b.WriteByte(' ')
		}
		switch {
		case a.group != nil:
			b.WriteString(render(a.typ, a.group, goSyntax))
		case goSyntax && a.quote:
			b.WriteString(strconv.Quote(a.str))
		default:
			b.WriteString(a.str)
		}
	}
	b.WriteByte('}')
	return b.String()
}

func logValue(attrs []attr) slog.Value {
	out := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if a.group != nil {
			out = append(out, slog.Attr{Key: a.key, Value: logValue(a.group)})
			continue
		}
		out = append(out, slog.String(a.key, a.str))
	}
	return slog.GroupValue(out...)
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

func (c Credentials) attrs() []attr {
	return []attr{
		secretAttr("AccessToken", c.AccessToken),
		secretAttr("RefreshToken", c.RefreshToken),
		timeAttr("ExpiresAt", c.ExpiresAt),
		secretAttr("Code", c.Code),
	}
}

// String prints the credentials with every token replaced by REDACTED.
func (c Credentials) String() string { return render("Credentials", c.attrs(), false) }

// GoString is String for %#v.
func (c Credentials) GoString() string { return render("Credentials", c.attrs(), true) }

// LogValue logs the credentials with every token replaced by REDACTED.
func (c Credentials) LogValue() slog.Value { return logValue(c.attrs()) }

func (r Result) attrs() []attr {
	return []attr{
		strAttr("Provider", string(r.Provider)),
		strAttr("ConnectionID", r.ConnectionID),
		{key: "Credentials", group: r.Credentials.attrs(), typ: "Credentials"},
		{key: "CredentialsChanged", str: strconv.FormatBool(r.CredentialsChanged)},
		timeAttr("CompletedAt", r.CompletedAt),
	}
}

// String prints the result with its credentials redacted.
func (r Result) String() string { return render("Result", r.attrs(), false) }

// GoString is String for %#v.
func (r Result) GoString() string { return render("Result", r.attrs(), true) }

// LogValue logs the result with its credentials redacted.
func (r Result) LogValue() slog.Value { return logValue(r.attrs()) }

func (f Flow) attrs() []attr {
	names := make([]string, 0, len(f.Fields))
	for _, fl := range f.Fields {
		names = append(names, fl.Name)
	}
	keys := make([]string, 0, len(f.Resume))
	for k := range f.Resume {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	as := []attr{
		strAttr("Provider", string(f.Provider)),
		strAttr("ConnectionID", f.ConnectionID),
		strAttr("Step", string(f.Step)),
		secretAttr("State", f.State),
		strAttr("URL", RedactURL(f.URL)),
		strAttr("QRCodeURL", RedactURL(f.QRCodeURL)),
		strAttr("Prompt", f.Prompt),
		strAttr("Fields", strings.Join(names, ",")),
		timeAttr("ExpiresAt", f.ExpiresAt),
		timeAttr("CreatedAt", f.CreatedAt),
		strAttr("Resume", redactedKeys(keys)),
	}
	if f.Result != nil {
		as = append(as, attr{key: "Result", group: f.Result.attrs(), typ: "Result"})
	}
	return as
}

// String prints the flow without its state, the secret part of its URLs,
// its Resume values or any credential.
func (f Flow) String() string { return render("Flow", f.attrs(), false) }

// GoString is String for %#v.
func (f Flow) GoString() string { return render("Flow", f.attrs(), true) }

// LogValue logs the flow with the same redactions as String.
func (f Flow) LogValue() slog.Value { return logValue(f.attrs()) }

func (r Request) attrs() []attr {
	return []attr{
		strAttr("ConnectionID", r.ConnectionID),
		secretAttr("Token", r.Token),
		strAttr("RedirectURI", RedactURL(r.RedirectURI)),
		secretAttr("State", r.State),
		strAttr("UserIP", r.UserIP),
	}
}

// String prints the request with its token and state redacted.
func (r Request) String() string { return render("Request", r.attrs(), false) }

// GoString is String for %#v.
func (r Request) GoString() string { return render("Request", r.attrs(), true) }

// LogValue logs the request with its token and state redacted.
func (r Request) LogValue() slog.Value { return logValue(r.attrs()) }

func (r Reply) attrs() []attr {
	keys := make([]string, 0, len(r.Callback))
	for k := range r.Callback {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	in := make([]string, 0, len(r.Inputs))
	for k := range r.Inputs {
		in = append(in, k)
	}
	sort.Strings(in)
	return []attr{
		strAttr("Callback", redactedKeys(keys)),
		strAttr("Inputs", redactedKeys(in)),
	}
}

// String prints which callback parameters and inputs the reply carries, never
// their values (codes, OTPs).
func (r Reply) String() string { return render("Reply", r.attrs(), false) }

// GoString is String for %#v.
func (r Reply) GoString() string { return render("Reply", r.attrs(), true) }

// LogValue logs the reply's keys, never its values.
func (r Reply) LogValue() slog.Value { return logValue(r.attrs()) }

// redactedKeys shows which keys a map holds, never their values.
func redactedKeys(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return strings.Join(keys, ",") + "=" + Redacted
}
