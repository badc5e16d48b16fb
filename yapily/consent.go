package yapily

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// AuthorisationStatus is a consent's status. It is an open type: Yapily adds
// values often, and unknown ones decode as they are.
type AuthorisationStatus string

// The documented AuthorisationStatus values (spec v12.13.0).
const (
	StatusAwaitingAuthorization             AuthorisationStatus = "AWAITING_AUTHORIZATION"
	StatusAwaitingFurtherAuthorization      AuthorisationStatus = "AWAITING_FURTHER_AUTHORIZATION"
	StatusAwaitingReAuthorization           AuthorisationStatus = "AWAITING_RE_AUTHORIZATION"
	StatusAuthorized                        AuthorisationStatus = "AUTHORIZED"
	StatusConsumed                          AuthorisationStatus = "CONSUMED"
	StatusRejected                          AuthorisationStatus = "REJECTED"
	StatusRevoked                           AuthorisationStatus = "REVOKED"
	StatusFailed                            AuthorisationStatus = "FAILED"
	StatusExpired                           AuthorisationStatus = "EXPIRED"
	StatusUnknown                           AuthorisationStatus = "UNKNOWN"
	StatusInvalid                           AuthorisationStatus = "INVALID"
	StatusAwaitingDecoupledPreAuthorization AuthorisationStatus = "AWAITING_DECOUPLED_PRE_AUTHORIZATION"
	StatusAwaitingPreAuthorization          AuthorisationStatus = "AWAITING_PRE_AUTHORIZATION"
	StatusPreAuthorized                     AuthorisationStatus = "PRE_AUTHORIZED"
	StatusAwaitingDecoupledAuthorization    AuthorisationStatus = "AWAITING_DECOUPLED_AUTHORIZATION"
	StatusAwaitingSCAMethod                 AuthorisationStatus = "AWAITING_SCA_METHOD"
	StatusAwaitingSCACode                   AuthorisationStatus = "AWAITING_SCA_CODE"
)

// Awaiting reports whether the status means the user has not finished
// authorising yet (AWAITING_*, PRE_AUTHORIZED).
func (s AuthorisationStatus) Awaiting() bool {
	return strings.HasPrefix(string(s), "AWAITING_") || s == StatusPreAuthorized
}

// DeleteStatus is the outcome of DeleteConsent (open type).
type DeleteStatus string

// The documented DeleteStatus values.
const (
	DeleteSuccess DeleteStatus = "SUCCESS"
	DeleteFailed  DeleteStatus = "FAILED"
)

// PSU carries the optional end-user headers some institutions require (see
// Yapily's "PSU identifiers"). Empty fields are not sent.
type PSU struct {
	ID          string // psu-id: the user's login id for a personal account
	CorporateID string // psu-corporate-id: the login id for a business account
	IPAddress   string // psu-ip-address
}

// ForwardedData is one item of a response's forwardedData.
type ForwardedData struct {
	Headers map[string]string `json:"headers,omitempty"`
	URL     string            `json:"url,omitempty"`
}

// AccountAuthorisation is the answer to ReauthoriseConsent: the consent as
// it now stands and where to send the user. AccountAuthorisationResponse has
// every field of Consent except isDeletedByInstitution (false unless Yapily
// sends it); the envelope's meta.tracingId, links and forwardedData are in
// the embedded Consent (the deprecated raw array is ignored). Printing or
// logging it redacts ConsentToken, State and the query of AuthorisationURL
// and QRCodeURL.
type AccountAuthorisation struct {
	Consent
	// AuthorisationURL is where to send the user (the bank).
	AuthorisationURL string
	// QRCodeURL is an image of AuthorisationURL for a second device.
	QRCodeURL string
}

// Consent is Yapily's Consent (GET /consents/{id}, extend) with the
// envelope's meta.tracingId, links and forwardedData. Printing or logging it
// redacts ConsentToken and State.
type Consent struct {
	ID                string
	UserUUID          string
	ApplicationUserID string
	ReferenceID       string
	InstitutionID     string
	Status            AuthorisationStatus
	CreatedAt         time.Time
	TransactionFrom   time.Time
	TransactionTo     time.Time
	// ExpiresAt is when the consent expires; re-authorisation is needed to
	// keep access.
	ExpiresAt time.Time
	// TimeToExpire is an ISO 8601 duration, as Yapily sends it.
	TimeToExpire string
	// TimeToExpireInMillis is deprecated by Yapily.
	TimeToExpireInMillis int64
	FeatureScope         []string
	// ConsentToken is the consent's token; Yapily keeps it unchanged across a
	// re-authorisation. It is a secret.
	ConsentToken string
	// State is the correlation id Yapily uses with the institution.
	State        string
	AuthorizedAt time.Time
	// LastConfirmedAt is when the user last confirmed access (full
	// authentication or reconfirmation).
	LastConfirmedAt time.Time
	// ReconfirmBy is when the user must reconfirm (UK 90-day rule).
	ReconfirmBy            time.Time
	InstitutionConsentID   string
	IsDeletedByInstitution bool
	TracingID              string
	Links                  map[string]string
	ForwardedData          []ForwardedData
}

