package truelayer

import (
	"fmt"
	"log/slog"

	"github.com/reauthkit/reauthkit/reauth"
)

// Every type below that holds a secret prints through reauth's renderer:
// redacted builds its printable form once, and Format, String, GoString and
// LogValue delegate to it, so every fmt verb and slog print the same
// redacted fields, keyed by their Go names. The methods have value
// receivers, so a value and a pointer to it print alike.

func (c Credentials) redacted() reauth.RedactedValue {
	return reauth.Redact("truelayer.Credentials",
		reauth.Show("ClientID", c.ClientID),
		reauth.Show("ClientSecret", reauth.RedactSecret(c.ClientSecret)))
}

// Format prints the credentials without the secret under every verb.
func (c Credentials) Format(f fmt.State, verb rune) { c.redacted().Format(f, verb) }

// String prints the credentials with the secret replaced by REDACTED.
func (c Credentials) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.redacted().GoString() }

// LogValue logs the client id and REDACTED for the secret.
func (c Credentials) LogValue() slog.Value { return c.redacted().LogValue() }

// redacted shows a Client's endpoints and client id, never its secret.
// (Without it, fmt would print the unexported credentials field raw.) A
// zero Client prints empty URLs.
func (c Client) redacted() reauth.RedactedValue {
	return reauth.Redact("truelayer.Client",
		reauth.Show("AuthURL", urlString(c.authBase)),
		reauth.Show("APIURL", urlString(c.apiBase)),
		reauth.Show("Credentials", c.creds.redacted()))
}

// Format prints the client without its secret under every verb.
func (c Client) Format(f fmt.State, verb rune) { c.redacted().Format(f, verb) }

// String describes the client without its secret.
func (c Client) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Client) GoString() string { return c.redacted().GoString() }

// LogValue logs the client's endpoints and client id, never its secret.
func (c Client) LogValue() slog.Value { return c.redacted().LogValue() }

func (t Token) redacted() reauth.RedactedValue {
	return reauth.Redact("truelayer.Token",
		reauth.Show("AccessToken", reauth.RedactSecret(t.AccessToken)),
		reauth.Show("RefreshToken", reauth.RedactSecret(t.RefreshToken)),
		reauth.Show("ExpiresAt", t.ExpiresAt),
		reauth.Show("TokenType", t.TokenType),
		reauth.Show("Scope", t.Scope))
}

// Format prints the token without its secrets under every verb.
func (t Token) Format(f fmt.State, verb rune) { t.redacted().Format(f, verb) }

// String prints the token without its secrets.
func (t Token) String() string { return t.redacted().String() }

// GoString is String for %#v.
func (t Token) GoString() string { return t.redacted().GoString() }

// LogValue logs the token without its secrets.
func (t Token) LogValue() slog.Value { return t.redacted().LogValue() }

func (r ReauthURIRequest) redacted() reauth.RedactedValue {
	return reauth.Redact("truelayer.ReauthURIRequest",
		reauth.Show("RefreshToken", reauth.RedactSecret(r.RefreshToken)),
		reauth.Show("RedirectURI", reauth.RedactURL(r.RedirectURI)),
		reauth.Show("State", reauth.RedactSecret(r.State)),
		reauth.Show("ResponseType", r.ResponseType),
		reauth.Show("UserIP", r.UserIP))
}

// Format prints the request without secrets under every verb.
func (r ReauthURIRequest) Format(f fmt.State, verb rune) { r.redacted().Format(f, verb) }

// String prints the request with the refresh token and state redacted.
func (r ReauthURIRequest) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r ReauthURIRequest) GoString() string { return r.redacted().GoString() }

// LogValue logs the request without secrets.
func (r ReauthURIRequest) LogValue() slog.Value { return r.redacted().LogValue() }

func (r ExtendRequest) redacted() reauth.RedactedValue {
	return reauth.Redact("truelayer.ExtendRequest",
		reauth.Show("RefreshToken", reauth.RedactSecret(r.RefreshToken)),
		reauth.Show("RedirectURI", reauth.RedactURL(r.RedirectURI)),
		reauth.Show("UserHasReconfirmedConsent", r.UserHasReconfirmedConsent),
		reauth.Show("User", r.User.redacted()),
		reauth.Show("State", reauth.RedactSecret(r.State)),
		reauth.Show("UserIP", r.UserIP))
}

