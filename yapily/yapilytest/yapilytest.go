// Package yapilytest is a simulated Yapily for tests and examples: real HTTP
// on loopback with Yapily's paths, headers, JSON and error shapes, stateful
// consents, HTTP Basic authentication of the application, a simulated bank
// where the user approves or denies a re-authorisation, fault injection and a
// request log (from internal/sim). It does not import package yapily, so it
// checks the SDK from the outside.
//
// It follows Yapily's published API: PATCH /account-auth-requests leaves the
// consent AWAITING_RE_AUTHORIZATION with its old authorizedAt, and the user's
// approval moves status back to AUTHORIZED and advances lastConfirmedAt,
// expiresAt and reconfirmBy (authorizedAt stays). Consents added with
// ConsentSpec.Redirect play an own-licence customer (the bank returns code
// and state to that redirect; the consent is AUTHORIZED only after POST
// /consent-auth-code); ConsentSpec.OneTimeToken plays an application that
// asked for one-time tokens (the callback carries one-time-token, exchanged
// with POST /consent-one-time-token). GET /consents lists consents with
// filter[status], filter[applicationUserId], filter[institution], limit and
// offset, and GET /accounts (header consent) is the data call that fails
// Yapily's way once the consent is broken: 403 when it is no longer
// AUTHORIZED, 401 from the institution after RequireReauth.
//
// The authorisation page at the flow's URL is real HTML: a form (method
// post) with an Approve and a Deny button (name decision), so a browser can
// click through; Approve and Deny submit the same form.
//
// It follows Yapily's published API: PATCH /account-auth-requests leaves the
// consent AWAITING_RE_AUTHORIZATION with its old authorizedAt, and the user's
// approval moves status back to AUTHORIZED and advances lastConfirmedAt,
// expiresAt and reconfirmBy (authorizedAt stays). Consents added with
// ConsentSpec.Redirect play an own-licence customer (the bank returns code
// and state to that redirect; the consent is AUTHORIZED only after POST
// /consent-auth-code); ConsentSpec.OneTimeToken plays an application that
// asked for one-time tokens (the callback carries one-time-token, exchanged
// with POST /consent-one-time-token). GET /consents lists consents with
// filter[status], filter[applicationUserId], filter[institution], limit and
// offset, and GET /accounts (header consent) is the data call that fails
// Yapily's way once the consent is broken: 403 when it is no longer
// AUTHORIZED, 401 from the institution after RequireReauth.
//
//	srv := yapilytest.NewServer()
//	defer srv.Close()
//	c := srv.AddConsent(yapilytest.ConsentSpec{Status: yapilytest.StatusExpired})
//	client, _ := yapily.New(yapily.Credentials{
//		ApplicationID: yapilytest.ApplicationID, ApplicationSecret: yapilytest.ApplicationSecret,
//	}, yapily.WithBaseURL(srv.URL))
//	flow, _ := client.Begin(ctx, reauth.Request{ConnectionID: c.ID, Token: c.Token})
//	callback, _ := srv.Approve(ctx, flow.URL) // the user approves at the bank: the callback query
//	flow, _ = client.Continue(ctx, flow, reauth.Reply{Callback: callback})
//
// The callback query names (consent, application-user-id, user-uuid,
// institution; error and error-description on refusal) follow Yapily's sample
// callback page; Yapily does not document them formally.
package yapilytest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Default application credentials the simulator accepts.
const (
	ApplicationID     = "a0b1c2d3-sim0-4app-8id0-000000000001"
	ApplicationSecret = "sim-yapily-application-secret-7f3c"
)

// DefaultCallback is where the simulated auth service returns the user when
// a consent has no callback of its own.
const DefaultCallback = "https://app.example/yapily/callback"

// SignatureHeader is the header SignWebhook's signature goes in; it matches
// yapily's default (an assumption: Yapily does not document it).
const SignatureHeader = "X-Yapily-Signature"

// WebhookSecret is the webhook secret the server signs deliveries with,
// unless WithWebhookSecret sets another.
const WebhookSecret = "sim-yapily-webhook-secret-1d9e"

// CallbackOneTimeToken is the callback parameter that carries a one-time
// token (an assumption: Yapily names no parameter).
const CallbackOneTimeToken = "one-time-token"

// Consent statuses the simulator uses.
const (
	StatusAuthorized              = "AUTHORIZED"
	StatusAwaitingReAuthorization = "AWAITING_RE_AUTHORIZATION"
	StatusExpired                 = "EXPIRED"
	StatusRevoked                 = "REVOKED"
	StatusRejected                = "REJECTED"
	StatusFailed                  = "FAILED"
)

// Routes, as sim.Server.Inject and Count name them.
const (
	RouteReauthorise = "PATCH /account-auth-requests"
	RouteConsents    = "GET /consents"
	RouteAuthCode    = "POST /consent-auth-code"
	RouteOneTime     = "POST /consent-one-time-token"
	RouteAccounts    = "GET /accounts"
)