// ConsentDeletion is the answer to DeleteConsent.
type ConsentDeletion struct {
	ID                   string
	DeleteStatus         DeleteStatus
	InstitutionID        string
	InstitutionConsentID string
	CreationDate         time.Time
	TracingID            string
}

// wireConsent is the shared wire shape of AccountAuthorisationResponse and
// Consent. Times (RFC 3339 with or without fraction or zone, dates, epoch
// numbers), numbers and booleans are decoded leniently with jsonx, as is
// the envelope; strings are typed strings in every spec version.
type wireConsent struct {
	ID                     string     `json:"id"`
	UserUUID               string     `json:"userUuid"`
	ApplicationUserID      string     `json:"applicationUserId"`
	ReferenceID            string     `json:"referenceId"`
	InstitutionID          string     `json:"institutionId"`
	Status                 string     `json:"status"`
	CreatedAt              jsonx.Time `json:"createdAt"`
	TransactionFrom        jsonx.Time `json:"transactionFrom"`
	TransactionTo          jsonx.Time `json:"transactionTo"`
	ExpiresAt              jsonx.Time `json:"expiresAt"`
	TimeToExpireInMillis   jsonx.Int  `json:"timeToExpireInMillis"`
	TimeToExpire           string     `json:"timeToExpire"`
	FeatureScope           []string   `json:"featureScope"`
	ConsentToken           string     `json:"consentToken"`
	State                  string     `json:"state"`
	AuthorizedAt           jsonx.Time `json:"authorizedAt"`
	LastConfirmedAt        jsonx.Time `json:"lastConfirmedAt"`
	ReconfirmBy            jsonx.Time `json:"reconfirmBy"`
	InstitutionConsentID   string     `json:"institutionConsentId"`
	IsDeletedByInstitution jsonx.Bool `json:"isDeletedByInstitution"`
	AuthorisationURL       string     `json:"authorisationUrl"`
	QRCodeURL              string     `json:"qrCodeUrl"`
}

type wireMeta struct {
	TracingID string `json:"tracingId"`
}

type wireEnvelope[T any] struct {
	Meta          *wireMeta         `json:"meta"`
	Data          *T                `json:"data"`
	Links         map[string]string `json:"links"`
	ForwardedData []ForwardedData   `json:"forwardedData"`
}

func (e *wireEnvelope[T]) tracingID() string {
	if e.Meta == nil {
		return ""
	}
	return e.Meta.TracingID
}

// decodeData unmarshals an ApiResponseOf... envelope whose data is W.
func decodeData[W any](body []byte) (*wireEnvelope[W], error) {
	var env wireEnvelope[W]
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.Data == nil {
		return nil, errNoData
	}
	return &env, nil
}

// consentOf maps a decoded consent envelope to a Consent.
func consentOf(e *wireEnvelope[wireConsent]) Consent {
	d := e.Data
	return Consent{
		ID:                     d.ID,
		UserUUID:               d.UserUUID,
		ApplicationUserID:      d.ApplicationUserID,
		ReferenceID:            d.ReferenceID,
		InstitutionID:          d.InstitutionID,
		Status:                 AuthorisationStatus(d.Status),
		CreatedAt:              d.CreatedAt.Time,
		TransactionFrom:        d.TransactionFrom.Time,
		TransactionTo:          d.TransactionTo.Time,
		ExpiresAt:              d.ExpiresAt.Time,
		TimeToExpire:           d.TimeToExpire,
		TimeToExpireInMillis:   int64(d.TimeToExpireInMillis),
		FeatureScope:           d.FeatureScope,
		ConsentToken:           d.ConsentToken,
		State:                  d.State,
		AuthorizedAt:           d.AuthorizedAt.Time,
		LastConfirmedAt:        d.LastConfirmedAt.Time,
		ReconfirmBy:            d.ReconfirmBy.Time,
		InstitutionConsentID:   d.InstitutionConsentID,
		IsDeletedByInstitution: bool(d.IsDeletedByInstitution),
		TracingID:              e.tracingID(),
		Links:                  e.Links,
		ForwardedData:          e.ForwardedData,
	}
}

