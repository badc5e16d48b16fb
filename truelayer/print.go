package truelayer

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/reauthkit/reauthkit/reauth"
)

// formatter prints a value whose String and GoString already leave out
// every secret, under every fmt verb: fmt would otherwise print the raw
// fields for %d, %x, %t and the like.
type formatter interface {
	String() string
	GoString() string
}

// format implements fmt.Formatter for v: %#v prints GoString, %q a quoted
// String, every other verb String.
func format(f fmt.State, verb rune, v formatter) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, v.GoString())
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", v.String())
	default:
		_, _ = io.WriteString(f, v.String())
	}
}

// String prints the request with the refresh token and state redacted.
func (r ReauthURIRequest) String() string {
	return fmt.Sprintf("ReauthURIRequest{RefreshToken: %s, RedirectURI: %s, State: %s, ResponseType: %s, UserIP: %s}",
		reauth.RedactSecret(r.RefreshToken), r.RedirectURI, reauth.RedactSecret(r.State), r.ResponseType, r.UserIP)
}

// GoString is String for %#v.
func (r ReauthURIRequest) GoString() string {
	return fmt.Sprintf("truelayer.ReauthURIRequest{RefreshToken:%q, RedirectURI:%q, State:%q, ResponseType:%q, UserIP:%q}",
		reauth.RedactSecret(r.RefreshToken), r.RedirectURI, reauth.RedactSecret(r.State), r.ResponseType, r.UserIP)
}

// Format prints the request without secrets under every verb.
func (r ReauthURIRequest) Format(f fmt.State, verb rune) { format(f, verb, r) }

// LogValue logs the request without secrets.
func (r ReauthURIRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("RefreshToken", reauth.RedactSecret(r.RefreshToken)),
		slog.String("RedirectURI", r.RedirectURI),
		slog.String("State", reauth.RedactSecret(r.State)),
		slog.String("ResponseType", r.ResponseType),
		slog.String("UserIP", r.UserIP),
	)
}

// String prints the request with the refresh token, the state and the
// user's name, email and phone redacted.
func (r ExtendRequest) String() string {
	return fmt.Sprintf("ExtendRequest{RefreshToken: %s, RedirectURI: %s, UserHasReconfirmedConsent: %t, User: %s, State: %s, UserIP: %s}",
		reauth.RedactSecret(r.RefreshToken), r.RedirectURI, r.UserHasReconfirmedConsent, r.User, reauth.RedactSecret(r.State), r.UserIP)
}

// GoString is String for %#v.
func (r ExtendRequest) GoString() string {
	return fmt.Sprintf("truelayer.ExtendRequest{RefreshToken:%q, RedirectURI:%q, UserHasReconfirmedConsent:%t, User:%#v, State:%q, UserIP:%q}",
		reauth.RedactSecret(r.RefreshToken), r.RedirectURI, r.UserHasReconfirmedConsent, r.User, reauth.RedactSecret(r.State), r.UserIP)
}

// Format prints the request without secrets under every verb.
func (r ExtendRequest) Format(f fmt.State, verb rune) { format(f, verb, r) }

// LogValue logs the request without secrets.
func (r ExtendRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("RefreshToken", reauth.RedactSecret(r.RefreshToken)),
		slog.String("RedirectURI", r.RedirectURI),
		slog.Bool("UserHasReconfirmedConsent", r.UserHasReconfirmedConsent),
		slog.Any("User", r.User),
		slog.String("State", reauth.RedactSecret(r.State)),
		slog.String("UserIP", r.UserIP),
	)
}

// String prints the user's id; name, email and phone are personal data and
// print as REDACTED.
func (u User) String() string {
	return fmt.Sprintf("User{ID: %s, Name: %s, Email: %s, Phone: %s}", u.ID, reauth.RedactSecret(u.Name), reauth.RedactSecret(u.Email), reauth.RedactSecret(u.Phone))
}

// GoString is String for %#v.
func (u User) GoString() string {
	return fmt.Sprintf("truelayer.User{ID:%q, Name:%q, Email:%q, Phone:%q}", u.ID, reauth.RedactSecret(u.Name), reauth.RedactSecret(u.Email), reauth.RedactSecret(u.Phone))
}

// Format prints the user without personal data under every verb.
func (u User) Format(f fmt.State, verb rune) { format(f, verb, u) }

// LogValue logs the user's id only.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("ID", u.ID), slog.String("Name", reauth.RedactSecret(u.Name)),
		slog.String("Email", reauth.RedactSecret(u.Email)), slog.String("Phone", reauth.RedactSecret(u.Phone)))
}
