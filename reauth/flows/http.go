package flows

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/reauthkit/reauthkit/reauth"
)

// maxCallbackBody caps a POSTed callback form.
const maxCallbackBody = 64 << 10

// Redirect sets the flow cookie (HttpOnly, SameSite=Lax, Secure over TLS;
// it holds key, never a secret) and sends the user to flow.URL with a 303.
// The cookie is the callback handler's last way to find the flow when the
// callback carries neither our state nor a provider id. A flow without a
// URL (an input step) is answered 500: show its Fields instead.
func (m *Manager) Redirect(w http.ResponseWriter, r *http.Request, key string, flow *reauth.Flow) {
	if m == nil || flow == nil || flow.URL == "" || key == "" {
		http.Error(w, "flows: nothing to redirect to", http.StatusInternalServerError)
		return
	}
	until := m.expiry(flow)
	http.SetCookie(w, &http.Cookie{
		Name: m.cookie, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: isTLS(r), Expires: until, MaxAge: int(until.Sub(m.now()).Seconds()) + 1,
	})
	http.Redirect(w, r, flow.URL, http.StatusSeeOther)
}

func isTLS(r *http.Request) bool {
	return r != nil && (r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https")
}

// CallbackHandler returns the handler for the provider's redirect back to
// the application (GET, or a POSTed form). It finds the stored flow from
// what the callback carries: our state; else the provider's own id (Atto's
// consent_id; the SHA-256 of Yapily's consent token, which also finds a QR
// flow finished on another device); else the cookie Redirect set. Under
// [WithSubject] a flow of another subject is refused with
// reauth.ErrStateMismatch and stays untouched. It then calls Continue with
// the callback and hands the next flow to done (check its Step: an input
// step or a still-pending consent are not done), or the error to fail.
//
// A nil done answers 200 (or 202 when the flow is not done yet); a nil
// fail answers [HTTPStatus] with the error's message, which never holds a
// secret: a callback with no usable key is 400 with the reason.
func (m *Manager) CallbackHandler(done func(http.ResponseWriter, *http.Request, *reauth.Flow), fail func(http.ResponseWriter, *http.Request, error)) http.Handler {
	if done == nil {
		done = defaultDone
	}
	if fail == nil {
		fail = defaultFail
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m == nil {
			fail(w, r, errNilManager)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			fail(w, r, fmt.Errorf("flows: callback: method %s: %w", r.Method, errMethod))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
		if err := r.ParseForm(); err != nil {
			fail(w, r, fmt.Errorf("flows: callback: %w", errForm))
			return
		}
		q := r.Form
		rec, err := m.find(r.Context(), r, q)
		if err == nil && m.subject != nil && rec.Subject != "" && rec.Subject != m.subject(r) {
			err = fmt.Errorf("flows: callback: the flow belongs to another user: %w", reauth.ErrStateMismatch)
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		flow, err := m.Continue(r.Context(), rec.Key, reauth.Reply{Callback: q})
		if flow == nil {
			fail(w, r, err)
			return
		}
		// A flow with an error: the provider answered but storing failed
		// (Continue logged it); done still gets the new credentials. The
		// flow cookie stays until it expires: a reload of this page whose
		// callback names the flow by nothing else (Atto's consent_id finds
		// open records only) finds the done record and shows it again,
		// without any request to the provider.
		done(w, r, flow)
	})
}

var (
	errMethod = errors.New("flows: a callback is a GET or a POST")
	errForm   = errors.New("flows: the callback form is unreadable or too large")
)

// callbackIDs are the provider parameters that name a connection, and how
// each becomes a Record's CallbackID.
var callbackIDs = []struct {
	provider reauth.Provider
	param    string
	id       func(string) string
}{
	{reauth.Atto, "consent_id", func(v string) string { return v }},
	{reauth.Yapily, "consent", hashHex},
}

// find locates the record a callback belongs to.
func (m *Manager) find(ctx context.Context, r *http.Request, q url.Values) (Record, error) {
	tried := false
	if st := q.Get("state"); st != "" {
		tried = true
		if rec, err := m.store.Get(ctx, KeyFor(st)); !errors.Is(err, ErrNotFound) {
			return rec, err
		}
	}
	for _, c := range callbackIDs {
		if v := q.Get(c.param); v != "" {
			tried = true
			if rec, err := m.store.FindOpen(ctx, c.provider, c.id(v)); !errors.Is(err, ErrNotFound) {
				return rec, err
			}
		}
	}
	if c, err := r.Cookie(m.cookie); err == nil && c.Value != "" {
		tried = true
		if rec, err := m.store.Get(ctx, c.Value); !errors.Is(err, ErrNotFound) {
			return rec, err
		}
	}
	if !tried {
		return Record{}, fmt.Errorf("flows: callback: it carries no state, no provider id and no flow cookie: %w", reauth.ErrMissingInput)
	}
	return Record{}, fmt.Errorf("flows: callback: its state, provider id and cookie match no stored flow: %w", ErrNotFound)
}

// HTTPStatus is the status a callback answers for err: 400 for a callback
// that names no usable flow or is not this user's, 409 while another holder
// continues the flow, 410 for a flow to Begin again, 503 when retrying
// later may work, 502 otherwise.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, reauth.ErrMissingInput), errors.Is(err, ErrNotFound),
		errors.Is(err, reauth.ErrStateMismatch), errors.Is(err, errForm):
		return http.StatusBadRequest
	case errors.Is(err, ErrClaimed):
		return http.StatusConflict
	}
	switch reauth.NextAction(err) {
	case reauth.ActionBeginAgain, reauth.ActionNewConnection:
		return http.StatusGone
	case reauth.ActionRetryLater:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}

func defaultDone(w http.ResponseWriter, _ *http.Request, flow *reauth.Flow) {
	if flow.Step == reauth.StepDone {
		http.Error(w, "re-authentication complete", http.StatusOK)
		return
	}
	http.Error(w, "re-authentication continues: "+string(flow.Step), http.StatusAccepted)
}

func defaultFail(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, err.Error(), HTTPStatus(err))
}
