package mono

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Reauthorise asks Mono for a re-auth token for an account
// (POST /accounts/{id}/reauthorise, no body). The token lives 10 minutes;
// hand it to CreateSession (the legacy v1 headless flow) or to the Connect
// widget. The v2 flow needs no token ([Client.StartReauthSession]). The request
// is retried on network errors, 429, 502, 503 and 504: minting a token
// spends nothing.
//
// Mono API docs: https://docs.mono.co/api/bank-data/reauth
func (c *Client) Reauthorise(ctx context.Context, accountID string) (*ReauthToken, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "accountID")
	}
	tok, err := c.reauthorise(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return &ReauthToken{Token: tok, ExpiresAt: c.now().Add(ReauthTokenTTL)}, nil
}

// reauthorise is Reauthorise returning the bare token.
func (c *Client) reauthorise(ctx context.Context, accountID string) (string, error) {
	req := c.accountRequest(accountID, "reauthorise", "/accounts/{id}/reauthorise")
	var out struct {
		Token jsonx.String `json:"token"`
		Data  *wireData    `json:"data"`
	}
	if _, err := c.http.DoJSON(ctx, &req, &out); err != nil {
		return "", err
	}
	tok := string(out.Token)
	if tok == "" && out.Data != nil {
		tok = string(out.Data.Token)
	}
	if tok == "" {
		return "", c.http.InvalidResponse(req.Op(), "no token in the answer")
	}
	return tok, nil
}

// accountRequest is POST /accounts/{id}/<action> without a body; route is
// "/accounts/{id}/<action>", passed as a constant to spare an allocation.
func (c *Client) accountRequest(accountID, action, route string) httpx.Request {
	return httpx.Request{
		Method: http.MethodPost,
		Base:   c.base,
		Path:   "/accounts/" + url.PathEscape(accountID) + "/" + action,
		Route:  route,
		Header: c.header(),
	}
}

// Sync asks Mono to refresh an account's data now (POST
// /accounts/{id}/sync; Mono allows one per account every 2 minutes). An
// account that needs the user fails with code REAUTHORISATION_REQUIRED:
// Sync returns an *reauth.APIError wrapping reauth.ErrReauthRequired, whether
// Mono sends it as an error status or inside a 2xx {"status":"failed"}.
//
// Mono API docs: https://docs.mono.co/docs/financial-data/data-sync
func (c *Client) Sync(ctx context.Context, accountID string) (*SyncResult, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "accountID")
	}
	req := c.accountRequest(accountID, "sync", "/accounts/{id}/sync")
	var out struct {
		Status     jsonx.String `json:"status"`
		HasNewData jsonx.Bool   `json:"hasNewData"`
		Code       jsonx.String `json:"code"`
		Message    jsonx.String `json:"message"`
	}
	resp, err := c.http.DoJSON(ctx, &req, &out)
	if err != nil {
		return nil, err
	}
	res := &SyncResult{Status: string(out.Status), HasNewData: bool(out.HasNewData), Code: string(out.Code), Message: string(out.Message)}
	if strings.EqualFold(res.Status, "failed") {
		e := &reauth.APIError{Provider: reauth.Mono, Op: req.Op(), StatusCode: resp.StatusCode,
			Code: res.Code, Message: res.Message, RequestID: resp.RequestID, Kind: kindFor(res.Code, res.Message)}
		if e.Kind == nil {
			e.Kind = reauth.ErrProviderUnavailable
		}
		return nil, e
	}
	return res, nil
}
