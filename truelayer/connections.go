package truelayer

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/reauth"
)

// User is the end user, as connections/extend requires it: the user_id
// generated when the connection was created, the full name, and an email
// or a phone number.
type User struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ExtendRequest asks TrueLayer to extend a connection.
type ExtendRequest struct {
	// RefreshToken is the connection's refresh token. Required.
	RefreshToken string
	// RedirectURI is where the user returns if the bank needs them. Required.
	RedirectURI string
	// UserHasReconfirmedConsent must be true: show your own reconfirmation
	// screen first.
	UserHasReconfirmedConsent bool
	User                      User
	// State is sent along and expected back on the redirect. Assumption:
	// TrueLayer's schema does not say whether extend accepts state.
	State string
	// UserIP is sent as X-PSU-IP when set.
	UserIP string
}

// ActionNeeded is connections/extend's verdict. It is an open set.
type ActionNeeded string

// The documented actions.
const (
	// NoActionNeeded: extended; the answer carries new tokens.
	NoActionNeeded ActionNeeded = "no_action_needed"
	// AuthenticationNeeded: send the user to UserInputLink (bank SCA); they
	// return with an exchange_code to redeem with ExchangeCode.
	AuthenticationNeeded ActionNeeded = "authentication_needed"
	// ReconfirmationOfConsentNeeded: TrueLayer-hosted reconfirmation at
	// UserInputLink (documented as not yet supported).
	ReconfirmationOfConsentNeeded ActionNeeded = "reconfirmation_of_consent_needed"
)

// ExtendResult is the connections/extend answer. Its String, GoString and
// LogValue never print the tokens or the link.
type ExtendResult struct {
	ActionNeeded ActionNeeded
	// Token is set for NoActionNeeded. Assumption: its fields have the
	// /connect/token names (TrueLayer's schema was not published).
	Token *Token
	// UserInputLink is set for the other actions.
	UserInputLink string
}

type extendBody struct {
	ClientID                  string `json:"client_id"`
	ClientSecret              string `json:"client_secret"`
	RefreshToken              string `json:"refresh_token"`
	RedirectURI               string `json:"redirect_uri"`
	UserHasReconfirmedConsent bool   `json:"user_has_reconfirmed_consent"`
	User                      User   `json:"user"`
	State                     string `json:"state,omitempty"`
}

type extendJSON struct {
	ActionNeeded  jsonx.String `json:"action_needed"`
	UserInputLink jsonx.String `json:"user_input_link"`
	tokenJSON
}

// ErrExtendRefused is wrapped by the error of a 400 from connections/extend
// other than invalid_grant. TrueLayer answers 400 to every extend request
// until it has reviewed and approved the application's own
// reconfirmation-of-consent screen; after that, a 400 means the request was
// malformed. The error also wraps the *reauth.APIError (and with it
// reauth.ErrInvalidRequest: fix the configuration, do not send the user to
// the bank).
var ErrExtendRefused = errors.New("truelayer: connections/extend refused the request; TrueLayer answers 400 until it has reviewed the app's reconfirmation screen")

// extendRefused wraps a 400 from extend in ErrExtendRefused.
func extendRefused(err error) error {
	var apiErr *reauth.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && !errors.Is(err, reauth.ErrReauthRequired) {
		return fmt.Errorf("%w: %w", ErrExtendRefused, err)
	}
	return err
}

// ExtendConnection extends a connection's consent (UK reconfirmation and
// re-auth; TrueLayer's recommended path). It may spend the refresh token,
// so it is sent as a one-time request: retried only on a dial error or a
// 429. A 400 other than invalid_grant wraps [ErrExtendRefused]: TrueLayer
// refuses extend until the app's reconfirmation screen passed its review.
//
// TrueLayer API docs: https://docs.truelayer.com/reference/extendconnection
func (c *Client) ExtendConnection(ctx context.Context, r ExtendRequest) (*ExtendResult, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	switch {
	case r.RefreshToken == "":
		return nil, reauth.MissingInput(provider, "RefreshToken")
	case r.RedirectURI == "":
		return nil, reauth.MissingInput(provider, "RedirectURI")
	case !r.UserHasReconfirmedConsent:
		return nil, reauth.InvalidInput(provider, "UserHasReconfirmedConsent", "must be true: show the reconfirmation screen first")
	case r.User.ID == "":
		return nil, reauth.MissingInput(provider, "User.ID")
	case r.User.Name == "":
		return nil, reauth.MissingInput(provider, "User.Name")
	case r.User.Email == "" && r.User.Phone == "":
		return nil, reauth.MissingInput(provider, "User.Email")
	}
	req := &httpx.Request{
		Method:  http.MethodPost,
		Base:    c.apiBase,
		Path:    c.extendPath,
		Header:  psuHeader(r.UserIP),
		OneTime: true,
		Secrets: []string{r.RefreshToken, r.State},
	}
	if err := req.SetJSON(extendBody{
		ClientID: c.creds.ClientID, ClientSecret: c.creds.ClientSecret, RefreshToken: r.RefreshToken,
		RedirectURI: r.RedirectURI, UserHasReconfirmedConsent: true, User: r.User, State: r.State,
	}); err != nil {
		return nil, err
	}
	var out extendJSON
	if _, err := c.http.DoJSON(ctx, req, &out); err != nil {
		return nil, extendRefused(err)
	}
	res := &ExtendResult{ActionNeeded: ActionNeeded(out.ActionNeeded), UserInputLink: string(out.UserInputLink)}
	switch {
	case res.ActionNeeded == "":
		return nil, c.http.InvalidResponse(req.Op(), "no action_needed in the answer")
	case res.ActionNeeded == NoActionNeeded && out.AccessToken == "":
		return nil, c.http.InvalidResponse(req.Op(), "no_action_needed without access_token")
	case res.ActionNeeded != NoActionNeeded && res.UserInputLink == "":
		return nil, c.http.InvalidResponse(req.Op(), "action "+string(res.ActionNeeded)+" without user_input_link")
	}
	if out.AccessToken != "" {
		t := out.token(c.now())
		res.Token = &t
	}
	return res, nil
}
