package finch

import (
	"context"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// bearerRequest builds a request to path authenticated with accessToken.
func (c *Client) bearerRequest(method, path, accessToken string) (*httpx.Request, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if accessToken == "" {
		return nil, reauth.MissingInput(reauth.Finch, "accessToken")
	}
	return &httpx.Request{
		Method: method,
		Base:   c.base,
		Path:   path,
		Header: bearer(accessToken), // scrubbed as the Authorization credential
	}, nil
}

// disconnectAnswer is Finch's answer to POST /disconnect.
type disconnectAnswer struct {
	Status string `json:"status"`
}

// Disconnect revokes accessToken (POST /disconnect): it stops working for
// good. Use it on the token a [*ConnectionMismatchError] carries, when the
// employer's re-authentication created a connection the application does
// not want, or when an employer leaves. It is sent once: after an answer
// that may have been lost the token may already be gone, and a second
// request would report it invalid.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/management/disconnect
func (c *Client) Disconnect(ctx context.Context, accessToken string) error {
	req, err := c.bearerRequest(http.MethodPost, "/disconnect", accessToken)
	if err != nil {
		return err
	}
	req.OneTime = true
	var out disconnectAnswer
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return err
	}
	if out.Status != "" && out.Status != "success" {
		return c.http.InvalidResponse(req.Op(), "status is not success")
	}
	return nil
}

// sandboxStatus is the body of PUT /sandbox/connections/accounts.
type sandboxStatus struct {
	ConnectionStatus ConnectionStatus `json:"connection_status"`
}

// SetSandboxConnectionStatus changes the connection status of a sandbox
// connection (PUT /sandbox/connections/accounts, Finch's sandbox only).
// StatusReauth makes the connection's data calls answer 401
// reauthenticate_user, which is how to try a re-authentication against
// Finch's sandbox.
func (c *Client) SetSandboxConnectionStatus(ctx context.Context, accessToken string, status ConnectionStatus) error {
	req, err := c.bearerRequest(http.MethodPut, "/sandbox/connections/accounts", accessToken)
	if err != nil {
		return err
	}
	if status == "" {
		return reauth.MissingInput(reauth.Finch, "status")
	}
	if err := req.SetJSON(sandboxStatus{ConnectionStatus: status}); err != nil {
		return reauth.InvalidInput(reauth.Finch, "status", "cannot be encoded")
	}
	_, err = c.http.Do(ctx, req)
	return err
}
