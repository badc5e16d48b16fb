package sweep

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/reauthkit/reauthkit/reauth"
)

// Connection is one connection to sweep.
type Connection struct {
	Provider reauth.Provider
	// Request is what Inspect needs: the connection id, and a token where
	// the provider wants one (TrueLayer, Finch). Request.Token is a secret:
	// it is never printed, logged or reported.
	Request reauth.Request
	// Subject is the application's user the connection belongs to.
	Subject string
	// Fresh, when set, is called just before Inspect to put a fresh access
	// token in Request.Token (e.g. a TrueLayer TokenSource's Token):
	// TrueLayer's /me needs one, and access tokens live an hour.
	Fresh func(context.Context) (reauth.Credentials, error)
	// Known, when set, is the connection's health as a bulk listing already
	// read it (see [FromHealth]); Run uses it instead of calling Inspect
	// (and Fresh). Its Provider, when set, must be the connection's.
	Known *reauth.Health
}

// id is the connection id a notice is keyed by: the application's own,
// else the one the provider reported.
func (c Connection) id(h *reauth.Health) string {
	if c.Request.ConnectionID != "" {
		return c.Request.ConnectionID
	}
	if h != nil {
		return h.ConnectionID
	}
	return ""
}

func (c Connection) attrs() []any {
	return []any{
		"provider", string(c.Provider), "connection_id", c.Request.ConnectionID,
		"subject", c.Subject, "token", reauth.RedactSecret(c.Request.Token),
		"fresh", c.Fresh != nil, "known", c.Known != nil,
	}
}

// String prints the connection without its token.
func (c Connection) String() string { return render("Connection", c.attrs()) }

// GoString prints the connection without its token.
func (c Connection) GoString() string { return "sweep." + c.String() }

// Format prints the connection without its token under every verb.
func (c Connection) Format(f fmt.State, verb rune) { format(f, verb, c) }

// LogValue logs the connection without its token.
func (c Connection) LogValue() slog.Value { return slog.GroupValue(slogAttrs(c.attrs())...) }

// Notice is what the application should tell a connection's user: the
// connection crossed Lead before its expiry. Lead 0 means act now (the
// connection is expired, revoked or needs re-authentication).
type Notice struct {
	Connection Connection
	Health     reauth.Health
	Lead       time.Duration
}

// Expiry is the date the notice is about: the earlier of Health.ExpiresAt
// and Health.ReconfirmBy, zero when the provider gave neither.
func (n Notice) Expiry() time.Time { return deadline(&n.Health) }

// Key is the notice's Ledger key (see [NoticeKey]).
func (n Notice) Key() string {
	return NoticeKey(n.Connection.Provider, n.Connection.id(&n.Health), n.Lead, n.Expiry())
}

func (n Notice) attrs() []any {
	return []any{
		"connection", n.Connection.String(), "state", string(n.Health.State),
		"lead", n.Lead.String(), "expiry", n.Expiry().Format(time.RFC3339),
	}
}

// String prints the notice without the connection's token.
func (n Notice) String() string { return render("Notice", n.attrs()) }

// GoString prints the notice without the connection's token.
func (n Notice) GoString() string { return "sweep." + n.String() }

// Format prints the notice without the connection's token under every verb.
func (n Notice) Format(f fmt.State, verb rune) { format(f, verb, n) }

// LogValue logs the notice without the connection's token.
func (n Notice) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("connection", n.Connection), slog.String("state", string(n.Health.State)),
		slog.Duration("lead", n.Lead), slog.Time("expiry", n.Expiry()),
	)
}

// NoticeKey is the Ledger key of the notice for connection id of provider
// p at lead before expiry (zero when undated). It holds no token, only
// these four values, escaped so that no two notices share a key.
func NoticeKey(p reauth.Provider, id string, lead time.Duration, expiry time.Time) string {
	exp := "-"
	if !expiry.IsZero() {
		exp = strconv.FormatInt(expiry.UnixMilli(), 10)
	}
	return "sweep:v1:" + url.QueryEscape(string(p)) + ":" + url.QueryEscape(id) + ":" +
		strconv.FormatInt(int64(lead/time.Second), 10) + ":" + exp
}

// SourceOption configures [FromHealth].
type SourceOption func(*source)

type source struct {
	subject func(reauth.Health) string
}

// WithSubject sets each connection's Subject from its health (e.g. by
// looking the connection id up in the application's own table).
func WithSubject(f func(reauth.Health) string) SourceOption {
	return func(s *source) { s.subject = f }
}

// FromHealth turns a provider's bulk health listing (one request per page,
// such as an InspectAll) into a sweep source: every Connection carries the
// listed health in Known, so Run calls no Inspect for it. An error of the
// listing is passed on; Run counts it and goes on with the next item.
func FromHealth(seq iter.Seq2[reauth.Health, error], opts ...SourceOption) iter.Seq2[Connection, error] {
	var src source
	for _, o := range opts {
		if o != nil {
			o(&src)
		}
	}
	return func(yield func(Connection, error) bool) {
		if seq == nil {
			return
		}
		for h, err := range seq {
			if err != nil {
				if !yield(Connection{}, err) {
					return
				}
				continue
			}
			c := Connection{Provider: h.Provider, Request: reauth.Request{ConnectionID: h.ConnectionID}}
			if src.subject != nil {
				c.Subject = src.subject(h)
			}
			known := h
			c.Known = &known
			if !yield(c, nil) {
				return
			}
		}
	}
}

// Concat sweeps several sources in one Run, one after the other: e.g. the
// application's connections table for the providers read one by one, and
// the [FromHealth] listings of those that list in bulk. Nil sources are
// skipped.
func Concat(sources ...iter.Seq2[Connection, error]) iter.Seq2[Connection, error] {
	return func(yield func(Connection, error) bool) {
		for _, src := range sources {
			if src == nil {
				continue
			}
			for c, err := range src {
				if !yield(c, err) {
					return
				}
			}
		}
	}
}

// render writes Type{k: v, ...} from key/value pairs.
func render(typ string, kv []any) string {
	b := []byte(typ + "{")
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%v: %v", kv[i], kv[i+1])
	}
	return string(append(b, '}'))
}

func slogAttrs(kv []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, slog.Any(kv[i].(string), kv[i+1]))
	}
	return out
}

// format prints v's String (GoString for %#v) whatever the verb, so that
// no verb reaches the fields.
func format(f fmt.State, verb rune, v interface {
	String() string
	GoString() string
}) {
	s := v.String()
	if verb == 'v' && f.Flag('#') {
		s = v.GoString()
	}
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = f.Write([]byte(s))
}