// decodeAccountAuthorisation decodes ApiResponseOfAccountAuthorisationResponse.
func decodeAccountAuthorisation(body []byte) (*AccountAuthorisation, error) {
	env, err := decodeData[wireConsent](body)
	if err != nil {
		return nil, err
	}
	return &AccountAuthorisation{
		Consent:          consentOf(env),
		AuthorisationURL: env.Data.AuthorisationURL,
		QRCodeURL:        env.Data.QRCodeURL,
	}, nil
}

// decodeBareConsent decodes a Consent sent without the envelope, as POST
// /consent-auth-code and /consent-one-time-token answer; an enveloped one
// is accepted too.
func decodeBareConsent(body []byte) (*Consent, error) {
	if env, err := decodeData[wireConsent](body); err == nil {
		c := consentOf(env)
		return &c, nil
	}
	var d wireConsent
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, err
	}
	if d.ID == "" && d.ConsentToken == "" {
		return nil, errNoConsent
	}
	c := consentOf(&wireEnvelope[wireConsent]{Data: &d})
	return &c, nil
}

// decodeConsent decodes ApiResponseOfConsent.
func decodeConsent(body []byte) (*Consent, error) {
	env, err := decodeData[wireConsent](body)
	if err != nil {
		return nil, err
	}
	c := consentOf(env)
	return &c, nil
}

type wireDeletion struct {
	ID                   string     `json:"id"`
	DeleteStatus         string     `json:"deleteStatus"`
	InstitutionID        string     `json:"institutionId"`
	InstitutionConsentID string     `json:"institutionConsentId"`
	CreationDate         jsonx.Time `json:"creationDate"`
}

// decodeDeletion decodes ApiResponseOfConsentDeleteResponse.
func decodeDeletion(body []byte) (*ConsentDeletion, error) {
	env, err := decodeData[wireDeletion](body)
	if err != nil {
		return nil, err
	}
	d := env.Data
	return &ConsentDeletion{
		ID:                   d.ID,
		DeleteStatus:         DeleteStatus(d.DeleteStatus),
		InstitutionID:        d.InstitutionID,
		InstitutionConsentID: d.InstitutionConsentID,
		CreationDate:         d.CreationDate.Time,
		TracingID:            env.tracingID(),
	}, nil
}

var (
	errNoData    = errors.New("no data object in the answer")
	errNoConsent = errors.New("no consent in the answer")
)

// checkID validates a consent id argument.
func checkID(field, id string) error {
	switch {
	case id == "":
		return reauth.MissingInput(reauth.Yapily, field)
	case len(id) > 256 || strings.ContainsAny(id, " \t\r\n\x00/?#"):
		return reauth.InvalidInput(reauth.Yapily, field, "is not a Yapily consent id")
	}
	return nil
}

func checkHeaderValue(field, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return reauth.InvalidInput(reauth.Yapily, field, "contains control characters")
	}
	return nil
}

// consentRequest checks c and consentID and builds the request for
// /consents/{consentId} followed by suffix.
func (c *Client) consentRequest(method, consentID, suffix string) (*httpx.Request, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if err := checkID("consentID", consentID); err != nil {
		return nil, err
	}
	return &httpx.Request{
		Method: method,
		Base:   c.base,
		Path:   "/consents/" + url.PathEscape(consentID) + suffix,
		Route:  "/consents/{consentId}" + suffix,
		Header: c.header(),
	}, nil
}

// ReauthoriseConsent asks Yapily to re-authorise the consent whose token is
// consentToken (PATCH /account-auth-requests, no body). On success the
// consent's status is AWAITING_RE_AUTHORIZATION and AuthorisationURL is
// where the user re-authenticates at the bank; the consent's id and token do
// not change. Yapily returns the user to the callback of the original
// authorisation (the request takes no callback). A 403 means the consent
// cannot be re-authorised (reauth.ErrReauthRequired: create a new one).
//
// Yapily API docs: https://docs.yapily.com/api-reference/authorisations/re-authorise-account-consent
func (c *Client) ReauthoriseConsent(ctx context.Context, consentToken string, psu PSU) (*AccountAuthorisation, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if consentToken == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "consentToken")
	}
	for _, f := range []struct{ name, v string }{
		{"consentToken", consentToken}, {"PSU.ID", psu.ID}, {"PSU.CorporateID", psu.CorporateID}, {"PSU.IPAddress", psu.IPAddress},
	} {
		if err := checkHeaderValue(f.name, f.v); err != nil {
			return nil, err
		}
	}
	h := c.header()
	h["Consent"] = []string{consentToken}
	if psu.ID != "" {
		h["Psu-Id"] = []string{psu.ID}
	}
	if psu.CorporateID != "" {
		h["Psu-Corporate-Id"] = []string{psu.CorporateID}
	}
	if psu.IPAddress != "" {
		h["Psu-Ip-Address"] = []string{psu.IPAddress}
	}
	req := &httpx.Request{
		Method:  http.MethodPatch,
		Base:    c.base,
		Path:    "/account-auth-requests",
		Header:  h,
		Secrets: []string{consentToken},
	}
	return send(ctx, c, req, "account authorisation", decodeAccountAuthorisation)
}