// RouteConsent returns the route of a consent endpoint: method "GET" or
// "DELETE" gives /consents/{id}, "POST" gives /consents/{id}/extend.
func RouteConsent(method, id string) string {
	if method == http.MethodPost {
		return method + " /consents/" + url.PathEscape(id) + "/extend"
	}
	return method + " /consents/" + url.PathEscape(id)
}

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the application credentials the server accepts.
func WithCredentials(applicationID, applicationSecret string) Option {
	return func(s *Server) { s.appID, s.appSecret = applicationID, applicationSecret }
}

// WithClock sets the server's clock (authorizedAt, expiresAt, ...).
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithCallback sets the callback of consents added without one.
func WithCallback(u string) Option { return func(s *Server) { s.callback = u } }

// WithWebhookSecret sets the secret WebhookRequest signs with (default
// WebhookSecret).
func WithWebhookSecret(secret string) Option { return func(s *Server) { s.webhookSecret = secret } }

// ConsentSpec describes a consent to add. Zero fields get defaults.
type ConsentSpec struct {
	// Status defaults to AUTHORIZED.
	Status            string
	InstitutionID     string // default modelo-sandbox
	ApplicationUserID string // default sim-user
	AuthorizedAt      time.Time
	ExpiresAt         time.Time // default 90 days after AuthorizedAt
	LastConfirmedAt   time.Time
	ReconfirmBy       time.Time
	// Callback is where the user returns after authorising; default the
	// server's callback.
	Callback string
	// Redirect, when set, makes the application an own-licence customer:
	// the bank returns the user here with code and state, and the consent
	// stays AWAITING_RE_AUTHORIZATION until POST /consent-auth-code.
	Redirect string
	// OneTimeToken makes the callback carry a one-time token
	// (CallbackOneTimeToken) instead of the consent token.
	OneTimeToken bool
}

// Consent is a snapshot of a simulated consent.
type Consent struct {
	ID                   string
	Token                string
	UserUUID             string
	ApplicationUserID    string
	InstitutionID        string
	InstitutionConsentID string
	Status               string
	State                string
	CreatedAt            time.Time
	AuthorizedAt         time.Time
	ExpiresAt            time.Time
	LastConfirmedAt      time.Time
	ReconfirmBy          time.Time
	Callback             string
	Redirect             string
	OneTimeToken         bool
	// InstitutionRefuses is set by RequireReauth: the consent is AUTHORIZED
	// but the bank refuses it (data calls answer 401) until re-authorised.
	InstitutionRefuses bool
	// Reauthorisations counts successful PATCH /account-auth-requests.
	Reauthorisations int
}

// Server is a simulated Yapily. Its embedded *sim.Server gives URL, Inject,
// Requests, Count, Connections and Close. It is safe for concurrent use.
type Server struct {
	*sim.Server

	appID, appSecret string
	now              func() time.Time
	callback         string
	webhookSecret    string

	mu        sync.Mutex
	consents  map[string]*Consent
	order     []string          // consent ids in creation order, for listing
	byToken   map[string]string // consent token -> id
	sessions  map[string]string // authorisation session -> consent id
	codes     map[string]grant  // own-licence authorisation code -> grant
	oneTimers map[string]grant  // one-time token -> grant
}

// grant is an authorisation code or one-time token not yet spent.
type grant struct {
	consentID string
	state     string
	expires   time.Time
}

// NewServer starts a simulated Yapily on loopback. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		appID:         ApplicationID,
		appSecret:     ApplicationSecret,
		now:           time.Now,
		callback:      DefaultCallback,
		webhookSecret: WebhookSecret,
		consents:      map[string]*Consent{},
		byToken:       map[string]string{},
		sessions:      map[string]string{},
		codes:         map[string]grant{},
		oneTimers:     map[string]grant{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("PATCH /account-auth-requests", s.authed(s.reauthorise))
	mux.HandleFunc("GET /consents/{id}", s.authed(s.getConsent))
	mux.HandleFunc("DELETE /consents/{id}", s.authed(s.deleteConsent))
	mux.HandleFunc("POST /consents/{id}/extend", s.authed(s.extendConsent))
	mux.HandleFunc("GET /consents", s.authed(s.listConsents))
	mux.HandleFunc("POST /consent-auth-code", s.authed(s.exchangeAuthCode))
	mux.HandleFunc("POST /consent-one-time-token", s.authed(s.exchangeOneTimeToken))
	mux.HandleFunc("GET /accounts", s.authed(s.accounts))
	mux.HandleFunc("GET /bank/authorise", s.bankPage)
	mux.HandleFunc("POST /bank/authorise", s.bankDecide)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No handler found for "+r.Method+" "+r.URL.Path)
	})
	s.Server = sim.NewServer(mux)
	return s
}

