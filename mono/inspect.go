package mono

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Data statuses of meta.data_status. Mono changed their case on 2025-09-15:
// compare with strings.EqualFold.
const (
	DataStatusAvailable   = "available"
	DataStatusPartial     = "partial"
	DataStatusUnavailable = "unavailable"
	DataStatusFailed      = "failed"
	DataStatusProcessing  = "processing"
)

// Sync statuses of an account (meta.sync_status), and of a real-time job.
const (
	SyncStatusReauthorisationRequired = CodeReauthorisationRequired
	SyncStatusProcessing              = "PROCESSING"
	SyncStatusSuccessful              = "SUCCESSFUL"
)

var _ reauth.Inspector = (*Client)(nil)

// AccountStatus is what GET /v2/accounts/{id} says about an account's
// connection.
type AccountStatus struct {
	ID   string
	Name string
	// DataStatus is meta.data_status as sent (available, partial,
	// unavailable, failed; older: AVAILABLE, PROCESSING, FAILED).
	DataStatus string
	// SyncStatus is the last sync's status (e.g. REAUTHORISATION_REQUIRED),
	// read from meta.sync_status; empty when Mono sends none.
	SyncStatus string
	AuthMethod string
	// RetrievedData is meta.retrieved_data (balance, transactions, ...).
	RetrievedData []string
}

type wireAccountDetails struct {
	Data *struct {
		Account *struct {
			ID         jsonx.String `json:"id"`
			ID2        jsonx.String `json:"_id"`
			Name       jsonx.String `json:"name"`
			SyncStatus jsonx.String `json:"sync_status"`
		} `json:"account"`
		Meta *struct {
			DataStatus     jsonx.String   `json:"data_status"`
			SyncStatus     jsonx.String   `json:"sync_status"`
			LastSyncStatus jsonx.String   `json:"last_sync_status"`
			Status         jsonx.String   `json:"status"`
			AuthMethod     jsonx.String   `json:"auth_method"`
			RetrievedData  []jsonx.String `json:"retrieved_data"`
		} `json:"meta"`
		SyncStatus jsonx.String `json:"sync_status"`
	} `json:"data"`
}

// AccountDetails reads an account's connection status (GET
// /v2/accounts/{id}). Retried on network errors, 429, 502, 503 and 504.
//
// Mono API docs: https://docs.mono.co/api/bank-data/accounts/details
func (c *Client) AccountDetails(ctx context.Context, accountID string) (*AccountStatus, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "accountID")
	}
	req := &httpx.Request{Method: http.MethodGet, Base: c.base, Path: "/v2/accounts/" + url.PathEscape(accountID),
		Route: "/v2/accounts/{id}", Header: c.header()}
	var w wireAccountDetails
	if _, err := c.http.DoJSON(ctx, req, &w); err != nil {
		return nil, err
	}
	d := w.Data
	if d == nil {
		return nil, c.http.InvalidResponse(req.Op(), "no data in the answer")
	}
	st := &AccountStatus{ID: accountID, SyncStatus: string(d.SyncStatus)}
	if a := d.Account; a != nil {
		st.ID = cmp.Or(string(a.ID), string(a.ID2), accountID)
		st.Name = string(a.Name)
		st.SyncStatus = cmp.Or(st.SyncStatus, string(a.SyncStatus))
	}
	if m := d.Meta; m != nil {
		st.DataStatus = string(m.DataStatus)
		st.SyncStatus = cmp.Or(string(m.SyncStatus), string(m.LastSyncStatus), string(m.Status), st.SyncStatus)
		st.AuthMethod = string(m.AuthMethod)
		for _, r := range m.RetrievedData {
			st.RetrievedData = append(st.RetrievedData, string(r))
		}
	}
	return st, nil
}

// Inspect reports an account's health from GET /v2/accounts/{id}
// (req.ConnectionID): NeedsReauth when the sync status is
// REAUTHORISATION_REQUIRED (or Mono answers with that code), Pending while
// data is processing, Revoked when the account is unlinked or gone (404),
// Healthy when data is available or partial, Unknown for a failed or
// unavailable data status without a re-auth signal (data availability is
// not auth health). ProviderStatus is "data_status/sync_status" as sent.
// Other errors (the app's key refused, Mono down) are returned as errors.
func (c *Client) Inspect(ctx context.Context, req reauth.Request) (*reauth.Health, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if req.ConnectionID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "ConnectionID")
	}
	h := &reauth.Health{Provider: reauth.Mono, ConnectionID: req.ConnectionID, CheckedAt: c.now()}
	st, err := c.AccountDetails(ctx, req.ConnectionID)
	if err != nil {
		var ae *reauth.APIError
		switch {
		case errors.As(err, &ae) && errors.Is(ae, reauth.ErrReauthRequired):
			h.State, h.ProviderStatus, h.Message = reauth.NeedsReauth, ae.Code, ae.Message
			return h, nil
		case errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound:
			h.State, h.Message = reauth.Revoked, "the account is no longer linked"
			return h, nil
		}
		return nil, err
	}
	h.ProviderStatus = st.DataStatus + "/" + st.SyncStatus
	h.State = accountState(st)
	return h, nil
}

// accountState maps an account's statuses to a health state.
func accountState(st *AccountStatus) reauth.HealthState {
	sync, data := strings.ToUpper(st.SyncStatus), strings.ToLower(st.DataStatus)
	switch {
	case sync == SyncStatusReauthorisationRequired || strings.Contains(sync, "REAUTH"):
		return reauth.NeedsReauth
	case sync == "UNLINKED" || sync == "DELETED" || data == "unlinked":
		return reauth.Revoked
	case sync == SyncStatusProcessing || sync == "IN_PROGRESS" || sync == "PENDING" || data == DataStatusProcessing:
		return reauth.Pending
	case data == DataStatusAvailable || data == DataStatusPartial:
		return reauth.Healthy
	}
	return reauth.Unknown
}