// GetConsent reads a consent (GET /consents/{consentId}).
//
// Yapily API docs: https://docs.yapily.com/api-reference/consents/get-consent
func (c *Client) GetConsent(ctx context.Context, consentID string) (*Consent, error) {
	req, err := c.consentRequest(http.MethodGet, consentID, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, req, "consent", decodeConsent)
}

// ExtendConsent tells Yapily that the user reconfirmed access at
// lastConfirmedAt (UK 90-day reconfirmation, POST
// /consents/{consentId}/extend); Yapily moves lastConfirmedAt and
// reconfirmBy. lastConfirmedAt must not be in the future: Yapily refuses it
// (400), and ExtendConsent refuses one after the client's clock (WithClock)
// with reauth.ErrInvalidRequest before sending anything. Yapily marks the
// endpoint beta.
//
// Yapily API docs: https://docs.yapily.com/api-reference/consents/extend-consent
func (c *Client) ExtendConsent(ctx context.Context, consentID string, lastConfirmedAt time.Time) (*Consent, error) {
	req, err := c.consentRequest(http.MethodPost, consentID, "/extend")
	if err != nil {
		return nil, err
	}
	if lastConfirmedAt.IsZero() {
		return nil, reauth.MissingInput(reauth.Yapily, "lastConfirmedAt")
	}
	if lastConfirmedAt.After(c.now()) {
		return nil, reauth.InvalidInput(reauth.Yapily, "lastConfirmedAt", "is in the future")
	}
	body := struct {
		LastConfirmedAt string `json:"lastConfirmedAt"`
	}{lastConfirmedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	if err := req.SetJSON(body); err != nil {
		return nil, fmt.Errorf("yapily: %s: %w", req.Op(), err)
	}
	return send(ctx, c, req, "consent", decodeConsent)
}

// ExchangeAuthCode exchanges the authorisation code and state an
// own-licence customer's redirect received from the bank for the consent
// (POST /consent-auth-code {authCode, authState}); only then is the consent
// AUTHORIZED. The code is spent: the request is never retried once it may
// have reached Yapily.
//
// Yapily API docs: https://docs.yapily.com/api-reference/consents/create-consent-with-code
func (c *Client) ExchangeAuthCode(ctx context.Context, authCode, authState string) (*Consent, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if authCode == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "authCode")
	}
	if authState == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "authState")
	}
	body := struct {
		AuthCode  string `json:"authCode"`
		AuthState string `json:"authState"`
	}{authCode, authState}
	return c.exchange(ctx, "/consent-auth-code", body, authCode, authState)
}

// ExchangeOneTimeToken exchanges the one-time token an application's
// callback received (authorisations created with oneTimeToken) for the
// consent and its consent token (POST /consent-one-time-token). The token is
// spent: the request is never retried once it may have reached Yapily.
//
// Yapily API docs: https://docs.yapily.com/api-reference/consents/get-consent-by-single-access-consent
func (c *Client) ExchangeOneTimeToken(ctx context.Context, oneTimeToken string) (*Consent, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if oneTimeToken == "" {
		return nil, reauth.MissingInput(reauth.Yapily, "oneTimeToken")
	}
	body := struct {
		OneTimeToken string `json:"oneTimeToken"`
	}{oneTimeToken}
	return c.exchange(ctx, "/consent-one-time-token", body, oneTimeToken)
}

// exchange posts a one-time credential and decodes the bare Consent.
func (c *Client) exchange(ctx context.Context, path string, body any, secrets ...string) (*Consent, error) {
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.base,
		Path:    path,
		Header:  c.header(),
		OneTime: true,
		Secrets: secrets,
	}
	if err := req.SetJSON(body); err != nil {
		return nil, fmt.Errorf("yapily: %s: %w", req.Op(), err)
	}
	consent, err := send(ctx, c, req, "consent", decodeBareConsent)
	if err != nil {
		return nil, err
	}
	return consent, nil
}

