package mono

import (
	"context"
	"net/http"

	"github.com/reauthkit/reauthkit/internal/httpx"
	"github.com/reauthkit/reauthkit/reauth"
)

// Login is what the user types when the bank wants the credentials again
// (a changed password, an MFA re-login). Both fields are secrets: String,
// GoString and LogValue redact them.
type Login struct {
	Username string
	Password string
}

// StartReauthSession opens a v2 re-auth session for an account (POST
// /v2/connect/reauth/session {"account"}). Mono first tries a background
// login: a Step with ResponseDone carries the code; ResponseInputRequired
// (102) carries a form; ResponseAccountSelection (101) the accounts to pick
// from. Answer with CommitAnswers, or ReauthLogin when the form asks for the
// credentials again.
//
// Mono allows one real-time session per account every 5 minutes; its
// refusal is an *reauth.APIError wrapping reauth.ErrRateLimited, with
// RetryAfter when Mono says how long. The request is retried on network
// errors, 429, 502, 503 and 504 (opening a session spends nothing the user
// typed).
//
// Mono API docs: https://docs.mono.co/docs/financial-data/partners-api-guide/reauth-guide
func (c *Client) StartReauthSession(ctx context.Context, accountID string) (*Step, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if accountID == "" {
		return nil, reauth.MissingInput(reauth.Mono, "accountID")
	}
	req := &httpx.Request{Method: http.MethodPost, Base: c.base, Path: "/v2/connect/reauth/session",
		Header: c.header()}
	body := struct {
		Account string `json:"account"`
	}{accountID}
	return c.step(ctx, req, &body, "")
}

// ReauthLogin sends the user's credentials to a session (POST
// /v2/connect/reauth/login, header x-session-id, {"username","password"}).
// Like CommitAnswers it is one-time: it is retried only when the request
// provably never left (a dial error) or on 429. Wrong credentials are an
// *reauth.APIError; the adapter turns Mono's "incorrect credentials" into
// an *InputRejectedError.
//
// Mono API docs: https://docs.mono.co/docs/financial-data/partners-api-guide/reauth-guide
func (c *Client) ReauthLogin(ctx context.Context, sessionID string, l Login) (*Step, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if err := checkSessionID(sessionID); err != nil {
		return nil, err
	}
	if l.Username == "" {
		return nil, reauth.MissingInput(reauth.Mono, "username")
	}
	if l.Password == "" {
		return nil, reauth.MissingInput(reauth.Mono, "password")
	}
	req := &httpx.Request{Method: http.MethodPost, Base: c.base, Path: "/v2/connect/reauth/login",
		Header: c.sessionHeader(sessionID), OneTime: true, Scrubber: c.scrubber(l.Username, l.Password)}
	body := struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{l.Username, l.Password}
	return c.step(ctx, req, &body, sessionID)
}

// CommitAnswers sends the user's answers to a session's form (POST
// /v2/connect/commit, header x-session-id), one JSON string per field:
// {"otp":"01234"}, {"answer":"…"}, or {"accountNumber":"…"} for an account
// choice. Strings keep an OTP's leading zero.
//
// CommitAnswers spends an OTP: it is never retried, except when the request
// provably never left (a dial error) or on 429. The answer is the next Step
// (done, another form, an account choice).
//
// Mono API docs: https://docs.mono.co/docs/financial-data/partners-api-guide/reauth-guide
func (c *Client) CommitAnswers(ctx context.Context, sessionID string, inputs map[string]string) (*Step, error) {
	req, err := c.commitRequest("/v2/connect/commit", sessionID, inputs)
	if err != nil {
		return nil, err
	}
	return c.step(ctx, req, nil, sessionID) // the body is set
}

// commitRequest validates a commit of either generation and builds its
// one-time request: x-session-id, every answer scrubbed from errors.
func (c *Client) commitRequest(path, sessionID string, inputs map[string]string) (*httpx.Request, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if err := checkSessionID(sessionID); err != nil {
		return nil, err
	}
	if err := checkAnswers(inputs); err != nil {
		return nil, err
	}
	req := &httpx.Request{Method: http.MethodPost, Base: c.base, Path: path,
		Header: c.sessionHeader(sessionID), OneTime: true, Scrubber: c.answerScrubber(inputs)}
	if err := req.SetJSON(inputs); err != nil {
		return nil, err
	}
	return req, nil
}

// step sends a v2 session request (with body as JSON, unless nil: already
// set) and decodes its answer. sessionID is the session the request names,
// kept when the answer names none.
func (c *Client) step(ctx context.Context, req *httpx.Request, body any, sessionID string) (*Step, error) {
	if body != nil {
		if err := req.SetJSON(body); err != nil {
			return nil, err
		}
	}
	var w wireStep
	resp, err := c.http.DoJSON(ctx, req, &w)
	if err != nil {
		return nil, err
	}
	st := w.decode()
	if st.SessionID == "" && resp != nil {
		st.SessionID = resp.Header.Get(HeaderSessionID)
	}
	if st.SessionID == "" {
		st.SessionID = sessionID
	}
	st.Message = req.Scrubber.String(st.Message) // the core scrubs error answers only
	return st, nil
}

// sessionHeader is the key plus x-session-id.
func (c *Client) sessionHeader(sessionID string) http.Header {
	h := c.header()
	h.Set(HeaderSessionID, sessionID)
	return h
}

func checkSessionID(id string) error {
	if id == "" {
		return reauth.MissingInput(reauth.Mono, "sessionID")
	}
	if !validHeaderValue(id) {
		return reauth.InvalidInput(reauth.Mono, "sessionID", "contains invalid characters")
	}
	return nil
}

// checkAnswers validates a commit's answers.
func checkAnswers(inputs map[string]string) error {
	if len(inputs) == 0 {
		return reauth.MissingInput(reauth.Mono, "inputs")
	}
	if _, ok := inputs[""]; ok {
		return reauth.InvalidInput(reauth.Mono, "inputs", "has an empty field name")
	}
	return nil
}

// answerScrubber scrubs the key and every answer. An answer as short as a
// 3-digit OTP is replaced only where it stands as a whole word, so that it
// does not blank every number of a message.
func (c *Client) answerScrubber(inputs map[string]string) *httpx.Scrubber {
	sc := c.scrubber()
	for _, v := range inputs {
		sc.Add(v)
	}
	return sc
}

// scrubber returns a request's Scrubber: the key and the request's own
// secrets. The mono layer uses it on the message of a successful answer,
// which the core does not scrub.
func (c *Client) scrubber(secrets ...string) *httpx.Scrubber {
	return httpx.NewScrubber(append([]string{c.key}, secrets...)...)
}
