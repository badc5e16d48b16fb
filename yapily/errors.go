package yapily

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/reauthkit/reauthkit/internal/jsonx"
	"github.com/reauthkit/reauthkit/internal/textx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Yapily error codes kept in reauth.APIError.Code. For the older
// ApiResponseError shape Code is the error's status text (FORBIDDEN,
// FAILED_DEPENDENCY, ...); for ApiErrorResponse and ApiErrorResponseV2 it is
// the first issue's code when there is one.
const (
	CodeBadRequest       = "BAD_REQUEST"
	CodeUnauthorized     = "UNAUTHORIZED"
	CodeForbidden        = "FORBIDDEN"
	CodeNotFound         = "NOT_FOUND"
	CodeConflict         = "CONFLICT"
	CodeFailedDependency = "FAILED_DEPENDENCY"
	CodeTooManyRequests  = "TOO_MANY_REQUESTS"
	CodeInternalError    = "INTERNAL_SERVER_ERROR"

	// IssueCodeCredentials (type CREDENTIALS): the application credentials
	// were refused.
	IssueCodeCredentials = "10700"
	// IssueCodeBadRequest (type BAD_REQUEST).
	IssueCodeBadRequest = "10600"
	// IssueCodeMaxResources: a resource limit was reached.
	IssueCodeMaxResources = "14007"
	// IssueCodeScopeRequired: a 403 for a missing API scope, an application
	// configuration problem rather than a consent one.
	IssueCodeScopeRequired = "Yapily.gateway.api.scope.required"
)

// Error sources (ApiError.source, ErrorDetails.source).
const (
	SourceYapily      = "YAPILY"
	SourceInstitution = "INSTITUTION"
	SourceUser        = "USER"
)

// Keys of reauth.APIError.Details set by this package.
const (
	// DetailStatus is Yapily's status text (string).
	DetailStatus = "status"
	// DetailSource is YAPILY, INSTITUTION or USER (string).
	DetailSource = "source"
	// DetailSupportURL is the supportUrl (string).
	DetailSupportURL = "supportUrl"
	// DetailInstitutionError is the institution's own error, as a
	// map[string]any with errorMessage and httpStatusCode; read it with
	// InstitutionErrorOf.
	DetailInstitutionError = "institutionError"
	// DetailIssues are the issues of ApiErrorResponse/V2, as a []any of
	// map[string]any; read them with IssuesOf.
	DetailIssues = "issues"
)

// InstitutionError is the bank's own error, relayed by Yapily.
type InstitutionError struct {
	ErrorMessage   string `json:"errorMessage,omitempty"`
	HTTPStatusCode int    `json:"httpStatusCode,omitempty"`
}

// Issue is one item of an ApiErrorResponse or ApiErrorResponseV2.
type Issue struct {
	Type             string            `json:"type,omitempty"`
	Code             string            `json:"code,omitempty"`
	Parameter        string            `json:"parameter,omitempty"`
	Message          string            `json:"message,omitempty"`
	InstitutionError *InstitutionError `json:"institutionError,omitempty"`
}

// wireError covers the three error shapes Yapily uses side by side:
// ApiResponseError {error:{code,status,message,source,tracingId,
// institutionError}}, ApiErrorResponse {error:{tracingId,code,status,
// supportUrl,source,issues[]}} and ApiErrorResponseV2 (issues required,
// issue codes 5-digit strings). Numbers and strings are accepted for every
// code.
type wireError struct {
	Error *struct {
		Code             jsonx.Int    `json:"code"`
		Status           jsonx.String `json:"status"`
		Message          jsonx.String `json:"message"`
		Source           jsonx.String `json:"source"`
		TracingID        jsonx.String `json:"tracingId"`
		SupportURL       jsonx.String `json:"supportUrl"`
		InstitutionError *wireInstErr `json:"institutionError"`
		Issues           []wireIssue  `json:"issues"`
	} `json:"error"`
}

