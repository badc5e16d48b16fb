// Command mono re-authenticates a Mono account headlessly with Mono's
// current re-auth API (v2: POST /v2/connect/reauth/session, then login
// and commit): Begin, answer the bank's questions (an OTP, a security
// question, an account choice, the credentials again) on the terminal,
// Continue until done. -v1 uses the legacy Partners API v1 instead.
//
// By default it runs against the simulated Mono (package monotest), so it
// needs no network and no credentials:
//
//	go run ./examples/mono                 # asks for the OTP when stdin is a terminal
//	go run ./examples/mono -otp 01234      # for scripts
//	go run ./examples/mono </dev/null      # no terminal, no -otp: uses the simulated bank's OTP
//	go run ./examples/mono -account acc_credentials   # the bank wants the username and password again
//
// The simulated bank's OTP is 01234 (monotest.DefaultOTP); type a wrong one
// first to see it refused and asked again.
//
// Against the real Mono API, set:
//
//	MONO_SECRET_KEY   your app's secret key (test_sk_… or live_sk_…)
//	MONO_ACCOUNT_ID   the account to re-authenticate
//	MONO_BASE_URL     optional, default https://api.withmono.com
//
// It never prints a secret: not the key, the OTP, nor the code Mono returns.
// (Typed answers are not masked: masking needs golang.org/x/term, which
// this module does not depend on.)
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/reauthkit/reauthkit/mono"
	"github.com/reauthkit/reauthkit/mono/monotest"
	"github.com/reauthkit/reauthkit/reauth"
)

func main() {
	otp := flag.String("otp", "", "the OTP to answer with (skips the prompt)")
	account := flag.String("account", monotest.AccountOTP, "simulated account: "+strings.Join(accounts, ", "))
	v1 := flag.Bool("v1", false, "use Mono's legacy Partners API v1 (deprecated by Mono in 2024)")
	flag.Parse()
	if err := run(context.Background(), *otp, *account, *v1, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mono example:", err)
		os.Exit(1)
	}
}

// accounts are the simulated accounts, one per scenario.
var accounts = []string{monotest.AccountOTP, monotest.AccountOTPThenQuestion, monotest.AccountSelectionThenOTP,
	monotest.AccountCredentials, monotest.AccountBackground}

// answerer decides where each answer comes from: the -otp flag, the
// terminal, or (simulator, no terminal) the simulated bank.
type answerer struct {
	otpFlag  string
	terminal bool
	in       *bufio.Reader
	out      io.Writer
	sim      *monotest.Server // nil against the real API
}

func (a *answerer) answer(f reauth.Field, attempt int) (string, error) {
	if f.Name == monotest.FieldOTP && a.otpFlag != "" && attempt == 0 {
		fmt.Fprintf(a.out, "  %s: (from -otp)\n", f.Label)
		return a.otpFlag, nil
	}
	if a.terminal {
		if len(f.Options) > 0 {
			fmt.Fprintf(a.out, "  options: %s\n", strings.Join(f.Options, ", "))
		}
		fmt.Fprintf(a.out, "  %s: ", f.Label)
		line, err := a.in.ReadString('\n')
		if err == nil || line != "" {
			return strings.TrimSpace(line), nil
		}
		if a.sim == nil {
			return "", fmt.Errorf("reading %s: %w", f.Name, err)
		}
		fmt.Fprintln(a.out)
		a.terminal = false // stdin ended: fall through to the simulated answer
	}
	if a.sim == nil {
		return "", fmt.Errorf("stdin is not a terminal: pass -otp to answer %q", f.Name)
	}
	why := "stdin is not a terminal"
	if f.Name == monotest.FieldOTP {
		why += " and no -otp given"
	}
	fmt.Fprintf(a.out, "  %s: %s: answering with the simulated bank's value\n", f.Label, why)
	return a.sim.Answer(f.Name), nil
}

// isTerminal reports whether f is an interactive terminal: a character
// device, but not /dev/null (also a character device, and what CI often
// gives as stdin).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return false
	}
	return true
}

func run(ctx context.Context, otpFlag, accountID string, v1 bool, stdin *os.File, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()

	a := &answerer{otpFlag: otpFlag, terminal: isTerminal(stdin), in: bufio.NewReader(stdin), out: out}
	var client *mono.Client
	var err error
	var opts []mono.Option
	api := "v2 re-auth session"
	if v1 {
		opts, api = append(opts, mono.WithPartnersAPIV1()), "legacy Partners API v1"
	}
	if key, acc := os.Getenv("MONO_SECRET_KEY"), os.Getenv("MONO_ACCOUNT_ID"); key != "" && acc != "" {
		base := os.Getenv("MONO_BASE_URL")
		if base == "" {
			base = mono.DefaultBaseURL
		}
		fmt.Fprintln(out, "mono: using the real Mono API at", reauth.RedactURL(base))
		client, err = mono.New(mono.Credentials{SecretKey: key}, append(opts, mono.WithBaseURL(base))...)
		accountID = acc
	} else {
		srv := monotest.NewServer()
		defer srv.Close()
		a.sim = srv
		fmt.Fprintln(out, "mono: using the simulated Mono (set MONO_SECRET_KEY and MONO_ACCOUNT_ID for the real API)")
		client, err = mono.New(mono.Credentials{SecretKey: srv.SecretKey()}, append(opts, mono.WithBaseURL(srv.URL))...)
	}
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "mono: begin re-auth of account %s (%s)\n", accountID, api)
	flow, err := client.Begin(ctx, reauth.Request{ConnectionID: accountID})
	if err != nil {
		return err
	}
	for step := 1; flow.Step == reauth.StepInput; step++ {
		fmt.Fprintf(out, "step %d: the bank asks: %s\n", step, flow.Prompt)
		next, err := ask(ctx, client, flow, a)
		if err != nil {
			return err
		}
		flow = next
	}
	if flow.Step != reauth.StepDone {
		return fmt.Errorf("unexpected step %q", flow.Step)
	}
	fmt.Fprintf(out, "mono: done: account %s reconnected (code received: %t)\n",
		flow.Result.ConnectionID, flow.Result.Credentials.Code != "")
	return nil
}

// ask collects the answers and continues, asking again (up to 3 times)
// when Mono rejects them: the flow stays usable.
func ask(ctx context.Context, c *mono.Client, flow *reauth.Flow, a *answerer) (*reauth.Flow, error) {
	for attempt := 0; ; attempt++ {
		inputs := make(map[string]string, len(flow.Fields))
		for _, f := range flow.Fields {
			v, err := a.answer(f, attempt)
			if err != nil {
				return nil, err
			}
			inputs[f.Name] = v
		}
		next, err := c.Continue(ctx, flow, reauth.Reply{Inputs: inputs})
		var rejected *mono.InputRejectedError
		var invalid *reauth.InputError
		switch {
		case err == nil:
			return next, nil
		case attempt < 2 && a.terminal && (errors.As(err, &rejected) || errors.As(err, &invalid)):
			fmt.Fprintln(a.out, "  not accepted:", err)
		default:
			return nil, err
		}
	}
}
