package finch

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/internal/jsonx"
)

// ConnectionStatus is a connection's state as Finch reports it. It is an
// open string: values Finch adds later decode as they are.
type ConnectionStatus string

// Connection statuses. Pending, Processing, Connected, Reauth,
// ErrorNoAccountSetup and ErrorPermissions are Finch's documented enum;
// Disconnected (webhook docs) and ErrorReauth (sandbox docs) appear in
// Finch's documentation only and are accepted too.
const (
	StatusPending             ConnectionStatus = "pending"
	StatusProcessing          ConnectionStatus = "processing"
	StatusConnected           ConnectionStatus = "connected"
	StatusReauth              ConnectionStatus = "reauth"
	StatusErrorNoAccountSetup ConnectionStatus = "error_no_account_setup"
	StatusErrorPermissions    ConnectionStatus = "error_permissions"
	StatusDisconnected        ConnectionStatus = "disconnected"
	StatusErrorReauth         ConnectionStatus = "error_reauth"
)

// NeedsReauth reports whether the status asks the employer to
// re-authenticate (reauth, or error_reauth as the sandbox docs spell it).
func (s ConnectionStatus) NeedsReauth() bool {
	return s == StatusReauth || s == StatusErrorReauth
}

// ClientType is the kind of Finch application (open string).
type ClientType string

// Client types.
const (
	ClientTypeDevelopment ClientType = "development"
	ClientTypeProduction  ClientType = "production"
	ClientTypeSandbox     ClientType = "sandbox"
)

// ConnectionType says who maintains a connection (open string).
type ConnectionType string

// Connection types.
const (
	ConnectionTypeProvider ConnectionType = "provider"
	ConnectionTypeFinch    ConnectionType = "finch"
)

// AuthenticationType is how the employer authenticated (open string).
type AuthenticationType string

// Authentication types.
const (
	AuthAssisted      AuthenticationType = "assisted"
	AuthCredential    AuthenticationType = "credential"
	AuthAPIToken      AuthenticationType = "api_token"
	AuthAPICredential AuthenticationType = "api_credential"
	AuthOAuth         AuthenticationType = "oauth"
)

// ConnectionStatusDetail is Finch's connection_status object. It holds
// plain Go values, so code of your own (tests, fakes) can build one.
type ConnectionStatusDetail struct {
	Status  ConnectionStatus `json:"status"`
	Message string           `json:"message,omitempty"`
	// LastSuccessfulSync is kept as Finch sent it: the API documents it as
	// "date-time or string", nullable (null is ""). See LastSync.
	LastSuccessfulSync string `json:"last_successful_sync,omitempty"`
}

// LastSync parses LastSuccessfulSync; ok is false when it is empty or not
// a recognisable time.
func (d ConnectionStatusDetail) LastSync() (t time.Time, ok bool) {
	var jt jsonx.Time
	s := strings.TrimSpace(d.LastSuccessfulSync)
	if s == "" {
		return time.Time{}, false
	}
	b, _ := json.Marshal(s) // a string always marshals
	if err := jt.UnmarshalJSON(b); err != nil || jt.IsZero() {
		return time.Time{}, false
	}
	return jt.Time, true
}

// AuthenticationMethod is one way the connection authenticates, with its
// own status.
type AuthenticationMethod struct {
	Type             AuthenticationType     `json:"type"`
	ConnectionStatus ConnectionStatusDetail `json:"connection_status"`
	Products         []string               `json:"products,omitempty"`
}

// Entity is one legal entity behind a connection.
type Entity struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	SourceID string `json:"source_id,omitempty"`
	// Status may be a ConnectionStatus, including disconnected.
	Status ConnectionStatus `json:"status,omitempty"`
}

// Introspection is what Finch knows about an access token and its
// connection (GET /introspect). Nullable strings decode as "". It holds
// plain Go values; Finch's answer is read leniently (numbers for strings,
// "true" for true) before it is copied in.
type Introspection struct {
	// ID is Finch's id of the access token (not the token itself).
	ID                    string                 `json:"id"`
	ClientID              string                 `json:"client_id"`
	ClientType            ClientType             `json:"client_type"`
	ConnectionID          string                 `json:"connection_id"`
	ConnectionStatus      ConnectionStatusDetail `json:"connection_status"`
	ConnectionType        ConnectionType         `json:"connection_type"`
	Products              []string               `json:"products"`
	ProviderID            string                 `json:"provider_id"`
	AuthenticationMethods []AuthenticationMethod `json:"authentication_methods,omitempty"`
	Entities              []Entity               `json:"entities,omitempty"`
	CustomerID            string                 `json:"customer_id,omitempty"`
	CustomerName          string                 `json:"customer_name,omitempty"`
	CustomerEmail         string                 `json:"customer_email,omitempty"`
	CompanyID             string                 `json:"company_id,omitempty"`
	Manual                bool                   `json:"manual,omitempty"`
	Username              string                 `json:"username,omitempty"`
	// AccountID is deprecated by Finch; use ConnectionID.
	AccountID string `json:"account_id,omitempty"`
	// PayrollProviderID is deprecated by Finch; use ProviderID.
	PayrollProviderID string `json:"payroll_provider_id,omitempty"`
}

