package truelayer

import (
	"context"
	"fmt"

	"github.com/reauthkit/reauthkit/reauth"
)

// ConnectionMismatchError is returned by Continue when the tokens the code
// exchange returned do not belong to the connection the flow re-authenticates
// (the user logged into another bank account, or a foreign code reached the
// callback): /data/v1/me on the new access token names another
// credentials_id. It wraps reauth.ErrNewConnectionRequired. Token is the new
// pair, so the application can revoke the stray connection (or keep it as
// a new one); the flow's own connection is unchanged.
//
// When /me could not be read (Err set, Got empty) the new pair is still
// handed back here and the error wraps Err instead: the code is spent, so
// the pair must not be lost; check it again with [Client.Me].
type ConnectionMismatchError struct {
	// Want is the flow's connection id, Got the one /me reported.
	Want, Got string
	// Token is the new pair. Printing the error never shows it.
	Token Token
	// Err is why the connection could not be checked, nil on a mismatch.
	Err error
}

// Error says what happened, never a token.
func (e *ConnectionMismatchError) Error() string {
	if e == nil {
		return "truelayer: <nil> ConnectionMismatchError"
	}
	if e.Err != nil {
		return "truelayer: the new tokens' connection could not be checked: " + e.Err.Error()
	}
	return fmt.Sprintf("truelayer: the bank returned tokens for connection %q, not %q: revoke them or keep them as a new connection", e.Got, e.Want)
}

// Unwrap returns reauth.ErrNewConnectionRequired on a mismatch, else Err.
func (e *ConnectionMismatchError) Unwrap() error {
	switch {
	case e == nil:
		return nil
	case e.Err != nil:
		return e.Err
	}
	return reauth.ErrNewConnectionRequired
}

// pin checks that tok belongs to connection want (a no-op when want is
// empty: the flow does not know its connection).
func (c *Client) pin(ctx context.Context, want string, tok *Token, userIP string) error {
	if want == "" {
		return nil
	}
	me, err := c.me(ctx, tok.AccessToken, userIP)
	if err != nil {
		return &ConnectionMismatchError{Want: want, Token: *tok, Err: err}
	}
	if me.CredentialsID != want {
		return &ConnectionMismatchError{Want: want, Got: me.CredentialsID, Token: *tok}
	}
	return nil
}