// send sends req and decodes the 2xx answer with decode; an answer decode
// refuses is reauth.ErrInvalidResponse naming what was expected.
func send[T any](ctx context.Context, c *Client, req *httpx.Request, what string, decode func([]byte) (*T, error)) (*T, error) {
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	out, err := decode(resp.Body)
	if err != nil {
		return nil, c.http.InvalidResponse(req.Op(), "undecodable "+what+": "+err.Error())
	}
	return out, nil
}

// DeleteConsent deletes a consent (DELETE /consents/{consentId}), for a user
// who declined to reconfirm. Yapily's forceDelete defaults to true and is not
// sent. Like every call it is retried on network errors and 502/503/504, so
// when an attempt that did delete lost its answer, the retry may be told the
// consent does not exist (reauth.ErrNotFound): treat that as deleted.
//
// Yapily API docs: https://docs.yapily.com/api-reference/consents/delete-consent
func (c *Client) DeleteConsent(ctx context.Context, consentID string) (*ConsentDeletion, error) {
	req, err := c.consentRequest(http.MethodDelete, consentID, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, req, "deletion", decodeDeletion)
}

func (a AccountAuthorisation) redacted() reauth.RedactedValue {
	return reauth.Redact("yapily.AccountAuthorisation",
		reauth.Show("Consent", a.Consent.redacted()),
		reauth.Show("AuthorisationURL", reauth.RedactURL(a.AuthorisationURL)),
		reauth.Show("QRCodeURL", reauth.RedactURL(a.QRCodeURL)))
}

// Format prints the authorisation with its consent token, state and the
// query of its URLs redacted, under every verb.
func (a AccountAuthorisation) Format(s fmt.State, verb rune) { a.redacted().Format(s, verb) }

// String prints the authorisation with the same redactions as Format.
func (a AccountAuthorisation) String() string { return a.redacted().String() }

// GoString is String for %#v.
func (a AccountAuthorisation) GoString() string { return a.redacted().GoString() }

// LogValue logs the authorisation with the same redactions as Format.
func (a AccountAuthorisation) LogValue() slog.Value { return a.redacted().LogValue() }

// redacted shows every field but ConsentToken and State (REDACTED) and
// ForwardedData, whose headers may carry anything (only their count).
func (c Consent) redacted() reauth.RedactedValue {
	return reauth.Redact("yapily.Consent",
		reauth.Show("ID", c.ID),
		reauth.Show("UserUUID", c.UserUUID),
		reauth.Show("ApplicationUserID", c.ApplicationUserID),
		reauth.Show("ReferenceID", c.ReferenceID),
		reauth.Show("InstitutionID", c.InstitutionID),
		reauth.Show("Status", string(c.Status)),
		reauth.Show("CreatedAt", c.CreatedAt),
		reauth.Show("TransactionFrom", c.TransactionFrom),
		reauth.Show("TransactionTo", c.TransactionTo),
		reauth.Show("ExpiresAt", c.ExpiresAt),
		reauth.Show("TimeToExpire", c.TimeToExpire),
		reauth.Show("TimeToExpireInMillis", c.TimeToExpireInMillis),
		reauth.Show("FeatureScope", strings.Join(c.FeatureScope, ",")),
		reauth.Show("ConsentToken", reauth.RedactSecret(c.ConsentToken)),
		reauth.Show("State", reauth.RedactSecret(c.State)),
		reauth.Show("AuthorizedAt", c.AuthorizedAt),
		reauth.Show("LastConfirmedAt", c.LastConfirmedAt),
		reauth.Show("ReconfirmBy", c.ReconfirmBy),
		reauth.Show("InstitutionConsentID", c.InstitutionConsentID),
		reauth.Show("IsDeletedByInstitution", c.IsDeletedByInstitution),
		reauth.Show("TracingID", c.TracingID),
		reauth.Show("Links", strings.Join(slices.Sorted(maps.Keys(c.Links)), ",")),
		reauth.Show("ForwardedData", len(c.ForwardedData)))
}

// Format prints the consent with its token and state redacted and only the
// number of its forwardedData items, under every verb.
func (c Consent) Format(s fmt.State, verb rune) { c.redacted().Format(s, verb) }

// String prints the consent with the same redactions as Format.
func (c Consent) String() string { return c.redacted().String() }

// GoString is String for %#v.
func (c Consent) GoString() string { return c.redacted().GoString() }

// LogValue logs the consent with the same redactions as Format.
func (c Consent) LogValue() slog.Value { return c.redacted().LogValue() }
