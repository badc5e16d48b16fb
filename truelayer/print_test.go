package truelayer_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/truelayer"
)

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%t", "%x", "%X"}

// printed is every rendering of v (fmt under each verb, slog text and JSON).
func printed(v any) string {
	var b bytes.Buffer
	for _, verb := range verbs {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	slog.New(slog.NewTextHandler(&b, nil)).Info("v", "v", v)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("v", "v", v)
	return b.String()
}

func TestNoSecretUnderAnyVerb(t *testing.T) {
	t.Parallel()
	const (
		secret = "PRINT-client-secret-1"
		rt     = "PRINT-refresh-token-2"
		at     = "PRINT-access-token-3"
		state  = "PRINT-state-4"
		email  = "PRINT-jane@example.com"
	)
	c, err := truelayer.New(truelayer.Credentials{ClientID: "id", ClientSecret: secret})
	require.NoError(t, err)
	tok := truelayer.Token{AccessToken: at, RefreshToken: rt, ExpiresAt: time.Now()}
	reqs := []any{
		truelayer.Credentials{ClientID: "id", ClientSecret: secret},
		truelayer.ReauthURIRequest{RefreshToken: rt, RedirectURI: "https://app/cb", State: state},
		truelayer.ExtendRequest{RefreshToken: rt, RedirectURI: "https://app/cb", State: state, User: truelayer.User{ID: "u", Name: "Jane", Email: email}},
		tok,
		truelayer.ExtendResult{ActionNeeded: truelayer.NoActionNeeded, Token: &tok, UserInputLink: "https://bank/?s=" + state},
		truelayer.ConnectionMismatchError{Want: "a", Got: "b", Token: tok},
		*c,
	}
	for _, v := range reqs {
		for _, x := range []any{v, ptr(v)} {
			out := printed(x)
			for _, s := range []string{secret, rt, at, state, email} {
				assert.NotContains(t, out, s, "%T", x)
			}
		}
	}
	ts := c.TokenSource(reauth.Credentials{AccessToken: at, RefreshToken: rt})
	out := printed(ts) + printed(*ts) + printed(ts.Transport(nil)) + printed(&truelayer.ConnectionMismatchError{Token: tok})
	for _, s := range []string{rt, at} {
		assert.NotContains(t, out, s)
	}
}

// ptr returns a pointer to a copy of v, typed as v's type.
func ptr(v any) any {
	switch x := v.(type) {
	case truelayer.Credentials:
		return &x
	case truelayer.ReauthURIRequest:
		return &x
	case truelayer.ExtendRequest:
		return &x
	case truelayer.Token:
		return &x
	case truelayer.ExtendResult:
		return &x
	case truelayer.ConnectionMismatchError:
		return &x
	case truelayer.Client:
		return &x
	}
	panic(fmt.Sprintf("ptr: %T", v))
}

func TestZeroAndNilClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	require.NotPanics(t, func() { _ = printed(truelayer.Client{}) + printed(&truelayer.Client{}) })
	for _, c := range []*truelayer.Client{nil, {}} {
		_, err := c.Begin(ctx, reauth.Request{Token: "t", RedirectURI: "https://a/cb"})
		assert.Error(t, err)
		_, err = c.Continue(ctx, &reauth.Flow{}, reauth.Reply{})
		assert.Error(t, err)
		_, err = c.Inspect(ctx, reauth.Request{Token: "t"})
		assert.Error(t, err)
		_, err = c.ReauthURI(ctx, truelayer.ReauthURIRequest{RefreshToken: "t", RedirectURI: "https://a/cb"})
		assert.Error(t, err)
		_, err = c.ExtendConnection(ctx, truelayer.ExtendRequest{})
		assert.Error(t, err)
		_, err = c.ExchangeCode(ctx, "c", "https://a/cb", "")
		assert.Error(t, err)
		_, err = c.RefreshToken(ctx, "t")
		assert.Error(t, err)
		_, err = c.Me(ctx, "t")
		assert.Error(t, err)
		_, err = c.TokenSource(reauth.Credentials{}).Token(ctx)
		assert.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), "truelayer: "))
		assert.Equal(t, reauth.TrueLayer, c.Provider())
	}
}