// Format prints the request without secrets under every verb.
func (r ExtendRequest) Format(f fmt.State, verb rune) { r.redacted().Format(f, verb) }

// String prints the request with the refresh token, the state and the
// user's name, email and phone redacted.
func (r ExtendRequest) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r ExtendRequest) GoString() string { return r.redacted().GoString() }

// LogValue logs the request without secrets.
func (r ExtendRequest) LogValue() slog.Value { return r.redacted().LogValue() }

// redacted shows the user's id; name, email and phone are personal data.
func (u User) redacted() reauth.RedactedValue {
	return reauth.Redact("truelayer.User",
		reauth.Show("ID", u.ID),
		reauth.Show("Name", reauth.RedactSecret(u.Name)),
		reauth.Show("Email", reauth.RedactSecret(u.Email)),
		reauth.Show("Phone", reauth.RedactSecret(u.Phone)))
}

// Format prints the user without personal data under every verb.
func (u User) Format(f fmt.State, verb rune) { u.redacted().Format(f, verb) }

// String prints the user's id; name, email and phone print as REDACTED.
func (u User) String() string { return u.redacted().String() }

// GoString is String for %#v.
func (u User) GoString() string { return u.redacted().GoString() }

// LogValue logs the user's id only.
func (u User) LogValue() slog.Value { return u.redacted().LogValue() }

func (r ExtendResult) redacted() reauth.RedactedValue {
	var tok any // <nil> when absent
	if r.Token != nil {
		tok = r.Token.redacted()
	}
	return reauth.Redact("truelayer.ExtendResult",
		reauth.Show("ActionNeeded", string(r.ActionNeeded)),
		reauth.Show("Token", tok),
		reauth.Show("UserInputLink", reauth.RedactSecret(r.UserInputLink)))
}

// Format prints the result without its tokens or link under every verb.
func (r ExtendResult) Format(f fmt.State, verb rune) { r.redacted().Format(f, verb) }

// String prints the result without its tokens or link.
func (r ExtendResult) String() string { return r.redacted().String() }

// GoString is String for %#v.
func (r ExtendResult) GoString() string { return r.redacted().GoString() }

// LogValue logs the result without secrets.
func (r ExtendResult) LogValue() slog.Value { return r.redacted().LogValue() }

// redacted shows a TokenSource by its lock key, never its tokens.
func (s TokenSource) redacted() reauth.RedactedValue {
	key := ""
	if s.st != nil {
		key = s.st.key
	}
	return reauth.Redact("truelayer.TokenSource", reauth.Show("Key", key))
}

// Format prints the source without its tokens under every verb.
func (s TokenSource) Format(f fmt.State, verb rune) { s.redacted().Format(f, verb) }

// String describes the source by its lock key, never its tokens.
func (s TokenSource) String() string { return s.redacted().String() }

// GoString is String for %#v.
func (s TokenSource) GoString() string { return s.redacted().GoString() }

// LogValue logs the lock key only.
func (s TokenSource) LogValue() slog.Value { return s.redacted().LogValue() }

func (e ConnectionMismatchError) redacted() reauth.RedactedValue {
	cause := ""
	if e.Err != nil {
		cause = e.Err.Error()
	}
	return reauth.Redact("truelayer.ConnectionMismatchError",
		reauth.Show("Want", e.Want),
		reauth.Show("Got", e.Got),
		reauth.Show("Token", e.Token.redacted()),
		reauth.Show("Err", cause))
}

// Format prints the error's message under every verb, never the pair.
func (e ConnectionMismatchError) Format(f fmt.State, verb rune) { reauth.FormatError(f, verb, &e) }

// LogValue logs the ids and the cause, never the pair. (A value receiver:
// the error logged by value must not be marshalled with its tokens.)
func (e ConnectionMismatchError) LogValue() slog.Value { return e.redacted().LogValue() }
