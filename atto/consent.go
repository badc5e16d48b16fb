package atto

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-querystring/query"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// ConsentStatus is a consent's status. It is an open type: values Atto adds
// later decode as they are.
type ConsentStatus string

// The documented consent statuses.
const (
	StatusPending   ConsentStatus = "Pending"
	StatusActive    ConsentStatus = "Active"
	StatusRevoked   ConsentStatus = "Revoked"
	StatusAbandoned ConsentStatus = "Abandoned"
	StatusFailed    ConsentStatus = "Failed"
	StatusExpired   ConsentStatus = "Expired"
)

// DurationType is how long a consent lasts (open type).
type DurationType string

// The documented duration types.
const (
	DurationSingle   DurationType = "Single"
	DurationLimited  DurationType = "Limited"
	DurationInfinite DurationType = "Infinite"
)

// JourneyType is the Connect journey that last changed a consent (open
// type). Empty means the initial journey.
type JourneyType string

// The documented journey types.
const (
	JourneyReauthentication JourneyType = "Reauthentication"
	JourneyReconfirmation   JourneyType = "Reconfirmation"
)

// Consent is an Atto consent, as GET /consents/v1/{consentId} returns it.
// The client decodes Atto's answer leniently (ids and numbers as strings
// or numbers, times as RFC 3339 or epoch values, unknown fields ignored);
// the JSON tags are for the application's own storage.
type Consent struct {
	ConsentID                    string        `json:"consentId"`
	ApplicationID                string        `json:"applicationId,omitempty"`
	UserID                       string        `json:"userId,omitempty"`
	ProviderID                   string        `json:"providerId,omitempty"`
	ProviderName                 string        `json:"providerName,omitempty"`
	ConfigurationName            string        `json:"configurationName,omitempty"`
	CustomerReference            string        `json:"customerReference,omitempty"`
	ConsentDurationType          DurationType  `json:"consentDurationType,omitempty"`
	ConsentStatus                ConsentStatus `json:"consentStatus"`
	ConsentStart                 time.Time     `json:"consentStart,omitzero"`
	ConsentEnd                   time.Time     `json:"consentEnd,omitzero"` // the expiry
	Duration                     string        `json:"duration,omitempty"`
	DaysOfHistoricalTransactions int           `json:"daysOfHistoricalTransactions,omitempty"`
	StatusUpdated                time.Time     `json:"statusUpdated,omitzero"`
	StatusDetails                string        `json:"statusDetails,omitempty"`
	Permissions                  []string      `json:"permissions,omitempty"`
	InvitationID                 string        `json:"invitationId,omitempty"`
	JourneyType                  JourneyType   `json:"journeyType,omitempty"`
}

// consentWire is the lenient decoding shape of Consent: wire types
// inside, plain Go types in Consent.
type consentWire struct {
	ConsentID                    jsonx.String   `json:"consentId"`
	ApplicationID                jsonx.String   `json:"applicationId"`
	UserID                       jsonx.String   `json:"userId"`
	ProviderID                   jsonx.String   `json:"providerId"`
	ProviderName                 jsonx.String   `json:"providerName"`
	ConfigurationName            jsonx.String   `json:"configurationName"`
	CustomerReference            jsonx.String   `json:"customerReference"`
	ConsentDurationType          jsonx.String   `json:"consentDurationType"`
	ConsentStatus                jsonx.String   `json:"consentStatus"`
	ConsentStart                 jsonx.Time     `json:"consentStart"`
	ConsentEnd                   jsonx.Time     `json:"consentEnd"`
	Duration                     jsonx.String   `json:"duration"`
	DaysOfHistoricalTransactions jsonx.Int      `json:"daysOfHistoricalTransactions"`
	StatusUpdated                jsonx.Time     `json:"statusUpdated"`
	StatusDetails                jsonx.String   `json:"statusDetails"`
	Permissions                  []jsonx.String `json:"permissions"`
	InvitationID                 jsonx.String   `json:"invitationId"`
	JourneyType                  jsonx.String   `json:"journeyType"`
}

