package mono_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/reauthtest"
	"github.com/reauthkit/reauthkit/reauth/reauthtest/sim"
)

// Recognisable secrets: none may show up in an error, a log line or a
// printed value.
const (
	leakKey      = "test_sk_LEAKCHECK_key_5f1e"
	leakWrongKey = "test_sk_LEAKCHECK_wrong_77"
	leakOTP      = "9Q5K1" // letters: digits alone can turn up inside a printed timestamp
	leakAnswer   = "LEAKCHECK-answer-6120"
	leakWebhook  = "LEAKCHECK-webhook-secret"
	leakMockTok  = "LEAKCHECK_reauth_token_x"
	leakMockCode = "code_LEAKCHECK_code_42"
)

func TestNoSecretLeaksAgainstSimulator(t *testing.T) {
	t.Parallel()
	// scan.Logger writes text and JSON, so one run covers both formats.
	scan := reauthtest.NewLeakScan(leakKey, leakWrongKey, leakOTP, leakAnswer, leakWebhook)
	logger := scan.Logger()
	srv := newSim(t, monotest.WithSecretKey(leakKey), monotest.WithOTP(leakOTP),
		monotest.WithSecurityAnswer(leakAnswer), monotest.WithWebhookSecret(leakWebhook))
	c := v1Client(t, srv, mono.WithLogger(logger))
	ctx := context.Background()
	run := func(f *reauth.Flow, err error) *reauth.Flow { scan.Add(f, err); return f }

	// a wrong key, an unknown account, an empty request
	bad, err := mono.New(mono.Credentials{SecretKey: leakWrongKey}, mono.WithBaseURL(srv.URL), mono.WithLogger(logger))
	require.NoError(t, err)
	run(bad.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP}))
	run(c.Begin(ctx, reauth.Request{ConnectionID: "acc_unknown"}))
	run(c.Begin(ctx, reauth.Request{}))
	scan.Add(mono.Credentials{SecretKey: leakKey}, c)

	// the OTP then question flow, with every wrong turn
	flow := run(c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTPThenQuestion}))
	require.NotNil(t, flow)
	run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": leakOTP + "1"}}))            // too long
	run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": leakOTP, "x": leakAnswer}})) // unknown field
	run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "00000"}}))                  // wrong
	srv.Inject(monotest.RouteCommit, 1, sim.Fault{Kind: sim.FaultDropAfterRead})
	run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "00001"}}))
	srv.Inject(monotest.RouteCommit, 1, sim.Fault{Kind: sim.FaultTruncate})
	run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": "00002"}}))
	flow = run(c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTPThenQuestion}))
	q := run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": leakOTP}}))
	require.NotNil(t, q)
	run(c.Continue(ctx, q, reauth.Reply{Inputs: map[string]string{"answer": "wrong answer"}}))
	srv.Inject(monotest.RouteCommit, 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
	run(c.Continue(ctx, q, reauth.Reply{Inputs: map[string]string{"answer": leakAnswer}}))
	done := run(c.Continue(ctx, q, reauth.Reply{Inputs: map[string]string{"answer": leakAnswer}}))
	require.NotNil(t, done)
	scan.AddSecrets(done.Result.Credentials.Code)
	scan.Add(*done, done.Result, *done.Result, done.Result.Credentials)
	run(c.Continue(ctx, done, reauth.Reply{Inputs: map[string]string{"answer": leakAnswer}}))

	// an expired session at Mono
	flow = run(c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP}))
	srv.ExpireSessions()
	run(c.Continue(ctx, flow, reauth.Reply{Inputs: map[string]string{"otp": leakOTP}}))

	// the typed endpoints
	tok, err := c.Reauthorise(ctx, monotest.AccountOTP)
	require.NoError(t, err)
	scan.AddSecrets(tok.Token)
	scan.Add(tok, *tok)
	s, err := c.CreateSession(ctx, tok.Token)
	scan.Add(s, err)
	_, err = c.CreateSession(ctx, tok.Token+"x")
	scan.Add(err)
	for _, e := range srv.Requests() { // every reauth token the sim issued
		if e.Path == monotest.RouteSession[len("POST "):] && len(e.Body) > 20 {
			var v struct {
				ReauthToken string `json:"reauth_token"`
			}
			_ = json.Unmarshal(e.Body, &v)
			scan.AddSecrets(v.ReauthToken)
		}
	}
	res, err := c.Commit(ctx, s.ID, map[string]string{"otp": leakOTP})
	require.NoError(t, err)
	scan.AddSecrets(res.Code)
	scan.Add(res, *res)
	_, err = c.Sync(ctx, monotest.AccountOTPThenQuestion)
	scan.Add(err)

	// link mode, with failed and foreign callbacks
	lc := simClient(t, srv, mono.WithLinkMode(), mono.WithLogger(logger))
	lf := run(lc.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTP, RedirectURI: "https://app.example/cb"}))
	require.NotNil(t, lf)
	scan.AddSecrets(lf.State)
	reply := approve(t, srv, lf)
	scan.AddSecrets(reply.Callback.Get("code"))
	scan.Add(reply)
	bad2 := url.Values{"state": {"x" + lf.State}, "code": {reply.Callback.Get("code")}}
	run(lc.Continue(ctx, lf, reauth.Reply{Callback: bad2}))
	run(lc.Continue(ctx, lf, reauth.Reply{Callback: url.Values{"state": {lf.State}, "status": {"failed"}}}))
	ld := run(lc.Continue(ctx, lf, reply))
	require.NotNil(t, ld)
	l, err := lc.InitiateReauthLink(ctx, mono.LinkRequest{AccountID: monotest.AccountOTP})
	scan.Add(l, err)

	// webhooks
	v, err := mono.NewWebhookVerifier(leakWebhook)
	require.NoError(t, err)
	scan.Add(v)
	body := monotest.WebhookBody(mono.EventAccountReauthorized, "acc")
	r, _ := http.NewRequest(http.MethodPost, "http://x/", bytes.NewReader(body))
	r.Header.Set(mono.HeaderWebhookSecret, leakWebhook+"x")
	_, err = v.Verify(ctx, r, body)
	scan.Add(err)
	r.Header.Set(mono.HeaderWebhookSecret, leakWebhook)
	_, err = v.Verify(ctx, r, []byte("not json "+leakOTP))
	scan.Add(err)

	require.Equal(t, 52, scan.Check(t), "values scanned")
	require.Contains(t, scan.Logs(), "reauthkit:", "the debug logger saw the requests")
}

