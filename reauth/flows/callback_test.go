package flows_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
)

// Atto's callback carries state=success and the consent id, not our state:
// the handler finds the record by consent id, without any cookie.
func TestCallbackFindsAttoByConsentID(t *testing.T) {
	eachStore(t, func(t *testing.T, st storeInfo) {
		srv, reg, req := newAtto(t)
		m := newManager(t, reg, st.store)
		a := newApp(t, m)
		key, flow := begin(t, m, "", reauth.Atto, req)
		cb, err := srv.Approve(context.Background(), flow.URL)
		if err != nil {
			t.Fatal(err)
		}
		if cb.Get("state") != "success" || cb.Get("consent_id") != req.ConnectionID {
			t.Fatalf("unexpected Atto callback %v", cb)
		}
		if code, body := a.callback(t, cb, nil); code != http.StatusOK {
			t.Fatalf("callback: %d %s", code, body)
		}
		if rec := record(t, st.store, key); rec.Status != flows.StatusDone || rec.CallbackID != req.ConnectionID {
			t.Fatalf("record after callback: %v", rec)
		}
	})
}

// Yapily's callback carries the consent token: the record keeps only its
// SHA-256, and a QR flow finished on the user's phone (no cookie of ours)
// is still found.
func TestCallbackFindsYapilyQRFlowByHashedToken(t *testing.T) {
	eachStore(t, func(t *testing.T, st storeInfo) {
		srv, reg, consent := newYapily(t)
		m := newManager(t, reg, st.store)
		a := newApp(t, m)
		key, flow := begin(t, m, "user-1", reauth.Yapily, reauth.Request{ConnectionID: consent.ID, Token: consent.Token})
		rec := record(t, st.store, key)
		if rec.CallbackID != flows.KeyFor(consent.Token) || strings.Contains(rec.CallbackID, consent.Token) {
			t.Fatalf("CallbackID %q: want the SHA-256 of the consent token, never the token", rec.CallbackID)
		}
		// The user scans the QR code and approves on the phone.
		cb, err := srv.Approve(context.Background(), flow.URL)
		if err != nil {
			t.Fatal(err)
		}
		if cb.Get("consent") != consent.Token {
			t.Fatalf("unexpected Yapily callback keys %v", keys(cb))
		}
		if code, body := a.callback(t, cb, nil); code != http.StatusOK { // the phone: no cookie
			t.Fatalf("callback: %d %s", code, body)
		}
		if rec := record(t, st.store, key); rec.Status != flows.StatusDone {
			t.Fatalf("status %s, want done", rec.Status)
		}
	})
}

func keys(q url.Values) []string {
	out := make([]string, 0, len(q))
	for k := range q {
		out = append(out, k)
	}
	return out
}

// A callback without our state (a provider that does not echo it) is found
// by the cookie Redirect set, in a real cookie jar.
func TestCallbackFindsFlowByCookie(t *testing.T) {
	t.Parallel()
	srv, reg, req := newFinch(t)
	st := flows.NewMemoryStore()
	m := newManager(t, reg, st)
	var key string
	a := newApp(t, m, func(mux *http.ServeMux) {
		mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
			k, flow, err := m.Begin(r.Context(), "", reauth.Finch, req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			key = k
			m.Redirect(w, r, k, flow)
		})
	})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(a.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d, want 303", resp.StatusCode)
	}
	c := resp.Cookies()
	if len(c) != 1 || c[0].Value != key || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("flow cookie %v, want one HttpOnly SameSite=Lax cookie holding the key", c)
	}
	cb, err := srv.Approve(context.Background(), resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	cb.Del("state")
	u, _ := url.Parse(a.URL)
	code, body := a.callback(t, cb, nil, jar.Cookies(u)...)
	if code != http.StatusOK {
		t.Fatalf("callback by cookie: %d %s", code, body)
	}
	if rec := record(t, st, key); rec.Status != flows.StatusDone {
		t.Fatalf("status %s, want done", rec.Status)
	}
}

// With WithSubject, another user's callback is refused and the record stays
// untouched: no claim, no I/O, same data; its owner then finishes it.
func TestCallbackRefusesAnotherUsersRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, st storeInfo) {
		tl := newTrueLayer(t)
		m := newManager(t, tl.reg, st.store, flows.WithSubject(func(r *http.Request) string { return r.Header.Get("X-User") }))
		a := newApp(t, m)
		key, flow := begin(t, m, "alice", reauth.TrueLayer, tl.req)
		cb, err := tl.srv.Approve(context.Background(), flow.URL)
		if err != nil {
			t.Fatal(err)
		}
		before := record(t, st.store, key)
		sent := len(tl.srv.Requests())
		for _, who := range []string{"mallory", ""} {
			code, body := a.callback(t, cb, http.Header{"X-User": {who}})
			if code != http.StatusBadRequest || !strings.Contains(body, "another user") {
				t.Fatalf("callback as %q: %d %q, want 400 naming another user", who, code, body)
			}
		}
		after := record(t, st.store, key)
		if after.Status != flows.StatusOpen || !bytes.Equal(after.Data, before.Data) || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("a refused callback changed the record: %v -> %v", before, after)
		}
		if len(tl.srv.Requests()) != sent {
			t.Fatal("a refused callback reached the provider")
		}
		if code, body := a.callback(t, cb, http.Header{"X-User": {"alice"}}); code != http.StatusOK {
			t.Fatalf("owner's callback: %d %s", code, body)
		}
	})
}

// A callback that names no usable flow is 400 with the reason.
func TestCallbackWithoutUsableKey(t *testing.T) {
	t.Parallel()
	tl := newTrueLayer(t)
	m := newManager(t, tl.reg, flows.NewMemoryStore())
	a := newApp(t, m)
	cases := []struct {
		q    url.Values
		want string
	}{
		{url.Values{"code": {"abc"}}, "carries no state, no provider id and no flow cookie"},
		{url.Values{"code": {"abc"}, "state": {"unknown"}}, "match no stored flow"},
		{url.Values{"consent_id": {"nope"}, "state": {"success"}}, "match no stored flow"},
	}
	for _, c := range cases {
		code, body := a.callback(t, c.q, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("callback %v: %d %q, want 400 %q", keys(c.q), code, body, c.want)
		}
		if strings.Contains(body, "abc") {
			t.Errorf("the answer echoes the code: %q", body)
		}
	}
	resp, err := http.Post(a.URL+"/callback", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST without a key: %d, want 400", resp.StatusCode)
	}
	if n := len(tl.srv.Requests()); n != 0 {
		t.Fatalf("%d requests reached the provider", n)
	}
}
