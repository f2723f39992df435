package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/webrana/webrana/cloudsim"
)

// runSim runs the provider simulator standalone: DigitalOcean under /v2/,
// Linode under /v4/, its admin API under /_sim/ (DESIGN.md §9).
func runSim(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("webrana sim", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", cmp.Or(e.getenv("WEBRANA_SIM_ADDR"), "127.0.0.1:8090"), "listen address (env WEBRANA_SIM_ADDR)")
	accounts := fs.String("accounts", "", "JSON file of accounts: [{provider, token, email, limit, instances, status}]")
	state := fs.String("state", "", "file to keep the simulator's state in across restarts, saved before every change is answered (optional)")
	createDelay := fs.Duration("create-delay", 30*time.Second, "time from create to running")
	actionDelay := fs.Duration("action-delay", 10*time.Second, "time for an action to complete")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	sim := cloudsim.New(cloudsim.Config{CreateDelay: *createDelay, ActionDelay: *actionDelay, Logger: logger,
		StatePath: *state})
	if err := loadSimState(sim, *state, *accounts); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("WEBRANA_SIM_ADDR: cannot listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(e.stdout, "webrana sim: http://%s (DigitalOcean /v2/, Linode /v4/, admin /_sim/), %d accounts\n",
		ln.Addr(), len(sim.Accounts()))
	select {
	case <-ctx.Done():
	case err := <-done:
		return err
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if *state != "" {
		err = errors.Join(err, sim.Save(*state))
	}
	return err
}

// loadSimState restores a saved state if there is one, else adds the
// accounts of the --accounts file.
func loadSimState(sim *cloudsim.Sim, state, accountsFile string) error {
	if state != "" {
		loaded, err := sim.Load(state)
		if err != nil || loaded {
			return err
		}
	}
	if accountsFile == "" {
		return nil
	}
	specs, err := cloudsim.LoadAccountsFile(accountsFile)
	if err != nil {
		return fmt.Errorf("--accounts: %w", err)
	}
	for i, spec := range specs {
		if err := sim.AddAccount(spec); err != nil {
			return fmt.Errorf("--accounts: account %d (%s): %w", i+1, spec.Email, err)
		}
	}
	return nil
}
