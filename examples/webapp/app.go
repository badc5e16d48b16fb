package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for -dsn
	_ "modernc.org/sqlite"             // SQLite driver for -db

	"github.com/reauthkit/reauthkit/reauth"
	"github.com/reauthkit/reauthkit/reauth/flows"
	"github.com/reauthkit/reauthkit/reauth/flows/sqlstore"
	"github.com/reauthkit/reauthkit/reauth/sweep"
)

// demoUser is the one signed-in user of the demo. A real application takes
// it from its session; the Manager refuses a callback for another user's
// flow.
const demoUser = "demo-user"

// repairCookie remembers which connection the browser is repairing, so a
// failed callback (the user denied at the bank) can say which one.
const repairCookie = "webapp_repair"

// Config is what NewApp needs.
type Config struct {
	// BaseURL is where the app is served, as the browser sees it; the
	// providers send the browser back to BaseURL + "/callback".
	BaseURL string
	// SQLitePath is the SQLite file for flows; PostgresDSN, when set, is
	// used instead.
	SQLitePath  string
	PostgresDSN string
	// Logger receives the SDK's logs; nil is silent.
	Logger *slog.Logger
}

// App is the demo web application: an http.Handler.
type App struct {
	mux     *http.ServeMux
	sims    *simulators
	conns   *connections
	db      *sql.DB
	store   string
	reg     *reauth.Registry
	manager *flows.Manager
}

// NewApp starts the simulators, opens the flow store and wires the SDK.
func NewApp(ctx context.Context, cfg Config) (*App, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("webapp: no base URL")
	}
	sims, conns, err := startSimulators(cfg.BaseURL+"/callback", cfg.Logger)
	if err != nil {
		return nil, err
	}
	a := &App{sims: sims, conns: conns}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()

	driver, dsn, dialect := "sqlite", cfg.SQLitePath, sqlstore.SQLite
	a.store = "SQLite " + cfg.SQLitePath
	if cfg.PostgresDSN != "" {
		driver, dsn, dialect = "pgx", cfg.PostgresDSN, sqlstore.Postgres
		a.store = "PostgreSQL"
	}
	if a.db, err = sql.Open(driver, dsn); err != nil {
		return nil, err
	}
	store, err := sqlstore.Open(a.db, dialect)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, err
	}

	reg, err := reauth.NewRegistry(sims.clients...)
	if err != nil {
		return nil, err
	}
	a.reg = reg
	mopts := []flows.Option{
		flows.WithSubject(func(*http.Request) string { return demoUser }),
		flows.WithCookie("reauthkit_flow"),
	}
	if cfg.Logger != nil {
		mopts = append(mopts, flows.WithLogger(cfg.Logger))
	}
	if a.manager, err = flows.NewManager(reg, store, mopts...); err != nil {
		return nil, err
	}

	a.mux = http.NewServeMux()
	a.mux.HandleFunc("GET /{$}", a.dashboard)
	a.mux.HandleFunc("POST /repair/{id}", a.repair)
	a.mux.HandleFunc("GET /flow/{key}", a.showInput)
	a.mux.HandleFunc("POST /flow/{key}", a.answerInput)
	a.mux.Handle("GET /callback", a.manager.CallbackHandler(a.callbackDone, a.callbackFailed))
	ok = true
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// StoreName says where flows are kept.
func (a *App) StoreName() string { return a.store }

// Close stops the simulators and closes the database.
func (a *App) Close() {
	if a.db != nil {
		a.db.Close()
	}
	if a.sims != nil {
		a.sims.Close()
	}
}

