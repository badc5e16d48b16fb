// Command webapp is a small web application that repairs demo connections of
// all five providers in a browser, the way a real application would: a
// dashboard shows each connection's health (from an expiry sweep) with a
// Repair button; Repair begins a re-auth through a flows.Manager, sends the
// browser to the simulated provider's page, and the provider sends it back
// to the app's callback, which finishes the flow once. Mono asks for an OTP
// (and an account) in the app's own form.
//
// It starts the five simulated providers itself and keeps flows in SQLite (a
// file in a temporary directory unless -db names one), or in PostgreSQL with
// -dsn.
//
//	go run ./examples/webapp            # then open http://127.0.0.1:8080
//	go run ./examples/webapp -addr 127.0.0.1:9000 -db /tmp/flows.db
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve the web app on")
	db := flag.String("db", "", "SQLite file for the flows (default: a file in a new temporary directory)")
	dsn := flag.String("dsn", "", "PostgreSQL DSN for the flows instead of SQLite")
	verbose := flag.Bool("v", false, "log what the SDK does")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *db, *dsn, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, dbPath, dsn string, verbose bool) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	cfg := Config{BaseURL: "http://" + ln.Addr().String(), SQLitePath: dbPath, PostgresDSN: dsn}
	if verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if dsn == "" && dbPath == "" {
		dir, err := os.MkdirTemp("", "reauthkit-webapp-")
		if err != nil {
			ln.Close()
			return err
		}
		defer os.RemoveAll(dir)
		cfg.SQLitePath = filepath.Join(dir, "flows.db")
	}
	app, err := NewApp(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.Close()

	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("reauthkit demo on %s (flows in %s)\n", cfg.BaseURL, app.StoreName())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
