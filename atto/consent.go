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
// Decoding is lenient: ids and numbers may come as strings or numbers,
// times as RFC 3339 or epoch values, and unknown fields are ignored.
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

// consentWire is the lenient decoding shape of Consent.
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

// UnmarshalJSON decodes a consent leniently (see consentWire).
func (c *Consent) UnmarshalJSON(b []byte) error {
	var w consentWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	perms := make([]string, 0, len(w.Permissions))
	for _, p := range w.Permissions {
		perms = append(perms, string(p))
	}
	if len(perms) == 0 {
		perms = nil
	}
	*c = Consent{
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
	return nil
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
	if err := checkConsentID(consentID); err != nil {
		return nil, err
	}
	req := &httpx.Request{
		Method: http.MethodGet,
		Base:   c.base,
		Path:   "/consents/v1/" + url.PathEscape(consentID),
		Route:  "/consents/v1/{consentId}",
	}
	var out Consent
	if err := c.authorized(ctx, c.consentTokens, req, &out); err != nil {
		return nil, err
	}
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

// UnmarshalJSON accepts a bare JSON array of consents or an object holding
// them under consents, items, data, results or value (with an optional
// total, totalCount or count). Atto's reference does not show the list
// answer's envelope, so every common one is accepted.
func (l *ConsentList) UnmarshalJSON(b []byte) error {
	var arr []Consent
	if err := json.Unmarshal(b, &arr); err == nil {
		*l = ConsentList{Consents: arr}
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*l = ConsentList{}
	for _, k := range []string{"consents", "Consents", "items", "Items", "data", "Data", "results", "Results", "value", "Value"} {
		if raw, ok := obj[k]; ok && len(raw) > 0 && raw[0] == '[' {
			if err := json.Unmarshal(raw, &l.Consents); err != nil {
				return err
			}
			break
		}
	}
	for _, k := range []string{"total", "Total", "totalCount", "TotalCount", "count", "Count"} {
		if raw, ok := obj[k]; ok {
			var n jsonx.Int
			if json.Unmarshal(raw, &n) == nil && n >= 0 && n < 1<<31 {
				l.Total = int(n)
				break
			}
		}
	}
	return nil
}

// ListConsents lists consents matching p.
//
// Atto API docs: https://docs.atto.co/content/apis/get-consents
func (c *Client) ListConsents(ctx context.Context, p ListConsentsParams) (*ConsentList, error) {
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
	var out ConsentList
	if err := c.authorized(ctx, c.consentTokens, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeConsent revokes a consent. Atto keeps the stored data. A revoked
// consent can still be re-authenticated (the user may have to re-select
// accounts). Atto documents no answer body; any is ignored.
//
// Atto API docs: https://docs.atto.co/content/apis/revoke-consent
func (c *Client) RevokeConsent(ctx context.Context, consentID string) error {
	if err := checkConsentID(consentID); err != nil {
		return err
	}
	req := &httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   "/consents/v1/" + url.PathEscape(consentID) + "/revoke",
		Route:  "/consents/v1/{consentId}/revoke",
	}
	return c.authorized(ctx, c.consentTokens, req, nil)
}

// RefreshResult is the stored-data refresh answer.
type RefreshResult struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// UnmarshalJSON decodes leniently (statusCode as number or string).
func (r *RefreshResult) UnmarshalJSON(b []byte) error {
	var w struct {
		StatusCode jsonx.Int    `json:"statusCode"`
		Message    jsonx.String `json:"message"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = RefreshResult{StatusCode: int(w.StatusCode), Message: string(w.Message)}
	return nil
}

// RefreshStoredData asks Atto to refresh the stored data of a consent (scope
// api:stored_data, fetched and cached separately). A consent that needs the
// user answers 403 and the error wraps reauth.ErrReauthRequired; 409 means
// a refresh is already running. Atto advises at most 30 refreshes per 60 s.
//
// Atto API docs: https://docs.atto.co/content/docs/guides/platform-integration/consent-refresh
func (c *Client) RefreshStoredData(ctx context.Context, consentID string) (*RefreshResult, error) {
	if err := checkConsentID(consentID); err != nil {
		return nil, err
	}
	req := &httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   "/stored-data/v1/consents/" + url.PathEscape(consentID) + "/refresh",
		Route:  "/stored-data/v1/consents/{consentId}/refresh",
	}
	var out RefreshResult
	if err := c.authorized(ctx, c.dataTokens, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