type wireInstErr struct {
	ErrorMessage   jsonx.String `json:"errorMessage"`
	HTTPStatusCode jsonx.Int    `json:"httpStatusCode"`
}

func (w *wireInstErr) value() *InstitutionError {
	if w == nil || (w.ErrorMessage == "" && w.HTTPStatusCode == 0) {
		return nil
	}
	return &InstitutionError{ErrorMessage: textx.Truncate(string(w.ErrorMessage), 1024), HTTPStatusCode: int(w.HTTPStatusCode)}
}

type wireIssue struct {
	Type             jsonx.String `json:"type"`
	Code             jsonx.String `json:"code"`
	Parameter        jsonx.String `json:"parameter"`
	Message          jsonx.String `json:"message"`
	InstitutionError *wireInstErr `json:"institutionError"`
}

// maxIssues bounds how many issues are kept in Details.
const maxIssues = 16

// decodeError reads any of Yapily's error shapes into e. Details hold plain
// values (strings, numbers, maps, slices) so that every string in them is
// scrubbed of the request's secrets like the message; IssuesOf and
// InstitutionErrorOf read them back as typed values. Kind:
//
//   - 401: reauth.ErrReauthRequired when the body blames the consent (the
//     error's source is INSTITUTION or USER, or it relays an
//     institutionError: the bank refused the consent), else
//     reauth.ErrUnauthorized (Yapily's gateway refused the application's
//     credentials: issue type CREDENTIALS, code 10700, or no body);
//   - 403: reauth.ErrReauthRequired (the consent is no longer authorised)
//     unless an issue says a scope or the credentials are missing, which is
//     an application problem (reauth.ErrUnauthorized);
//   - 424 keeps its code and wraps no sentinel (the institution cannot do
//     it; not a re-auth); other statuses keep reauth.KindForStatus.
func decodeError(e *reauth.APIError, body []byte, _ http.Header) {
	var w wireError
	if err := json.Unmarshal(body, &w); err != nil || w.Error == nil {
		applyKind(e, nil, false)
		return
	}
	we := w.Error
	details := map[string]any{}
	if we.Status != "" {
		details[DetailStatus] = textx.Truncate(string(we.Status), 64)
	}
	if we.Source != "" {
		details[DetailSource] = textx.Truncate(string(we.Source), 64)
	}
	if we.SupportURL != "" {
		details[DetailSupportURL] = textx.Truncate(string(we.SupportURL), 256)
	}
	bankRefused := false
	if ie := we.InstitutionError.value(); ie != nil {
		details[DetailInstitutionError] = ie.plain()
		bankRefused = true
	}
	var issues []Issue
	for i, is := range we.Issues {
		if i == maxIssues {
			break
		}
		issue := Issue{
			Type:             textx.Truncate(string(is.Type), 64),
			Code:             textx.Truncate(string(is.Code), 128),
			Parameter:        textx.Truncate(string(is.Parameter), 256),
			Message:          textx.Truncate(string(is.Message), 512),
			InstitutionError: is.InstitutionError.value(),
		}
		bankRefused = bankRefused || issue.InstitutionError != nil
		issues = append(issues, issue)
	}
	if len(issues) > 0 {
		plain := make([]any, len(issues))
		for i, is := range issues {
			plain[i] = is.plain()
		}
		details[DetailIssues] = plain
	}
	if len(details) > 0 {
		e.Details = details
	}
	if we.TracingID != "" {
		e.RequestID = textx.Truncate(string(we.TracingID), 128)
	}
	switch {
	case len(issues) > 0 && issues[0].Code != "":
		e.Code = issues[0].Code
	case we.Status != "":
		e.Code = string(we.Status)
	}
	switch {
	case we.Message != "":
		e.Message = string(we.Message)
	case len(issues) > 0 && issues[0].Message != "":
		e.Message = issues[0].Message
	}
	src := strings.ToUpper(string(we.Source))
	applyKind(e, issues, bankRefused || src == SourceInstitution || src == SourceUser)
}

