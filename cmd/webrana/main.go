// Command webrana runs the Webrana control plane and its maintenance tasks.
//
//	webrana [serve]                          run the server (the default)
//	webrana migrate                          apply database migrations and exit
//	webrana user add --email E --role R      create a user
//	webrana sim [--accounts FILE]            run the provider simulator standalone
//	webrana rotate-key                       re-encrypt every secret under a new ENCRYPTION_KEY
//	webrana import --account ID --owner E    adopt servers already running on an account
//	webrana version                          print the version
//
// Configuration comes from the environment (DESIGN.md §9), mirrored by flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is what a subcommand gets from the process: arguments, streams and
// environment, injected so tests run commands in-process.
type env struct {
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{args: os.Args[1:], stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e))
}

const usage = `Usage:
  webrana [serve] [flags]                 run the server (default)
  webrana migrate [flags]                 apply database migrations and exit
  webrana user add --email E --role R     create a user (password from WEBRANA_USER_PASSWORD or prompted)
  webrana sim [--accounts FILE]           run the DigitalOcean/Linode simulator on WEBRANA_SIM_ADDR (127.0.0.1:8090)
  webrana rotate-key                      re-encrypt every secret under ENCRYPTION_KEY (old key in ENCRYPTION_KEY_PREVIOUS)
  webrana import --account ID --owner E (--tag T | --all) [--apply]
                                          adopt servers already running on an account as E's (a dry run without --apply)
  webrana version                         print the version

Run "webrana serve -h" for the settings; each flag mirrors an environment variable.
`

// run dispatches a subcommand and turns its error into one line and an exit
// code: 0 ok, 1 failure, 2 usage.
func run(ctx context.Context, e env) int {
	cmd, rest := "serve", e.args
	if len(e.args) > 0 && e.args[0] != "" && e.args[0][0] != '-' {
		cmd, rest = e.args[0], e.args[1:]
	}
	e.args = rest
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, e)
	case "migrate":
		err = runMigrate(ctx, e)
	case "sim":
		err = runSim(ctx, e)
	case "rotate-key":
		err = runRotateKey(ctx, e)
	case "user":
		err = runUser(ctx, e)
	case "import":
		err = runImport(ctx, e)
	case "version":
		fmt.Fprintf(e.stdout, "webrana %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	case "help":
		fmt.Fprint(e.stdout, usage)
	default:
		fmt.Fprintf(e.stderr, "webrana: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(e.stderr, "webrana: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(e.stderr, "webrana: %v\n", err)
		return 1
	}
}

// usageError is a mistake in how a command was called.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func runServe(ctx context.Context, e env) error {
	cfg, err := LoadConfig("webrana serve", e.args, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	tuneGC(e.getenv)
	m := NewMain(cfg, e.stdout, e.stderr)
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	return m.Serve(ctx)
}

func runMigrate(ctx context.Context, e env) error {
	cfg, err := LoadConfig("webrana migrate", e.args, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	db, err := openForCommand(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(e.stdout, "migrations applied (%s)\n", db.Engine())
	return nil
}
