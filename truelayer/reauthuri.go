package truelayer

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// ReauthURIRequest asks for a re-authentication link.
type ReauthURIRequest struct {
	// RefreshToken is the connection's current refresh token. Required.
	RefreshToken string
	// RedirectURI must equal the redirect URI of the original authorisation.
	// Required.
	RedirectURI string
	// State is returned on the redirect; optional.
	State string
	// ResponseType defaults to "code".
	ResponseType string
	// UserIP is sent as X-PSU-IP when set.
	UserIP string
}

type reauthURIBody struct {
	ResponseType string `json:"response_type"`
	RefreshToken string `json:"refresh_token"`
	RedirectURI  string `json:"redirect_uri"`
	State        string `json:"state,omitempty"`
}

type reauthURIJSON struct {
	Success jsonx.Bool   `json:"success"`
	Result  jsonx.String `json:"result"`
}

const reauthURIPath = "/v1/reauthuri"

// ReauthURI mints a direct bank link for the user to renew the connection's
// consent (UK providers; beta, superseded by connections/extend). The
// answer {"success": false} and a 401 (the 90-day window after expiry has
// passed) are an *reauth.APIError with code [CodeReauthUnavailable]
// wrapping reauth.ErrReauthRequired: the user must authorise from scratch.
// A 401 invalid_client or unauthorized_client is a configuration problem
// and wraps reauth.ErrUnauthorized instead.
//
// The request carries no client credentials: four independent
// implementations send none.
//
// TrueLayer API docs: https://docs.truelayer.com/reference/generatereauthlink
func (c *Client) ReauthURI(ctx context.Context, r ReauthURIRequest) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	switch {
	case r.RefreshToken == "":
		return "", reauth.MissingInput(provider, "RefreshToken")
	case r.RedirectURI == "":
		return "", reauth.MissingInput(provider, "RedirectURI")
	}
	if r.ResponseType == "" {
		r.ResponseType = "code"
	}
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.authBase,
		Path:    reauthURIPath,
		Header:  psuHeader(r.UserIP),
		Secrets: []string{r.RefreshToken, r.State},
	}
	if err := req.SetJSON(reauthURIBody{ResponseType: r.ResponseType, RefreshToken: r.RefreshToken, RedirectURI: r.RedirectURI, State: r.State}); err != nil {
		return "", err
	}
	var out reauthURIJSON
	resp, err := c.http.DoJSON(ctx, req, &out)
	if err != nil {
		var apiErr *reauth.APIError
		// A 401 means the window has passed, unless it names a client
		// problem (unauthorized_client: wrong environment, client id or
		// redirect URI), which stays ErrUnauthorized.
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized &&
			!strings.EqualFold(apiErr.Code, CodeInvalidClient) && !strings.EqualFold(apiErr.Code, CodeUnauthorizedClient) {
			apiErr.Kind = reauth.ErrReauthRequired
			if apiErr.Code == "" {
				apiErr.Code = CodeReauthUnavailable
			}
			apiErr.Message = "the re-authentication window has passed; the user must authorise from scratch"
		}
		return "", err
	}
	if !bool(out.Success) || out.Result == "" {
		return "", &reauth.APIError{
			Provider:   provider,
			Op:         req.Op(),
			StatusCode: resp.StatusCode,
			Code:       CodeReauthUnavailable,
			Message:    "truelayer refused to mint a re-authentication link; the user must authorise from scratch",
			RequestID:  resp.RequestID,
			Kind:       reauth.ErrReauthRequired,
		}
	}
	return string(out.Result), nil
}
