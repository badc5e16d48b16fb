package truelayer

import (
	"context"
	"net/http"
	"time"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// ConsentStatus is /me's consent_status. It is an open set: TrueLayer does
// not document its values; the constants are the ones seen in the wild.
type ConsentStatus string

// Values seen for consent_status (assumed, not documented).
const (
	StatusAuthorised ConsentStatus = "Authorised"
	StatusExpired    ConsentStatus = "Expired"
	StatusRevoked    ConsentStatus = "Revoked"
)

// Former names of the consent_status values.
const (
	// Deprecated: use StatusAuthorised.
	ConsentAuthorised = StatusAuthorised
	// Deprecated: use StatusExpired.
	ConsentExpired = StatusExpired
	// Deprecated: use StatusRevoked.
	ConsentRevoked = StatusRevoked
)

// MeProvider is the bank behind a connection.
type MeProvider struct {
	ProviderID  string `json:"provider_id"`
	DisplayName string `json:"display_name"`
	LogoURI     string `json:"logo_uri"`
}

// Me is the metadata of a connection (the first element of /me's results).
// Field names follow third-party clients and are decoded leniently: times
// may be RFC 3339 or epoch numbers, and any may be missing.
type Me struct {
	ClientID               string        `json:"client_id"`
	CredentialsID          string        `json:"credentials_id"`
	ConsentStatus          ConsentStatus `json:"consent_status"`
	ConsentStatusUpdatedAt time.Time     `json:"consent_status_updated_at"`
	ConsentCreatedAt       time.Time     `json:"consent_created_at"`
	ConsentExpiresAt       time.Time     `json:"consent_expires_at"`
	Provider               MeProvider    `json:"provider"`
	Scopes                 []string      `json:"scopes"`
	PrivacyPolicy          string        `json:"privacy_policy"`
}

type meItemJSON struct {
	ClientID               jsonx.String `json:"client_id"`
	CredentialsID          jsonx.String `json:"credentials_id"`
	ConsentStatus          jsonx.String `json:"consent_status"`
	ConsentStatusUpdatedAt jsonx.Time   `json:"consent_status_updated_at"`
	ConsentCreatedAt       jsonx.Time   `json:"consent_created_at"`
	ConsentExpiresAt       jsonx.Time   `json:"consent_expires_at"`
	Provider               struct {
		ProviderID  jsonx.String `json:"provider_id"`
		DisplayName jsonx.String `json:"display_name"`
		LogoURI     jsonx.String `json:"logo_uri"`
	} `json:"provider"`
	Scopes        []jsonx.String `json:"scopes"`
	PrivacyPolicy jsonx.String   `json:"privacy_policy"`
}

type meJSON struct {
	Results []meItemJSON `json:"results"`
	Status  jsonx.String `json:"status"`
}

const mePath = "/data/v1/me"

// Me reads the connection's metadata with its access token: the bank, the
// consent status and when the consent expires. 403 access_denied (consent
// lapsed) wraps reauth.ErrReauthRequired.
//
// TrueLayer API docs: https://docs.truelayer.com/reference/getme
func (c *Client) Me(ctx context.Context, accessToken string) (*Me, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	return c.me(ctx, accessToken, "")
}

func (c *Client) me(ctx context.Context, accessToken, userIP string) (*Me, error) {
	if accessToken == "" {
		return nil, reauth.MissingInput(provider, "accessToken")
	}
	h := http.Header{"Authorization": {"Bearer " + accessToken}}
	if userIP != "" {
		h.Set("X-PSU-IP", userIP)
	}
	req := &httpx.Request{Method: http.MethodGet, Base: c.apiBase, Path: mePath, Header: h}
	var out meJSON
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	if len(out.Results) == 0 {
		return nil, c.http.InvalidResponse(req.Op(), "no results in the answer")
	}
	it := out.Results[0]
	m := &Me{
		ClientID:               string(it.ClientID),
		CredentialsID:          string(it.CredentialsID),
		ConsentStatus:          ConsentStatus(it.ConsentStatus),
		ConsentStatusUpdatedAt: it.ConsentStatusUpdatedAt.Time,
		ConsentCreatedAt:       it.ConsentCreatedAt.Time,
		ConsentExpiresAt:       it.ConsentExpiresAt.Time,
		Provider: MeProvider{
			ProviderID: string(it.Provider.ProviderID), DisplayName: string(it.Provider.DisplayName), LogoURI: string(it.Provider.LogoURI),
		},
		PrivacyPolicy: string(it.PrivacyPolicy),
	}
	for _, s := range it.Scopes {
		m.Scopes = append(m.Scopes, string(s))
	}
	return m, nil
}
