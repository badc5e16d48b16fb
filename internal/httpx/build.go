package httpx

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/reauthkit/reauthkit/reauth"
)

// Builder is the one way a provider's New checks its arguments: it applies
// the options (which may fail), validates credentials and URLs, and reports
// every problem at once in one format, "<provider>: new client: <problem>"
// (several joined by newlines), wrapping reauth.ErrInvalidRequest. A nil
// *Builder records nothing.
type Builder struct {
	provider reauth.Provider
	what     string
	errs     []error
}

// NewBuilder returns a Builder for provider p's New.
func NewBuilder(p reauth.Provider) *Builder { return NewBuilderFor(p, "new client") }

// NewBuilderFor returns a Builder for another constructor of p, whose
// errors read "<provider>: <what>: <problem>" (what is, say, "new webhook
// verifier").
func NewBuilderFor(p reauth.Provider, what string) *Builder {
	return &Builder{provider: p, what: what}
}

// Fail records a problem; the text must not contain a secret.
func (b *Builder) Fail(format string, args ...any) {
	b.Check(fmt.Errorf(format, args...))
}

// Check records err when it is not nil.
func (b *Builder) Check(err error) {
	if b != nil && err != nil {
		b.errs = append(b.errs, err)
	}
}

// Credential checks a public credential (a client id): required, no
// surrounding spaces, no control characters.
func (b *Builder) Credential(field, value string) {
	switch {
	case strings.TrimSpace(value) == "":
		b.Fail("%s is required", field)
	case strings.TrimSpace(value) != value:
		b.Fail("%s has leading or trailing spaces", field)
	case strings.ContainsAny(value, "\r\n\x00"):
		b.Fail("%s contains control characters", field)
	}
}

// Secret checks a secret credential: required and free of control
// characters (it travels in headers). The error never shows the value.
func (b *Builder) Secret(field, value string) {
	switch {
	case value == "":
		b.Fail("%s is required", field)
	case strings.ContainsAny(value, "\r\n\x00"):
		b.Fail("%s contains control characters", field)
	}
}

// BaseURL parses a base URL option with [ParseBaseURL]; a bad one is
// recorded and nil returned.
func (b *Builder) BaseURL(option, raw string) *url.URL {
	u, err := ParseBaseURL(option, raw)
	b.Check(err)
	return u
}

// Settings records the problems the Settings' Set methods found.
func (b *Builder) Settings(s *Settings) {
	if s != nil {
		b.Check(s.Err())
	}
}

// Err returns nil, or every recorded problem as one error.
func (b *Builder) Err() error {
	if b == nil || len(b.errs) == 0 {
		return nil
	}
	return &buildError{provider: b.provider, what: b.what, err: errors.Join(b.errs...)}
}

type buildError struct {
	provider reauth.Provider
	what     string
	err      error
}

func (e *buildError) Error() string {
	return string(e.provider) + ": " + e.what + ": " + strings.ReplaceAll(e.err.Error(), "\n", "; ")
}

func (e *buildError) Unwrap() []error { return []error{e.err, reauth.ErrInvalidRequest} }

// Apply applies opts to cfg in order: a nil option and an option that
// returns an error are recorded in b, and the rest still apply, so New
// reports every problem at once.
func Apply[T any, O ~func(*T) error](b *Builder, cfg *T, opts ...O) {
	for i, o := range opts {
		if o == nil {
			b.Fail("option %d is nil", i)
			continue
		}
		b.Check(o(cfg))
	}
}

// MatchesAny reports whether got equals one of secrets, in time that
// depends on their lengths only: every secret is compared, none skipped
// early. An empty got matches nothing.
func MatchesAny(got string, secrets ...string) bool {
	match := 0
	for _, s := range secrets {
		if s == "" {
			continue
		}
		match |= subtle.ConstantTimeCompare([]byte(got), []byte(s))
	}
	return got != "" && match == 1
}
