package finch

import (
	"context"
	"errors"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/jsonx"
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
// re-authentication it succeeds with the new token. An assisted connection
// that is still syncing answers 202 data_sync_in_progress without data:
// that is an *reauth.APIError with StatusCode 202 for which
// errors.Is(err, reauth.ErrProviderUnavailable) holds (try later).
//
// Finch API docs: https://developer.tryfinch.com/api-reference/organization/company
func (c *Client) Company(ctx context.Context, accessToken string) (*Company, error) {
	var w companyWire
	if err := c.getBearer(ctx, "/employer/company", accessToken, &w); err != nil {
		return nil, err
	}
	return &Company{
		ID:                 string(w.ID),
		LegalName:          string(w.LegalName),
		EIN:                string(w.EIN),
		PrimaryEmail:       string(w.PrimaryEmail),
		PrimaryPhoneNumber: string(w.PrimaryPhoneNumber),
	}, nil
}

// companyWire is Finch's company answer as it is read: leniently.
type companyWire struct {
	ID                 jsonx.String `json:"id"`
	LegalName          jsonx.String `json:"legal_name"`
	EIN                jsonx.String `json:"ein"`
	PrimaryEmail       jsonx.String `json:"primary_email"`
	PrimaryPhoneNumber jsonx.String `json:"primary_phone_number"`
}

// getBearer sends GET path with accessToken as Bearer and decodes the
// answer into out. Finch answers some data calls 202 with its error shape
// (finch_code data_sync_in_progress: an assisted connection still
// syncing); that answer carries no data, so it is returned as an
// *reauth.APIError with StatusCode 202 and Kind
// reauth.ErrProviderUnavailable (try later), never as an empty value.
func (c *Client) getBearer(ctx context.Context, path, accessToken string, out any) error {
	req, err := c.bearerRequest(http.MethodGet, path, accessToken)
	if err != nil {
		return err
	}
	// 202 data_sync_in_progress: an answer without data; try later.
	req.ErrorStatuses = map[int]error{http.StatusAccepted: reauth.ErrProviderUnavailable}
	_, err = c.http.DoJSON(ctx, req, out)
	var apiErr *reauth.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusAccepted && apiErr.Code == "" {
		apiErr.Code = CodeDataSyncInProgress // a bare 202 means the same
	}
	return err
}
