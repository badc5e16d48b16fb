package finch

import (
	"context"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Company is the employer behind a connection (GET /employer/company), with
// the fields reauthkit needs to prove a token works; the rest of Finch's
// answer is ignored.
type Company struct {
	ID                 string `json:"id"`
	LegalName          string `json:"legal_name,omitempty"`
	EIN                string `json:"ein,omitempty"`
	PrimaryEmail       string `json:"primary_email,omitempty"`
	PrimaryPhoneNumber string `json:"primary_phone_number,omitempty"`
}

// Company reads the employer's company data with accessToken. It is the
// simplest data call: on a broken connection it fails with an error for
// which errors.Is(err, reauth.ErrReauthRequired) holds, and after a
// re-authentication it succeeds with the new token.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/organization/company
func (c *Client) Company(ctx context.Context, accessToken string) (*Company, error) {
	if accessToken == "" {
		return nil, reauth.MissingInput(reauth.Finch, "accessToken")
	}
	req := &httpx.Request{
		Method:  http.MethodGet,
		Base:    c.base,
		Path:    "/employer/company",
		Header:  bearer(accessToken),
		Secrets: []string{accessToken},
	}
	var out Company
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