// applyKind sets e.Kind from the status; consentFault says the body blames
// the consent rather than the application.
func applyKind(e *reauth.APIError, issues []Issue, consentFault bool) {
	appFault := false
	for _, is := range issues {
		if is.Code == IssueCodeScopeRequired || strings.EqualFold(is.Type, "CREDENTIALS") || is.Code == IssueCodeCredentials {
			appFault = true
		}
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		e.Kind = reauth.ErrUnauthorized
		if consentFault && !appFault {
			e.Kind = reauth.ErrReauthRequired
		}
	case http.StatusForbidden:
		e.Kind = reauth.ErrReauthRequired
		if appFault {
			e.Kind = reauth.ErrUnauthorized
		}
	case http.StatusFailedDependency:
		e.Kind = nil
	}
}

// plain is the InstitutionError as a Details value.
func (ie *InstitutionError) plain() map[string]any {
	m := map[string]any{"errorMessage": ie.ErrorMessage}
	if ie.HTTPStatusCode != 0 {
		m["httpStatusCode"] = ie.HTTPStatusCode
	}
	return m
}

// plain is the Issue as a Details value.
func (is Issue) plain() map[string]any {
	m := map[string]any{"type": is.Type, "code": is.Code, "parameter": is.Parameter, "message": is.Message}
	if is.InstitutionError != nil {
		m["institutionError"] = is.InstitutionError.plain()
	}
	return m
}

// institutionErrorFrom reads an InstitutionError back from Details.
func institutionErrorFrom(v any) *InstitutionError {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	ie := &InstitutionError{}
	ie.ErrorMessage, _ = m["errorMessage"].(string)
	ie.HTTPStatusCode, _ = m["httpStatusCode"].(int)
	return ie
}

// IssuesOf returns the issues of a Yapily error (ApiErrorResponse and V2),
// or nil. Their strings are scrubbed of the request's secrets.
func IssuesOf(e *reauth.APIError) []Issue {
	if e == nil {
		return nil
	}
	list, _ := e.Details[DetailIssues].([]any)
	var out []Issue
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		var is Issue
		is.Type, _ = m["type"].(string)
		is.Code, _ = m["code"].(string)
		is.Parameter, _ = m["parameter"].(string)
		is.Message, _ = m["message"].(string)
		is.InstitutionError = institutionErrorFrom(m["institutionError"])
		out = append(out, is)
	}
	return out
}

// InstitutionErrorOf returns the bank's own error relayed in a Yapily error,
// or nil. Its message is scrubbed of the request's secrets.
func InstitutionErrorOf(e *reauth.APIError) *InstitutionError {
	if e == nil {
		return nil
	}
	if ie := institutionErrorFrom(e.Details[DetailInstitutionError]); ie != nil {
		return ie
	}
	for _, is := range IssuesOf(e) {
		if is.InstitutionError != nil {
			return is.InstitutionError
		}
	}
	return nil
}

// ConsentStatusError reports a consent whose status ends a re-authorisation
// (REJECTED, FAILED, REVOKED, EXPIRED, ...). Unwrap gives the matching
// sentinel: reauth.ErrUserCancelled for REJECTED, reauth.ErrReauthRequired
// for the others (start again, or create a new consent for REVOKED).
type ConsentStatusError struct {
	ConsentID string
	Status    AuthorisationStatus
}

// Error formats the error without any secret.
func (e *ConsentStatusError) Error() string {
	if e == nil {
		return "yapily: consent status error <nil>"
	}
	return fmt.Sprintf("yapily: consent %s is %s", textx.Truncate(e.ConsentID, 256), textx.Truncate(string(e.Status), 64))
}

// Unwrap returns the sentinel the status is a kind of.
func (e *ConsentStatusError) Unwrap() error {
	if e == nil {
		return nil
	}
	if e.Status == StatusRejected {
		return reauth.ErrUserCancelled
	}
	return reauth.ErrReauthRequired
}