// Status returns the connection's status: connection_status.status, or,
// for answers without it (older API versions), the most severe status of
// the authentication methods (reauth, then disconnected, then pending or
// processing, then any other status).
func (in *Introspection) Status() ConnectionStatus {
	if in.ConnectionStatus.Status != "" {
		return in.ConnectionStatus.Status
	}
	var best ConnectionStatus
	rank := func(s ConnectionStatus) int {
		switch {
		case s.NeedsReauth():
			return 4
		case s == StatusDisconnected:
			return 3
		case s == StatusPending || s == StatusProcessing:
			return 2
		case s == "":
			return 0
		}
		return 1
	}
	for _, m := range in.AuthenticationMethods {
		if rank(m.ConnectionStatus.Status) > rank(best) {
			best = m.ConnectionStatus.Status
		}
	}
	return best
}

// brokenPart returns the first authentication method or entity whose own
// status asks for re-authentication, with its message: Finch reports
// statuses per method and per entity too, and one broken way in can sit
// under a connected connection_status.
func (in *Introspection) brokenPart() (status ConnectionStatus, message string, ok bool) {
	for _, m := range in.AuthenticationMethods {
		if m.ConnectionStatus.Status.NeedsReauth() {
			return m.ConnectionStatus.Status, m.ConnectionStatus.Message, true
		}
	}
	for _, e := range in.Entities {
		if e.Status.NeedsReauth() {
			return e.Status, "", true
		}
	}
	return "", "", false
}

// Introspect returns what Finch knows about accessToken: its connection id,
// provider, connection status and products. It is a read and is retried
// on network errors, 429, 502, 503 and 504.
//
// Finch API docs: https://developer.tryfinch.com/api-reference/management/introspect
func (c *Client) Introspect(ctx context.Context, accessToken string) (*Introspection, error) {
	var w introspectionWire
	if err := c.getBearer(ctx, "/introspect", accessToken, &w); err != nil {
		return nil, err
	}
	return w.public(), nil
}

// The wire forms of Finch's introspection answer: lenient JSON types
// inside, the public types above outside.
type (
	statusWire struct {
		Status             jsonx.String `json:"status"`
		Message            jsonx.String `json:"message"`
		LastSuccessfulSync jsonx.String `json:"last_successful_sync"`
	}
	methodWire struct {
		Type             jsonx.String `json:"type"`
		ConnectionStatus statusWire   `json:"connection_status"`
		Products         []string     `json:"products"`
	}
	entityWire struct {
		ID       jsonx.String `json:"id"`
		Name     jsonx.String `json:"name"`
		SourceID jsonx.String `json:"source_id"`
		Status   jsonx.String `json:"status"`
	}
	introspectionWire struct {
		ID                    jsonx.String `json:"id"`
		ClientID              jsonx.String `json:"client_id"`
		ClientType            jsonx.String `json:"client_type"`
		ConnectionID          jsonx.String `json:"connection_id"`
		ConnectionStatus      statusWire   `json:"connection_status"`
		ConnectionType        jsonx.String `json:"connection_type"`
		Products              []string     `json:"products"`
		ProviderID            jsonx.String `json:"provider_id"`
		AuthenticationMethods []methodWire `json:"authentication_methods"`
		Entities              []entityWire `json:"entities"`
		CustomerID            jsonx.String `json:"customer_id"`
		CustomerName          jsonx.String `json:"customer_name"`
		CustomerEmail         jsonx.String `json:"customer_email"`
		CompanyID             jsonx.String `json:"company_id"`
		Manual                jsonx.Bool   `json:"manual"`
		Username              jsonx.String `json:"username"`
		AccountID             jsonx.String `json:"account_id"`
		PayrollProviderID     jsonx.String `json:"payroll_provider_id"`
	}
)

func (w statusWire) public() ConnectionStatusDetail {
	return ConnectionStatusDetail{
		Status:             ConnectionStatus(w.Status),
		Message:            string(w.Message),
		LastSuccessfulSync: string(w.LastSuccessfulSync),
	}
}

func (w *introspectionWire) public() *Introspection {
	in := &Introspection{
		ID:                string(w.ID),
		ClientID:          string(w.ClientID),
		ClientType:        ClientType(w.ClientType),
		ConnectionID:      string(w.ConnectionID),
		ConnectionStatus:  w.ConnectionStatus.public(),
		ConnectionType:    ConnectionType(w.ConnectionType),
		Products:          w.Products,
		ProviderID:        string(w.ProviderID),
		CustomerID:        string(w.CustomerID),
		CustomerName:      string(w.CustomerName),
		CustomerEmail:     string(w.CustomerEmail),
		CompanyID:         string(w.CompanyID),
		Manual:            bool(w.Manual),
		Username:          string(w.Username),
		AccountID:         string(w.AccountID),
		PayrollProviderID: string(w.PayrollProviderID),
	}
	for _, m := range w.AuthenticationMethods {
		in.AuthenticationMethods = append(in.AuthenticationMethods, AuthenticationMethod{
			Type: AuthenticationType(m.Type), ConnectionStatus: m.ConnectionStatus.public(), Products: m.Products,
		})
	}
	for _, e := range w.Entities {
		in.Entities = append(in.Entities, Entity{
			ID: string(e.ID), Name: string(e.Name), SourceID: string(e.SourceID), Status: ConnectionStatus(e.Status),
		})
	}
	return in
}