// consent converts the wire shape to the public type.
func (w *consentWire) consent() Consent {
	var perms []string
	for _, p := range w.Permissions {
		perms = append(perms, string(p))
	}
	return Consent{
		ConsentID:                    string(w.ConsentID),
		ApplicationID:                string(w.ApplicationID),
		UserID:                       string(w.UserID),
		ProviderID:                   string(w.ProviderID),
		ProviderName:                 string(w.ProviderName),
		ConfigurationName:            string(w.ConfigurationName),
		CustomerReference:            string(w.CustomerReference),
		ConsentDurationType:          DurationType(w.ConsentDurationType),
		ConsentStatus:                ConsentStatus(w.ConsentStatus),
		ConsentStart:                 w.ConsentStart.Time,
		ConsentEnd:                   w.ConsentEnd.Time,
		Duration:                     string(w.Duration),
		DaysOfHistoricalTransactions: int(w.DaysOfHistoricalTransactions),
		StatusUpdated:                w.StatusUpdated.Time,
		StatusDetails:                string(w.StatusDetails),
		Permissions:                  perms,
		InvitationID:                 string(w.InvitationID),
		JourneyType:                  JourneyType(w.JourneyType),
	}
}

func checkConsentID(id string) error {
	if id == "" {
		return reauth.MissingInput(reauth.Atto, "consentID")
	}
	if len(id) > 256 {
		return reauth.InvalidInput(reauth.Atto, "consentID", "is longer than 256 characters")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return reauth.InvalidInput(reauth.Atto, "consentID", "contains control characters")
		}
	}
	return nil
}

// GetConsent reads one consent: its status, consentEnd (the expiry) and the
// journey that last changed it.
//
// Atto API docs: https://docs.atto.co/content/apis/get-consents
func (c *Client) GetConsent(ctx context.Context, consentID string) (*Consent, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if err := checkConsentID(consentID); err != nil {
		return nil, err
	}
	req := &httpx.Request{
		Method: http.MethodGet,
		Base:   c.base,
		Path:   "/consents/v1/" + url.PathEscape(consentID),
		Route:  "/consents/v1/{consentId}",
	}
	w, err := authorizedJSON[consentWire](ctx, c, c.consentTokens, req)
	if err != nil {
		return nil, err
	}
	out := w.consent()
	return &out, nil
}

// ListConsentsParams filters ListConsents. Zero fields are not sent.
type ListConsentsParams struct {
	ConfigurationName string        `url:"configurationName,omitempty"`
	ConsentStatus     ConsentStatus `url:"consentStatus,omitempty"`
	ProviderID        string        `url:"providerId,omitempty"`
	CustomerReference string        `url:"customerReference,omitempty"`
	UserID            string        `url:"userId,omitempty"`
	// From and To bound the created/updated window (RFC 3339).
	From   time.Time `url:"from,omitempty"`
	To     time.Time `url:"to,omitempty"`
	Offset int       `url:"offset,omitempty"`
	Limit  int       `url:"limit,omitempty"`
}

// ConsentList is one page of consents.
type ConsentList struct {
	Consents []Consent `json:"consents"`
	// Total is the number of matching consents when Atto says so; zero when
	// it does not.
	Total int `json:"total,omitempty"`
}

// consentListWire accepts a bare JSON array of consents (Atto's reference
// shows one) or an object holding them under consents, items, data,
// results or value (with an optional total, totalCount or count), should
// Atto wrap its answer.
type consentListWire struct {
	consents []consentWire
	total    int
}

