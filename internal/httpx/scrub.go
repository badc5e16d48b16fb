package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// shortSecretLen: a secret shorter than this (a Mono answer of 3 characters)
// is replaced only where it stands as a whole word, so that "123" does not
// turn every number in a message into REDACTED; longer ones are replaced
// wherever they occur.
const shortSecretLen = 4

// Caps on what an error carries from a provider's answer.
const (
	MaxCodeBytes      = 128
	MaxMessageBytes   = 512
	MaxRequestIDBytes = 128
)

// Scrubber replaces secrets with REDACTED in text and in values. It is fed
// every secret once and looks for every form in which a provider may echo
// it: raw, URL-encoded (query and path), JSON-escaped and base64; AddBasic
// adds an HTTP Basic credential, AddForm any other derived form. The zero
// value and a nil *Scrubber are ready to use (a nil one scrubs nothing).
// A Scrubber is not safe for concurrent Adds; build it, then use it.
type Scrubber struct {
	forms []string // replaced anywhere
	words []string // short secrets, replaced as whole words
}

// NewScrubber returns a Scrubber for secrets (empty ones are ignored).
func NewScrubber(secrets ...string) *Scrubber {
	s := &Scrubber{}
	s.Add(secrets...)
	return s
}

// Add registers each secret in all its encoded forms.
func (s *Scrubber) Add(secrets ...string) {
	if s == nil {
		return
	}
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		if len(sec) < shortSecretLen {
			s.words = appendNew(s.words, sec)
			continue
		}
		s.AddForm(encodings(sec)...)
	}
}

// AddBasic registers an HTTP Basic credential: the secret in all its forms
// and base64 of "id:secret", which a provider may echo from the
// Authorization header.
func (s *Scrubber) AddBasic(id, secret string) {
	s.Add(secret)
	if s != nil && secret != "" {
		s.AddForm(base64Forms(id + ":" + secret)...)
	}
}

// AddForm registers exact strings to replace, for a derived form the
// Scrubber cannot compute itself (a hash, a signed value).
func (s *Scrubber) AddForm(forms ...string) {
	if s == nil {
		return
	}
	for _, f := range forms {
		if len(f) >= shortSecretLen {
			s.forms = appendNew(s.forms, f)
		} else if f != "" {
			s.words = appendNew(s.words, f)
		}
	}
}

// clone returns a Scrubber with s's forms that can be added to without
// changing s; nil gives an empty one.
func (s *Scrubber) clone() *Scrubber {
	if s == nil {
		return &Scrubber{}
	}
	return &Scrubber{forms: slices.Clone(s.forms), words: slices.Clone(s.words)}
}

// merge adds o's forms to s.
func (s *Scrubber) merge(o *Scrubber) {
	if o != nil {
		s.AddForm(o.forms...)
		s.AddForm(o.words...)
	}
}

// addAuthorizations registers the credentials of h's Authorization headers.
func (s *Scrubber) addAuthorizations(h http.Header) {
	for k, vs := range h {
		if http.CanonicalHeaderKey(k) == "Authorization" {
			for _, v := range vs {
				s.addAuthorization(v)
			}
		}
	}
}

// addAuthorization registers the credential of an Authorization header
// value ("Bearer t", "Basic base64(id:secret)"), whatever the caller passed
// as Secrets.
func (s *Scrubber) addAuthorization(v string) {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		s.Add(v)
		return
	}
	s.Add(cred)
	if strings.EqualFold(scheme, "basic") {
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			id, secret, _ := strings.Cut(string(raw), ":")
			s.AddBasic(id, secret)
		}
	}
}

// String returns v with every registered form replaced by REDACTED.
func (s *Scrubber) String(v string) string {
	if s == nil {
		return v
	}
	for _, f := range s.forms {
		if strings.Contains(v, f) {
			v = strings.ReplaceAll(v, f, reauth.Redacted)
		}
	}
	for _, w := range s.words {
		v = replaceWord(v, w)
	}
	return v
}