// A provider that echoes secrets back in its error messages: they are
// scrubbed before they reach an error or a log line.
func TestNoSecretLeaksWhenMonoEchoesThem(t *testing.T) {
	t.Parallel()
	scan := reauthtest.NewLeakScan(leakKey, leakMockTok, leakOTP, leakAnswer, leakMockCode)
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	c, err := mono.New(mono.Credentials{SecretKey: leakKey},
		mono.WithHTTPClient(&http.Client{Transport: mt}), mono.WithBaseURL(testBase),
		mono.WithRetries(1, time.Millisecond, 5*time.Millisecond),
		mono.WithLogger(scan.Logger()))
	require.NoError(t, err)
	// Mono can only echo what a request carried: each answer echoes that.
	echoKey := `{"status":"failed","message":"key ` + leakKey + ` refused","code":"` + leakKey + `"}`
	echoTok := `{"status":"failed","message":"key ` + leakKey + ` token ` + leakMockTok + `","code":"` + leakMockTok + `"}`
	echoIn := `{"status":"failed","message":"key ` + leakKey + ` otp ` + leakOTP + ` answer ` + leakAnswer + `","code":"` + leakOTP + `"}`
	mt.RegisterResponder(http.MethodPost, testBase+"/accounts/acc/reauthorise", httpmock.NewStringResponder(400, echoKey))
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/session", httpmock.NewStringResponder(500, echoTok))
	mt.RegisterResponder(http.MethodPost, testBase+"/v1/connect/commit",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(400, echoIn),
			httpmock.NewStringResponse(200, `{"status":"failed","message":"otp `+leakOTP+` and `+leakAnswer+` wrong"}`),
			httpmock.NewStringResponse(200, `{"status":200,"responseCode":99,"data":{"code":"`+leakMockCode+`"}}`),
			httpmock.NewStringResponse(200, `{"status":200,"responseCode":102,"message":"otp `+leakOTP+` accepted, now `+leakAnswer+`?"}`),
		}))
	ctx := context.Background()
	_, err = c.Reauthorise(ctx, "acc")
	scan.Add(err)
	_, err = c.CreateSession(ctx, leakMockTok)
	scan.Add(err)
	flow := &reauth.Flow{Provider: reauth.Mono, ConnectionID: "acc", Step: reauth.StepInput,
		Fields: []reauth.Field{{Name: "otp", Secret: true}, {Name: "answer"}},
		Resume: map[string]string{"mode": "headless", "session_id": "session_1"}}
	in := reauth.Reply{Inputs: map[string]string{"otp": leakOTP, "answer": leakAnswer}}
	for i := 0; i < 3; i++ {
		f, err := c.Continue(ctx, flow, in)
		scan.Add(f, err)
		if f != nil {
			scan.Add(*f, f.Result)
		}
	}
	// the typed Commit scrubs a 2xx message that echoes the answers
	res, err := c.Commit(ctx, "session_1", in.Inputs)
	require.NoError(t, err)
	require.Contains(t, res.Message, reauth.Redacted)
	scan.Add(res, *res, res.Message)
	scan.Add(flow, *flow, in)
	require.Equal(t, 15, scan.Check(t), "values scanned")
}

