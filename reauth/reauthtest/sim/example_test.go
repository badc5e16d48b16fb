package sim_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// A simulator serves its consent page with WriteDecisionPage; Decide plays
// the user pressing a button on it and returns the application's callback.
func ExampleDecide() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		sim.WriteDecisionPage(w, sim.DecisionPage{Title: "Bank", Heading: "Bank", Action: "/consent",
			Hidden: map[string]string{"session": "s1"}})
	})
	mux.HandleFunc("POST /consent", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue(sim.DecisionField) != sim.DecisionApprove {
			http.Redirect(w, r, "https://app.example/cb?error=access_denied", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "https://app.example/cb?code=c-"+r.FormValue("session"), http.StatusSeeOther)
	})
	srv := sim.NewServer(mux)
	defer srv.Close()

	approved, _ := sim.Decide(context.Background(), srv.URL+"/consent", sim.DecisionApprove, nil)
	denied, _ := sim.Decide(context.Background(), srv.URL+"/consent", sim.DecisionDeny, nil)
	fmt.Println(approved.Get("code"), denied.Get("error"))
	// Output: c-s1 access_denied
}
