package flows_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/reauthkit/reauthkit/finch"
	"github.com/reauthkit/reauthkit/finch/finchtest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
)

// A Manager on the memory store: begin a re-authentication, redirect the
// user, and let the callback handler finish it — here against a simulated
// Finch, over real HTTP on loopback.
func ExampleManager() {
	ctx := context.Background()
	sim := finchtest.NewServer()
	defer sim.Close()
	conn := sim.AddConnection("gusto")
	sim.RequireReauth(conn.ID)
	client, err := finch.New(finch.Credentials{ClientID: finchtest.ClientID, ClientSecret: finchtest.ClientSecret},
		finch.WithBaseURL(sim.URL))
	if err != nil {
		panic(err)
	}
	reg, err := reauth.NewRegistry(client)
	if err != nil {
		panic(err)
	}
	m, err := flows.NewManager(reg, flows.NewMemoryStore())
	if err != nil {
		panic(err)
	}

	// Your application: /reauth starts a flow, /callback finishes it.
	mux := http.NewServeMux()
	mux.HandleFunc("/reauth", func(w http.ResponseWriter, r *http.Request) {
		key, flow, err := m.Begin(r.Context(), "", reauth.Finch,
			reauth.Request{Token: conn.AccessToken, RedirectURI: "https://app.example/callback"})
		if err != nil {
			http.Error(w, "cannot start: "+string(reauth.NextAction(err)), http.StatusBadGateway)
			return
		}
		m.Redirect(w, r, key, flow) // flow cookie + 303 to Finch Connect
	})
	mux.Handle("/callback", m.CallbackHandler(
		func(w http.ResponseWriter, r *http.Request, flow *reauth.Flow) {
			// Save flow.Result.Credentials (Finch issues a new access token).
			fmt.Fprintf(w, "repaired: %t, new token: %t", flow.Result.ConnectionID == conn.ID, flow.Result.CredentialsChanged)
		},
		func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, err.Error(), flows.HTTPStatus(err))
		}))
	app := httptest.NewServer(mux)
	defer app.Close()

	// The user's browser.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(app.URL + "/reauth")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("redirect:", resp.StatusCode)
	callback, err := sim.Approve(ctx, resp.Header.Get("Location")) // the user approves at Finch
	if err != nil {
		panic(err)
	}
	for range 2 { // a second callback (a reload) returns the stored result; the code is spent once
		resp, err = http.Get(app.URL + "/callback?" + callback.Encode())
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println("callback:", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Println("code exchanges:", sim.Count("POST /auth/token"))
	// Output:
	// redirect: 303
	// callback: 200 repaired: true, new token: true
	// callback: 200 repaired: true, new token: true
	// code exchanges: 1
}

// Seal flows at rest with key ids, so keys rotate: add the new key, make it
// current, keep the old one listed until its records have expired.
func ExampleNewAESGCM() {
	sealer, err := flows.NewAESGCM(map[string][]byte{
		"2026-01": []byte("0123456789abcdef0123456789abcdef"), // load these from your secret store
		"2026-06": []byte("fedcba9876543210fedcba9876543210"),
	}, "2026-06")
	if err != nil {
		panic(err)
	}
	sealed, _ := sealer.Seal([]byte(`{"refresh_token":"secret"}`))
	plain, err := sealer.Open(sealed)
	fmt.Println(string(plain), err, strings.Contains(string(sealed), "secret"))
	fmt.Println(sealer)
	// Output:
	// {"refresh_token":"secret"} <nil> false
	// flows.AESGCM{current: "2026-06", keys: [2026-01 2026-06]}
}

// After an error, Continue's *flows.Error says what became of the stored
// flow and what to do next.
func ExampleError() {
	err := error(&flows.Error{Status: flows.StatusFailed, Action: reauth.ActionBeginAgain,
		Err: fmt.Errorf("truelayer: exchange code: %w", reauth.ErrProviderUnavailable)})
	fmt.Println(reauth.NextAction(err), flows.HTTPStatus(err))
	// Output:
	// begin_again 410
}