// The v2 flows, with every wrong turn, leak no key, OTP, answer, password
// or code into errors, printed flows or logs.
func TestNoSecretLeaksV2(t *testing.T) {
	t.Parallel()
	scan := reauthtest.NewLeakScan(leakKey, leakOTP, leakAnswer, monotest.DefaultPassword, leakWebhook)
	srv := newSim(t, monotest.WithSecretKey(leakKey), monotest.WithOTP(leakOTP),
		monotest.WithSecurityAnswer(leakAnswer), monotest.WithWebhookSecret(leakWebhook))
	c := simClient(t, srv, mono.WithLogger(scan.Logger()))
	ctx := context.Background()
	run := func(f *reauth.Flow, err error) *reauth.Flow { scan.Add(f, err); return f }
	creds := map[string]string{"username": monotest.DefaultUsername, "password": monotest.DefaultPassword}

	login := run(c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountCredentials}))
	require.NotNil(t, login)
	run(c.Continue(ctx, login, reauth.Reply{Inputs: map[string]string{"username": monotest.DefaultUsername, "password": monotest.DefaultPassword + "x"}}))
	srv.Inject(monotest.RouteReauthLogin, 1, sim.Fault{Kind: sim.FaultStatus, Status: 503})
	run(c.Continue(ctx, login, reauth.Reply{Inputs: creds}))
	otp := run(c.Continue(ctx, login, reauth.Reply{Inputs: creds}))
	require.NotNil(t, otp)
	run(c.Continue(ctx, otp, reauth.Reply{Inputs: map[string]string{"otp": "00000"}}))
	done := run(c.Continue(ctx, otp, reauth.Reply{Inputs: map[string]string{"otp": leakOTP}}))
	require.NotNil(t, done)
	scan.AddSecrets(done.Result.Credentials.Code)
	scan.Add(*done, done.Result)

	q := run(c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountOTPThenQuestion}))
	q = run(c.Continue(ctx, q, reauth.Reply{Inputs: map[string]string{"otp": leakOTP}}))
	require.NotNil(t, q)
	run(c.Continue(ctx, q, reauth.Reply{Inputs: map[string]string{"answer": leakAnswer + "?"}}))
	inst := run(c.Begin(ctx, reauth.Request{ConnectionID: monotest.AccountInstitutionError}))
	run(c.Continue(ctx, inst, reauth.Reply{Inputs: map[string]string{"otp": leakOTP}}))
	st, err := c.CommitAnswers(ctx, "session_x", map[string]string{"otp": leakOTP})
	scan.Add(st, err)
	st, err = c.ReauthLogin(ctx, "session_x", mono.Login{Username: "u", Password: monotest.DefaultPassword})
	scan.Add(st, err, mono.Login{Username: "u", Password: monotest.DefaultPassword})
	h, err := c.Inspect(ctx, reauth.Request{ConnectionID: monotest.AccountOTP})
	scan.Add(h, err)
	require.Equal(t, 24, scan.Check(t), "values scanned")
}
