package yapily_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
	"github.com/reauthkit/reauthkit/yapily"
	"github.com/reauthkit/reauthkit/yapily/yapilytest"
)

func TestListConsentsFiltersAndPages(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	var expired []string
	for i := 0; i < 7; i++ {
		cons := srv.AddConsent(yapilytest.ConsentSpec{ApplicationUserID: "user-a"})
		if i%2 == 0 {
			srv.Expire(cons.ID)
			expired = append(expired, cons.ID)
		}
	}
	ctx := context.Background()
	f := yapily.ConsentFilter{Statuses: []yapily.AuthorisationStatus{yapily.StatusExpired}, Limit: 3}
	var got []string
	pages := 0
	for {
		page, err := c.ListConsents(ctx, f)
		require.NoError(t, err)
		pages++
		assert.Equal(t, 4, page.TotalCount)
		for _, cons := range page.Consents {
			assert.Equal(t, yapily.StatusExpired, cons.Status)
			assert.NotEmpty(t, cons.ConsentToken)
			got = append(got, cons.ID)
		}
		var more bool
		if f, more = page.Next(f); !more {
			break
		}
	}
	assert.Equal(t, expired, got)
	assert.Equal(t, 2, pages)
	q, _ := url.ParseQuery(srv.Requests()[len(srv.Requests())-1].Query)
	assert.Equal(t, []string{"EXPIRED"}, q["filter[status]"])
	assert.Equal(t, "3", q.Get("limit"))
	assert.Equal(t, "3", q.Get("offset"))

	_, err := c.ListConsents(ctx, yapily.ConsentFilter{})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest, "Yapily needs a user filter or a limit")
	_, err = c.ListConsents(ctx, yapily.ConsentFilter{Limit: 1001})
	assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	assert.Equal(t, 2, srv.Count(yapilytest.RouteConsents), "refused before any request")
}

func TestInspectAllOneRequestPerPage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := yapilytest.NewServer(yapilytest.WithClock(clock))
	t.Cleanup(srv.Close)
	c, err := yapily.New(yapily.Credentials{ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret},
		yapily.WithBaseURL(srv.URL), yapily.WithClock(clock))
	require.NoError(t, err)
	specs := []yapilytest.ConsentSpec{
		{AuthorizedAt: now.Add(-time.Hour)},
		{Status: yapilytest.StatusExpired},
		{AuthorizedAt: now.Add(-85 * 24 * time.Hour), ExpiresAt: now.Add(100 * 24 * time.Hour)},
		{Status: yapilytest.StatusRevoked},
		{Status: yapilytest.StatusAwaitingReAuthorization},
	}
	var ids []string
	for _, s := range specs {
		ids = append(ids, srv.AddConsent(s).ID)
	}
	ctx := context.Background()
	var got []reauth.Health
	for h, err := range c.InspectAll(ctx, yapily.ConsentFilter{Limit: 2}) {
		require.NoError(t, err)
		got = append(got, h)
	}
	require.Len(t, got, len(ids))
	assert.Equal(t, 3, srv.Count(yapilytest.RouteConsents), "one request per page")
	for i, id := range ids {
		one, err := c.Inspect(ctx, reauth.Request{ConnectionID: id})
		require.NoError(t, err)
		assert.Equal(t, *one, got[i], "InspectAll reports what Inspect reports")
	}

	// Stopping early stops paging.
	srv.ResetLog()
	for range c.InspectAll(ctx, yapily.ConsentFilter{Limit: 2}) {
		break
	}
	assert.Equal(t, 1, srv.Count(yapilytest.RouteConsents))

	// A failed page is yielded once and ends the walk.
	srv.Inject(yapilytest.RouteConsents, 5, sim.Fault{Kind: sim.FaultStatus, Status: 500})
	n := 0
	for _, err := range c.InspectAll(ctx) {
		n++
		assert.ErrorIs(t, err, reauth.ErrProviderUnavailable)
	}
	assert.Equal(t, 1, n)
	var nilClient *yapily.Client
	for _, err := range nilClient.InspectAll(ctx) {
		assert.ErrorIs(t, err, reauth.ErrInvalidRequest)
	}
}

// Every reauth.Inspector answers a 403 on the consent with a NeedsReauth
// health, not an error.
func TestInspect403IsNeedsReauth(t *testing.T) {
	t.Parallel()
	srv, c := simClient(t)
	cons := srv.AddConsent(yapilytest.ConsentSpec{})
	srv.Inject(yapilytest.RouteConsent(http.MethodGet, cons.ID), 1, sim.Fault{Kind: sim.FaultStatus, Status: 403,
		Body: `{"error":{"code":403,"status":"FORBIDDEN","message":"The consent is no longer authorised","source":"YAPILY"}}`})
	h, err := c.Inspect(context.Background(), reauth.Request{ConnectionID: cons.ID})
	require.NoError(t, err)
	assert.Equal(t, reauth.NeedsReauth, h.State)
	assert.Equal(t, cons.ID, h.ConnectionID)
	assert.Equal(t, reauth.Yapily, h.Provider)
	assert.Equal(t, "The consent is no longer authorised", h.Message)

	// A 403 for a missing scope is the application's problem: an error.
	srv.Inject(yapilytest.RouteConsent(http.MethodGet, cons.ID), 1, sim.Fault{Kind: sim.FaultStatus, Status: 403,
		Body: `{"error":{"code":403,"status":"FORBIDDEN","issues":[{"type":"INVALID_REQUEST","code":"Yapily.gateway.api.scope.required"}]}}`})
	_, err = c.Inspect(context.Background(), reauth.Request{ConnectionID: cons.ID})
	assert.ErrorIs(t, err, reauth.ErrUnauthorized)
}

func TestConsentPageNext(t *testing.T) {
	t.Parallel()
	three := make([]yapily.Consent, 3)
	cases := []struct {
		name string
		page *yapily.ConsentPage
		next int
		more bool
	}{
		{"nil", nil, 0, false},
		{"empty", &yapily.ConsentPage{Limit: 3}, 0, false},
		{"full page", &yapily.ConsentPage{Consents: three, Limit: 3, Offset: 3}, 6, true},
		{"short page", &yapily.ConsentPage{Consents: three, Limit: 4}, 0, false},
		{"total reached", &yapily.ConsentPage{Consents: three, Limit: 3, Offset: 3, TotalCount: 6}, 6, false},
		{"no limit, total known", &yapily.ConsentPage{Consents: three, TotalCount: 10}, 3, true},
		{"no limit, no total", &yapily.ConsentPage{Consents: three}, 0, false},
	}
	for _, tc := range cases {
		f, more := tc.page.Next(yapily.ConsentFilter{Limit: 3})
		assert.Equal(t, tc.more, more, tc.name)
		if more {
			assert.Equal(t, tc.next, f.Offset, tc.name)
		}
	}
}
