package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
)

type testConfig struct {
	settings Settings
	region   string
}

type testOption func(*testConfig) error

func TestBuilderReportsEveryProblemInOneFormat(t *testing.T) {
	cfg := testConfig{settings: DefaultSettings()}
	b := NewBuilder(reauth.Yapily)
	b.Credential("Credentials.ApplicationUUID", " id")
	b.Secret("Credentials.Secret", "")
	b.Secret("Credentials.Other", "s3cr3t\n")
	u := b.BaseURL("WithBaseURL", "ftp://x")
	Apply(b, &cfg,
		testOption(func(c *testConfig) error { c.region = "eu"; return nil }),
		nil,
		testOption(func(*testConfig) error { return errors.New("WithThing: bad") }),
		testOption(func(c *testConfig) error { c.settings.SetMaxResponseBytes(0); return nil }))
	b.Settings(&cfg.settings)
	err := b.Err()
	require.Error(t, err)
	assert.Nil(t, u)
	assert.Equal(t, "eu", cfg.region, "the good options still apply")
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "yapily: new client: "), msg)
	for _, want := range []string{"ApplicationUUID has leading", "Secret is required", "Other contains control", "scheme", "option 1 is nil", "WithThing: bad", "WithMaxResponseBytes"} {
		assert.Contains(t, msg, want)
	}
	assert.NotContains(t, msg, "s3cr3t")
	assert.NotContains(t, msg, "\n")
	assert.NoError(t, NewBuilder(reauth.Atto).Err())
}

func TestBuilderForAnotherConstructor(t *testing.T) {
	b := NewBuilderFor(reauth.Finch, "new webhook verifier")
	b.Secret("secret", "")
	err := b.Err()
	require.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Equal(t, "finch: new webhook verifier: secret is required", err.Error())
}

func TestMaxResponseBytesLetsALargerAnswerThrough(t *testing.T) {
	mt := newMock(t)
	big := `{"x":"` + strings.Repeat("a", 2<<20) + `"}`
	mt.RegisterResponder(http.MethodGet, testBase+"/big", httpmock.NewStringResponder(200, big))
	small := newClient(t, mt, time.Millisecond, time.Millisecond)
	_, err := small.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/big"})
	assert.ErrorIs(t, err, reauth.ErrInvalidResponse)
	large := newClient(t, mt, time.Millisecond, time.Millisecond, func(s *Settings) { s.SetMaxResponseBytes(4 << 20) })
	resp, err := large.Do(context.Background(), &Request{Method: http.MethodGet, Base: base(t), Path: "/big"})
	require.NoError(t, err)
	assert.Len(t, resp.Body, len(big))
}

func TestMatchesAny(t *testing.T) {
	assert.True(t, MatchesAny("b", "a", "b"))
	assert.False(t, MatchesAny("c", "a", "b"))
	assert.False(t, MatchesAny("", "", "a"))
	assert.False(t, MatchesAny("a"))
}

// TestNilAndZeroValuesDoNotPanic walks every exported method of the
// package's types on nil and zero values.
func TestNilAndZeroValuesDoNotPanic(t *testing.T) {
	var (
		c  *Client
		r  *Request
		s  *Settings
		sc *Scrubber
		b  *Builder
	)
	_, err := c.Do(context.Background(), &Request{})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	_, err = (&Client{}).Do(context.Background(), &Request{})
	assert.Error(t, err)
	assert.Error(t, c.DecodeJSON("op", nil, nil))
	n := reauthtest.CheckNilSafe(t, c, &Client{}, r, &Request{}, s, &Settings{}, sc, &Scrubber{}, b, &Builder{},
		Response{}, CheckConfig{})
	assert.Greater(t, n, 30)
	assert.NotPanics(t, func() {
		_, _ = New(Config{})
		_ = CheckResponse(nil, CheckConfig{})
		_ = CheckResponse(&http.Response{}, CheckConfig{})
		_, _ = ParseBaseURL("", "")
		_, _ = RetryAfter(nil, time.Time{})
		_ = IsDialError(nil)
		_ = LooksLikeJSONObject(nil)
		_ = NewScrubber().Value(struct{ A any }{})
	})
}