// Value returns a copy of v with every string inside it scrubbed, keeping
// its types: maps, slices, arrays, pointers, interfaces and the exported
// fields of structs are walked (a provider's typed detail, such as a
// []Issue, comes back as a []Issue). Byte slices are scrubbed as text.
func (s *Scrubber) Value(v any) any {
	if s == nil || v == nil {
		return v
	}
	out := s.walk(reflect.ValueOf(v), 0)
	if !out.IsValid() {
		return v
	}
	return out.Interface()
}

// maxDepth stops the walk on cyclic or absurdly deep values.
const maxDepth = 32

func (s *Scrubber) walk(v reflect.Value, depth int) reflect.Value {
	if depth > maxDepth {
		return reflect.Zero(v.Type())
	}
	t := v.Type()
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(t).Elem()
		out.SetString(s.String(v.String()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(s.walk(v.Elem(), depth+1))
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(s.walk(v.Elem(), depth+1))
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(s.walk(it.Key(), depth+1), s.walk(it.Value(), depth+1))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		if t.Elem().Kind() == reflect.Uint8 {
			out := reflect.New(t).Elem()
			out.SetBytes([]byte(s.String(string(v.Bytes()))))
			return out
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(s.walk(v.Index(i), depth+1))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(s.walk(v.Index(i), depth+1))
		}
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range v.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(s.walk(v.Field(i), depth+1))
			}
		}
		return out
	}
	return v
}

// APIError scrubs and caps every field of e a provider's answer filled in:
// Code, Message, RequestID (from a header or a body) and Details.
func (s *Scrubber) APIError(e *reauth.APIError) {
	if e == nil {
		return
	}
	e.Code = textx.Truncate(s.String(e.Code), MaxCodeBytes)
	e.Message = textx.Truncate(s.String(e.Message), MaxMessageBytes)
	e.RequestID = textx.Truncate(s.String(e.RequestID), MaxRequestIDBytes)
	if e.Details != nil {
		e.Details, _ = s.Value(e.Details).(map[string]any)
	}
}

// encodings are the forms in which a secret may come back.
func encodings(sec string) []string {
	forms := []string{sec, url.QueryEscape(sec), url.PathEscape(sec)}
	for _, f := range forms[1:] {
		if lower := lowerPercent(f); lower != f {
			forms = append(forms, lower)
		}
	}
	forms = append(forms, jsonEscape(sec, true), jsonEscape(sec, false))
	return append(forms, base64Forms(sec)...)
}

func base64Forms(v string) []string {
	b := []byte(v)
	return []string{
		base64.StdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
	}
}

// jsonEscape is v as it appears inside a JSON string.
func jsonEscape(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v)
	out := bytes.TrimSpace(b.Bytes())
	return string(out[1 : len(out)-1])
}

// lowerPercent lower-cases the hex digits of percent escapes (%2F → %2f).
func lowerPercent(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// replaceWord replaces w in s where it is not part of a longer word.
func replaceWord(s, w string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			break
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(w):])
		if (i == 0 || !isWordRune(before)) && (i+len(w) == len(s) || !isWordRune(after)) {
			b.WriteString(s[:i])
			b.WriteString(reauth.Redacted)
		} else {
			b.WriteString(s[:i+len(w)])
		}
		s = s[i+len(w):]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// Scrub replaces every occurrence of each secret in s with REDACTED.
//
// Deprecated: use NewScrubber(secrets...).String(s), which also finds the
// secrets' encoded forms.
func Scrub(s string, secrets []string) string { return NewScrubber(secrets...).String(s) }

// ScrubAny returns a copy of v with every secret replaced in its strings.
//
// Deprecated: use NewScrubber(secrets...).Value(v).
func ScrubAny(v any, secrets []string) any { return NewScrubber(secrets...).Value(v) }
