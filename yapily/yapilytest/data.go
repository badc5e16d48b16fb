package yapilytest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// listConsents is GET /consents: Yapily requires filter[applicationUserId],
// filter[userUuid] or limit; filter[status] and filter[institution] narrow
// the list; limit (1..1000) and offset page it. meta.count is the page's
// size and meta.pagination.totalCount the size of the filtered list.
func (s *Server) listConsents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	users, uuids := q["filter[applicationUserId]"], q["filter[userUuid]"]
	statuses, insts := q["filter[status]"], q["filter[institution]"]
	limit, offset := 0, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			writeIssues(w, http.StatusBadRequest, "limit must be between 1 and 1000", "limit")
			return
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			writeIssues(w, http.StatusBadRequest, "offset must not be negative", "offset")
			return
		}
	}
	if len(users) == 0 && len(uuids) == 0 && limit == 0 {
		writeIssues(w, http.StatusBadRequest, "At least one of filter[applicationUserId], filter[userUuid], limit must be provided", "limit")
		return
	}
	keep := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	s.mu.Lock()
	var all []Consent
	for _, id := range s.order {
		c := s.consents[id]
		if keep(users, c.ApplicationUserID) && keep(uuids, c.UserUUID) && keep(statuses, c.Status) && keep(insts, c.InstitutionID) {
			all = append(all, *c)
		}
	}
	s.mu.Unlock()
	total := len(all)
	page := all[min(offset, total):]
	if limit > 0 && len(page) > limit {
		page = page[:limit]
	}
	data := make([]map[string]any, 0, len(page))
	for _, c := range page {
		data = append(data, consentJSON(c))
	}
	self := map[string]any{"offset": offset, "sort": "-date"}
	if limit > 0 {
		self["limit"] = limit
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"meta": map[string]any{"tracingId": randHex(16), "count": len(data),
			"pagination": map[string]any{"totalCount": total, "self": self}},
		"data": data, "links": map[string]string{},
	})
}

// spend takes a grant out of m once: a second exchange fails.
func (s *Server) spend(m map[string]grant, key string) (grant, *Consent, bool) {
	g, ok := m[key]
	if !ok {
		return grant{}, nil, false
	}
	delete(m, key)
	c := s.consents[g.consentID]
	if c == nil || s.now().After(g.expires) {
		return grant{}, nil, false
	}
	return g, c, true
}

// readJSON reads a small JSON request body into v.
func readJSON(r *http.Request, v any) bool {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	return json.Unmarshal(b, v) == nil
}

// exchangeAuthCode is POST /consent-auth-code {authCode, authState}: it
// authorises the consent and answers with the bare Consent (200).
func (s *Server) exchangeAuthCode(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AuthCode  string `json:"authCode"`
		AuthState string `json:"authState"`
	}
	if !readJSON(r, &body) || body.AuthCode == "" || body.AuthState == "" {
		writeIssues(w, http.StatusBadRequest, "authCode and authState are mandatory", "authCode")
		return
	}
	s.redeem(w, s.codes, body.AuthCode, func(g grant, c *Consent) bool {
		if g.state != body.AuthState {
			return false
		}
		s.authorise(c)
		return true
	}, http.StatusOK, "The authorisation code is not valid")
}

// exchangeOneTimeToken is POST /consent-one-time-token {oneTimeToken}: it
// answers with the bare Consent, token included (201).
func (s *Server) exchangeOneTimeToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		OneTimeToken string `json:"oneTimeToken"`
	}
	if !readJSON(r, &body) || body.OneTimeToken == "" {
		writeIssues(w, http.StatusBadRequest, "oneTimeToken is mandatory", "oneTimeToken")
		return
	}
	s.redeem(w, s.oneTimers, body.OneTimeToken, func(grant, *Consent) bool { return true },
		http.StatusCreated, "The one time token is not valid or has expired")
}

// redeem spends the grant key of m (once, whatever the outcome), lets apply
// accept it and act on its consent, and answers with the bare Consent, or
// 400 with refused.
func (s *Server) redeem(w http.ResponseWriter, m map[string]grant, key string, apply func(grant, *Consent) bool, status int, refused string) {
	s.mu.Lock()
	g, c, ok := s.spend(m, key)
	ok = ok && apply(g, c)
	var snap Consent
	if ok {
		snap = *c
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusBadRequest, refused)
		return
	}
	sim.WriteJSON(w, status, consentJSON(snap))
}

// accounts is GET /accounts, the data call. Yapily answers 403 when the
// consent is no longer authorised to access financial data; a bank that
// refuses an AUTHORIZED consent (RequireReauth) shows as a 401 relayed from
// the institution.
func (s *Server) accounts(w http.ResponseWriter, r *http.Request) {
	token, ok := consentHeader(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	c := s.consents[s.byToken[token]]
	var snap Consent
	if c != nil {
		snap = *c
	}
	s.mu.Unlock()
	switch {
	case c == nil:
		writeError(w, http.StatusBadRequest, "The consent token is not valid")
	case snap.Status != StatusAuthorized || !s.now().Before(snap.ExpiresAt):
		writeError(w, http.StatusForbidden, "The consent is no longer authorised to access financial data")
	case snap.InstitutionRefuses:
		sim.WriteJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
			"code": 401, "status": "UNAUTHORIZED", "source": "INSTITUTION", "tracingId": randHex(16),
			"message":          "The institution refused the request",
			"institutionError": map[string]any{"errorMessage": `{"Code":"401 Unauthorized","Message":"Consent not valid"}`, "httpStatusCode": 401},
		}})
	default:
		sim.WriteJSON(w, http.StatusOK, map[string]any{
			"meta": map[string]any{"tracingId": randHex(16), "count": 1},
			"data": []map[string]any{{
				"id": "acc-" + snap.ID[:8], "type": "Personal - Current", "currency": "GBP", "balance": 1250.75,
				"usageType": "PERSONAL", "accountType": "CURRENT", "nickname": "Everyday",
				"accountNames": []map[string]string{{"name": "Sim User"}},
			}},
			"links": map[string]string{},
		})
	}
}

// SignWebhook returns the hex HMAC-SHA256 of body with secret, the value of
// SignatureHeader for a simulated webhook delivery (like Stripe's
// GenerateTestSignedPayload).
func SignWebhook(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookRequest returns a POST of body to target signed with the server's
// webhook secret (WithWebhookSecret), as Yapily is assumed to deliver it
// (SignatureHeader, hex).
func (s *Server) WebhookRequest(ctx context.Context, target string, body []byte) (*http.Request, error) {
	return NewWebhookRequest(ctx, target, s.webhookSecret, body)
}

// DeliverWebhook sends a signed delivery of body to target and returns the
// receiver's status code.
func (s *Server) DeliverWebhook(ctx context.Context, target string, body []byte) (int, error) {
	req, err := s.WebhookRequest(ctx, target, body)
	if err != nil {
		return 0, err
	}
	hc, done := sim.NewClient(0)
	defer done()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// NewWebhookRequest returns a POST of body to target signed with secret, for
// a delivery signed with another secret than the server's (see
// (*Server).WebhookRequest).
func NewWebhookRequest(ctx context.Context, target, secret string, body []byte) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(SignatureHeader, SignWebhook(secret, body))
	return r, nil
}