// AddConsent adds a consent and returns it (its ID and Token are what the
// application stores).
func (s *Server) AddConsent(spec ConsentSpec) Consent {
	now := s.now().UTC()
	c := &Consent{
		ID:                   newUUID(),
		Token:                sim.NewSecret("yapily-consent-token-"),
		UserUUID:             newUUID(),
		ApplicationUserID:    cmp.Or(spec.ApplicationUserID, "sim-user"),
		InstitutionID:        cmp.Or(spec.InstitutionID, "modelo-sandbox"),
		InstitutionConsentID: "aac-" + newUUID(),
		Status:               cmp.Or(spec.Status, StatusAuthorized),
		State:                randHex(16),
		CreatedAt:            now.Add(-100 * 24 * time.Hour),
		AuthorizedAt:         spec.AuthorizedAt,
		ExpiresAt:            spec.ExpiresAt,
		LastConfirmedAt:      spec.LastConfirmedAt,
		ReconfirmBy:          spec.ReconfirmBy,
		Callback:             cmp.Or(spec.Callback, s.callback),
		Redirect:             spec.Redirect,
		OneTimeToken:         spec.OneTimeToken,
	}
	if c.AuthorizedAt.IsZero() {
		c.AuthorizedAt = now.Add(-80 * 24 * time.Hour)
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.AuthorizedAt.Add(90 * 24 * time.Hour)
	}
	if c.LastConfirmedAt.IsZero() {
		c.LastConfirmedAt = c.AuthorizedAt
	}
	if c.ReconfirmBy.IsZero() {
		c.ReconfirmBy = c.LastConfirmedAt.Add(90 * 24 * time.Hour)
	}
	s.mu.Lock()
	s.consents[c.ID] = c
	s.order = append(s.order, c.ID)
	s.byToken[c.Token] = c.ID
	s.mu.Unlock()
	return *c
}

// Consent returns a snapshot of consent id.
func (s *Server) Consent(id string) (Consent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if !ok {
		return Consent{}, false
	}
	return *c, true
}

// update applies f to consent id under the lock and reports whether the
// consent exists.
func (s *Server) update(id string, f func(*Consent)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[id]
	if ok {
		f(c)
	}
	return ok
}

// SetStatus puts consent id in status (EXPIRED, REVOKED, ...): the knob for
// "needs re-auth" states. It reports whether the consent exists.
func (s *Server) SetStatus(id, status string) bool {
	return s.update(id, func(c *Consent) { c.Status = status })
}

// Revoke marks consent id REVOKED: re-authorising it is refused with 403.
func (s *Server) Revoke(id string) bool { return s.SetStatus(id, StatusRevoked) }

// RequireReauth plays a bank that stopped honouring consent id while Yapily
// still shows it AUTHORIZED (the user revoked access at the bank, or the
// bank wants a new authentication): data calls answer 401 with the
// institution's error until the consent is re-authorised. It reports
// whether the consent exists.
func (s *Server) RequireReauth(id string) bool {
	return s.update(id, func(c *Consent) { c.InstitutionRefuses = true })
}

// Expire marks consent id EXPIRED with expiresAt in the past.
func (s *Server) Expire(id string) bool {
	expired := s.now().UTC().Add(-time.Hour)
	return s.update(id, func(c *Consent) {
		c.Status = StatusExpired
		c.ExpiresAt = expired
	})
}

// authed checks HTTP Basic authentication as Yapily does (401 otherwise).
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || !httpx.MatchesAny(id, s.appID) || !httpx.MatchesAny(secret, s.appSecret) {
			// Yapily's documented 401: an issue of type CREDENTIALS.
			sim.WriteJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"tracingId": randHex(16), "code": 401, "status": "UNAUTHORIZED", "supportUrl": "https://support.yapily.com/",
				"source": "YAPILY", "issues": []map[string]any{{"type": "CREDENTIALS", "code": "10700",
					"message": "Authorization header invalid or credentials not authenticated"}},
			}})
			return
		}
		if sub := r.Header.Get("sub-application"); sub != "" && len(sub) != 36 {
			writeError(w, http.StatusBadRequest, "sub-application must be a UUID")
			return
		}
		h(w, r)
	}
}

// consentHeader returns the consent header, answering 400 as Yapily does
// when it is missing.
func consentHeader(w http.ResponseWriter, r *http.Request) (string, bool) {
	token := r.Header.Get("consent")
	if token == "" {
		writeError(w, http.StatusBadRequest, "Required request header 'consent' for method parameter type String is not present")
	}
	return token, token != ""
}