// refreshHealth sweeps every connection and records its health: a notice
// for those that crossed a lead, healthy for the rest.
func (a *App) refreshHealth(ctx context.Context) error {
	list := a.conns.list()
	var mu sync.Mutex // notify runs on the sweep's workers
	noticed := map[string]reauth.Health{}
	src := iter.Seq2[sweep.Connection, error](func(yield func(sweep.Connection, error) bool) {
		for _, c := range list {
			if !yield(sweep.Connection{Provider: c.Provider, Request: c.Inspect, Subject: c.ID}, nil) {
				return
			}
		}
	})
	// A fresh ledger per page view: the dashboard shows every notice each
	// time, where a reminder job keeps one ledger to send each notice once.
	s, err := sweep.New(a.reg, sweep.WithConcurrency(5), sweep.WithLedger(sweep.NewMemoryLedger()))
	if err != nil {
		return err
	}
	_, err = s.Run(ctx, src, func(_ context.Context, n sweep.Notice) error {
		mu.Lock()
		noticed[n.Connection.Subject] = n.Health
		mu.Unlock()
		return nil
	})
	for _, c := range list {
		h, ok := noticed[c.ID]
		if !ok {
			h = reauth.Health{Provider: c.Provider, ConnectionID: c.Inspect.ConnectionID, State: reauth.Healthy}
		}
		a.conns.update(c.ID, func(c *Connection) { c.Health = h })
	}
	return err
}

func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	err := a.refreshHealth(r.Context())
	var rows []dashboardRow
	for _, c := range a.conns.list() {
		rows = append(rows, dashboardRow{
			ID: c.ID, Name: c.Name, Provider: string(c.Provider),
			State: string(c.Health.State), Health: describeHealth(c.Health),
			Broken: c.Health.State != reauth.Healthy, Message: c.Message,
		})
	}
	page := dashboardPage{Rows: rows}
	if err != nil {
		page.Error = "The health check did not finish: " + err.Error()
	}
	render(w, http.StatusOK, "dashboard", page)
}