func (l *consentListWire) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &l.consents); err == nil {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	for _, k := range []string{"consents", "Consents", "items", "Items", "data", "Data", "results", "Results", "value", "Value"} {
		if raw, ok := obj[k]; ok && len(raw) > 0 && raw[0] == '[' {
			if err := json.Unmarshal(raw, &l.consents); err != nil {
				return err
			}
			break
		}
	}
	for _, k := range []string{"total", "Total", "totalCount", "TotalCount", "count", "Count"} {
		if raw, ok := obj[k]; ok {
			var n jsonx.Int
			if json.Unmarshal(raw, &n) == nil && n >= 0 && n < 1<<31 {
				l.total = int(n)
				break
			}
		}
	}
	return nil
}

func (l *consentListWire) list() *ConsentList {
	out := &ConsentList{Consents: make([]Consent, 0, len(l.consents)), Total: l.total}
	for i := range l.consents {
		out.Consents = append(out.Consents, l.consents[i].consent())
	}
	return out
}

// ListConsents lists consents matching p.
//
// Atto API docs: https://docs.atto.co/content/apis/get-consents
func (c *Client) ListConsents(ctx context.Context, p ListConsentsParams) (*ConsentList, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if p.Offset < 0 {
		return nil, reauth.InvalidInput(reauth.Atto, "Offset", "is negative")
	}
	if p.Limit < 0 {
		return nil, reauth.InvalidInput(reauth.Atto, "Limit", "is negative")
	}
	if !p.From.IsZero() && !p.To.IsZero() && p.To.Before(p.From) {
		return nil, reauth.InvalidInput(reauth.Atto, "To", "is before From")
	}
	q, err := query.Values(p)
	if err != nil {
		return nil, reauth.InvalidInput(reauth.Atto, "ListConsentsParams", "cannot be encoded")
	}
	req := &httpx.Request{
		Method: http.MethodGet,
		Base:   c.base,
		Path:   "/consents/v1",
		Query:  q,
	}
	w, err := authorizedJSON[consentListWire](ctx, c, c.consentTokens, req)
	if err != nil {
		return nil, err
	}
	return w.list(), nil
}

// RevokeConsent revokes a consent. Atto keeps the stored data. A revoked
// consent can still be re-authenticated (the user may have to re-select
// accounts). Atto documents no answer body; any is ignored.
//
// Atto API docs: https://docs.atto.co/content/apis/revoke-consent
func (c *Client) RevokeConsent(ctx context.Context, consentID string) error {
	if c.unusable() {
		return errNilClient
	}
	if err := checkConsentID(consentID); err != nil {
		return err
	}
	req := &httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   "/consents/v1/" + url.PathEscape(consentID) + "/revoke",
		Route:  "/consents/v1/{consentId}/revoke",
	}
	_, err := c.authorized(ctx, c.consentTokens, req)
	return err
}

// RefreshResult is the stored-data refresh answer.
type RefreshResult struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// refreshWire is the lenient decoding shape of RefreshResult.
type refreshWire struct {
	StatusCode jsonx.Int    `json:"statusCode"`
	Message    jsonx.String `json:"message"`
}

// RefreshStoredData asks Atto to refresh the stored data of a consent (scope
// api:stored_data, fetched and cached separately). A consent that needs the
// user answers 403 and the error wraps reauth.ErrReauthRequired; 409 means
// a refresh is already running. Atto advises at most 30 refreshes per 60 s.
//
// Atto API docs: https://docs.atto.co/content/docs/guides/platform-integration/consent-refresh
func (c *Client) RefreshStoredData(ctx context.Context, consentID string) (*RefreshResult, error) {
	if c.unusable() {
		return nil, errNilClient
	}
	if err := checkConsentID(consentID); err != nil {
		return nil, err
	}
	req := &httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   "/stored-data/v1/consents/" + url.PathEscape(consentID) + "/refresh",
		Route:  "/stored-data/v1/consents/{consentId}/refresh",
	}
	w, err := authorizedJSON[refreshWire](ctx, c, c.dataTokens, req)
	if err != nil {
		return nil, err
	}
	return &RefreshResult{StatusCode: int(w.StatusCode), Message: string(w.Message)}, nil
}