func (s *Server) reauthorise(w http.ResponseWriter, r *http.Request) {
	token, ok := consentHeader(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	id, ok := s.byToken[token]
	c := s.consents[id]
	if !ok || c == nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "The consent token is not valid")
		return
	}
	if c.Status == StatusRevoked {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "The consent has been revoked; a new consent is needed")
		return
	}
	c.Status = StatusAwaitingReAuthorization
	c.State = randHex(16)
	c.Reauthorisations++
	session := randHex(16)
	s.sessions[session] = c.ID
	snap := *c
	s.mu.Unlock()
	base := "http://" + r.Host
	data := consentJSON(snap)
	data["authorisationUrl"] = base + "/bank/authorise?" + url.Values{"session": {session}, "state": {snap.State}}.Encode()
	data["qrCodeUrl"] = base + "/qr/" + session + ".png"
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"meta": meta(), "data": data, "links": map[string]string{}})
}

func (s *Server) getConsent(w http.ResponseWriter, r *http.Request) {
	c, ok := s.Consent(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "Consent not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"meta": meta(), "data": consentJSON(c)})
}

func (s *Server) deleteConsent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	c, ok := s.consents[id]
	if ok {
		delete(s.consents, id)
		delete(s.byToken, c.Token)
		s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Consent not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"meta": meta(), "data": map[string]any{
		"id": c.ID, "deleteStatus": "SUCCESS", "institutionId": c.InstitutionID,
		"institutionConsentId": c.InstitutionConsentID, "creationDate": ts(c.CreatedAt),
	}})
}

func (s *Server) extendConsent(w http.ResponseWriter, r *http.Request) {
	var body struct {
		LastConfirmedAt string `json:"lastConfirmedAt"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err := json.Unmarshal(b, &body); err != nil || body.LastConfirmedAt == "" {
		writeIssues(w, http.StatusBadRequest, "lastConfirmedAt is required", "lastConfirmedAt")
		return
	}
	at, err := time.Parse(time.RFC3339Nano, body.LastConfirmedAt)
	if err != nil {
		writeIssues(w, http.StatusBadRequest, "lastConfirmedAt must be a date-time", "lastConfirmedAt")
		return
	}
	if at.After(s.now().Add(time.Minute)) {
		writeIssues(w, http.StatusBadRequest, "lastConfirmedAt cannot be a future date and time", "lastConfirmedAt")
		return
	}
	s.mu.Lock()
	c, ok := s.consents[r.PathValue("id")]
	var snap Consent
	status := ""
	if ok {
		status = c.Status
		if status == StatusAuthorized {
			c.LastConfirmedAt = at.UTC()
			c.ReconfirmBy = at.UTC().Add(90 * 24 * time.Hour)
		}
		snap = *c
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeIssues(w, http.StatusNotFound, "Consent not found", "consentId")
	case status != StatusAuthorized:
		writeIssues(w, http.StatusBadRequest, "Consent status "+status+" cannot be extended", "consentId")
	default:
		sim.WriteJSON(w, http.StatusOK, map[string]any{"meta": meta(), "data": consentJSON(snap)})
	}
}

func consentJSON(c Consent) map[string]any {
	return map[string]any{
		"id":                   c.ID,
		"userUuid":             c.UserUUID,
		"applicationUserId":    c.ApplicationUserID,
		"institutionId":        c.InstitutionID,
		"status":               c.Status,
		"createdAt":            ts(c.CreatedAt),
		"expiresAt":            ts(c.ExpiresAt),
		"featureScope":         []string{"ACCOUNTS", "ACCOUNT_TRANSACTIONS", "ACCOUNT_BALANCES"},
		"consentToken":         c.Token,
		"state":                c.State,
		"authorizedAt":         ts(c.AuthorizedAt),
		"lastConfirmedAt":      ts(c.LastConfirmedAt),
		"reconfirmBy":          ts(c.ReconfirmBy),
		"institutionConsentId": c.InstitutionConsentID,
		"timeToExpire":         "P90D",
	}
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func meta() map[string]string { return map[string]string{"tracingId": randHex(16)} }

var statusText = map[int]string{
	400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
	409: "CONFLICT", 424: "FAILED_DEPENDENCY", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR",
}

// writeError answers with the ApiResponseError shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]any{"error": map[string]any{
		"code": status, "status": statusText[status], "message": msg, "source": "YAPILY", "tracingId": randHex(16),
	}})
}

// writeIssues answers with the ApiErrorResponse shape (issues), as extend
// does.
func writeIssues(w http.ResponseWriter, status int, msg, param string) {
	sim.WriteJSON(w, status, map[string]any{"error": map[string]any{
		"tracingId": randHex(16), "code": status, "status": statusText[status], "message": msg,
		"supportUrl": "https://support.yapily.com/", "source": "YAPILY",
		"issues": []map[string]any{{"type": "INVALID_REQUEST", "code": "10600", "parameter": param, "message": msg}},
	}})
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