func (a *App) repair(w http.ResponseWriter, r *http.Request) {
	c, ok := a.conns.get(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	key, flow, err := a.manager.Begin(ctx, demoUser, c.Provider, c.Begin)
	if err != nil {
		a.fail(w, c.ID, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: repairCookie, Value: c.ID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	a.next(w, r, key, flow)
}

// next shows the user what the flow asks for.
func (a *App) next(w http.ResponseWriter, r *http.Request, key string, flow *reauth.Flow) {
	switch flow.Step {
	case reauth.StepRedirect:
		a.manager.Redirect(w, r, key, flow)
	case reauth.StepInput:
		http.Redirect(w, r, "/flow/"+key, http.StatusSeeOther)
	default:
		a.callbackDone(w, r, flow)
	}
}

func (a *App) showInput(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	rec, flow, err := a.manager.Get(r.Context(), key)
	if err != nil || rec.Subject != demoUser {
		a.fail(w, "", fmt.Errorf("this re-authentication is not open: %w", reauth.ErrFlowExpired))
		return
	}
	if flow.Step != reauth.StepInput {
		a.next(w, r, key, flow)
		return
	}
	render(w, http.StatusOK, "input", a.inputPage(key, flow, ""))
}

func (a *App) answerInput(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	rec, flow, err := a.manager.Get(r.Context(), key)
	if err != nil || rec.Subject != demoUser {
		a.fail(w, "", fmt.Errorf("this re-authentication is not open: %w", reauth.ErrFlowExpired))
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	inputs := map[string]string{}
	for _, f := range flow.Fields {
		inputs[f.Name] = r.PostForm.Get(f.Name)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	next, err := a.manager.Continue(ctx, key, reauth.Reply{Inputs: inputs})
	var inputErr *reauth.InputError
	switch {
	case errors.Is(err, reauth.ErrInputRejected):
		render(w, http.StatusUnprocessableEntity, "input", a.inputPage(key, flow, "That answer was not accepted by your bank. Please try again."))
	case errors.As(err, &inputErr):
		// Caught before anything was sent (empty, too long): the flow is
		// untouched, so ask again and say what was wrong.
		render(w, http.StatusUnprocessableEntity, "input", a.inputPage(key, flow, "Please check your answer: "+inputErr.Field+" "+inputErr.Reason+"."))
	case err != nil:
		a.fail(w, a.connectionOf(flow), err)
	default:
		a.next(w, r, key, next)
	}
}

func (a *App) inputPage(key string, flow *reauth.Flow, problem string) inputPage {
	p := inputPage{Key: key, Prompt: flow.Prompt, Problem: problem, Fields: flow.Fields}
	if flow.Provider == reauth.Mono {
		p.Hint = "Demo: the simulated bank's code is " + a.sims.MonoOTP() + "."
	}
	return p
}

func (a *App) connectionOf(flow *reauth.Flow) string {
	if flow == nil {
		return ""
	}
	id := flow.ConnectionID
	if id == "" && flow.Result != nil {
		id = flow.Result.ConnectionID
	}
	c, _ := a.conns.find(flow.Provider, id)
	return c
}

// callbackDone records the repaired connection's new credentials. It runs
// again, with the stored flow and without any request to the provider, when
// the browser reloads the callback page.
func (a *App) callbackDone(w http.ResponseWriter, r *http.Request, flow *reauth.Flow) {
	id := a.connectionOf(flow)
	var name string
	a.conns.update(id, func(c *Connection) {
		name = c.Name
		c.Message = "Repaired at " + flow.Result.CompletedAt.Format("15:04:05")
		if flow.Result.CredentialsChanged {
			creds := flow.Result.Credentials
			switch c.Provider {
			case reauth.TrueLayer:
				c.Begin.Token, c.Inspect.Token = creds.RefreshToken, creds.AccessToken
			case reauth.Finch:
				c.Begin.Token, c.Inspect.Token = creds.AccessToken, creds.AccessToken
			}
		}
	})
	render(w, http.StatusOK, "done", donePage{Name: name})
}

func (a *App) callbackFailed(w http.ResponseWriter, r *http.Request, err error) {
	id := ""
	if ck, cerr := r.Cookie(repairCookie); cerr == nil {
		if _, ok := a.conns.get(ck.Value); ok {
			id = ck.Value
		}
	}
	a.fail(w, id, err)
}

// fail tells the user what went wrong and what they can do, from
// reauth.NextAction.
func (a *App) fail(w http.ResponseWriter, connID string, err error) {
	p := failPage{ConnectionID: connID}
	status := http.StatusBadGateway
	if errors.Is(err, flows.ErrNotFound) || errors.Is(err, reauth.ErrStateMismatch) || errors.Is(err, reauth.ErrMissingInput) {
		// Not a re-auth that went wrong: a link that belongs to no flow of
		// this user (stale, forged or another user's).
		p.Message = "This link does not belong to a re-authentication of yours. Start again from your connections."
		p.Detail = err.Error()
		render(w, http.StatusBadRequest, "fail", p)
		return
	}
	switch reauth.NextAction(err) {
	case reauth.ActionBeginAgain:
		status = http.StatusOK
		p.Message = "The re-authentication did not finish. You can try again."
		if errors.Is(err, reauth.ErrUserCancelled) {
			p.Message = "You cancelled at your bank, so the connection is still broken. You can try again."
		}
		p.CanRetry = true
	case reauth.ActionRetryLater:
		status = http.StatusServiceUnavailable
		p.Message = "Your provider is not answering right now. Please try again in a few minutes."
		p.CanRetry = true
	case reauth.ActionNewConnection:
		p.Message = "This connection cannot be repaired: please connect your account again."
	case reauth.ActionAskAgain:
		p.Message = "Your answer was not accepted."
		p.CanRetry = true
	default:
		status = http.StatusBadRequest
		p.Message = "Something is wrong with this link or the app's setup."
	}
	p.Detail = err.Error()
	if connID != "" {
		a.conns.update(connID, func(c *Connection) { c.Message = p.Message })
	}
	render(w, status, "fail", p)
}
