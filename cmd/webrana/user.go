package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
)

// runUser handles "webrana user add --email E --role admin|customer".
func runUser(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "add" {
		return usageError{"user: expected the subcommand add"}
	}
	fs := flag.NewFlagSet("webrana user add", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	email := fs.String("email", "", "the user's e-mail address (required)")
	role := fs.String("role", "customer", "admin or customer")
	// The remaining flags are the server's, so the same database is chosen.
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	cfg, err := LoadConfig("webrana user add", fs.Args(), e.getenv, e.stderr)
	if err != nil {
		return err
	}
	addr, err := webrana.NormalizeEmail(*email)
	if *email == "" {
		return usageError{"user add: --email is required"}
	} else if err != nil {
		return fmt.Errorf("--email: %s", webrana.ErrorMessage(err))
	}
	r := webrana.Role(*role)
	if !r.Valid() {
		return fmt.Errorf("--role: %q is not admin or customer", *role)
	}
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	hash, err := secrets.HashPassword(password)
	if err != nil {
		return err
	}
	db, err := openForCommand(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	u := &webrana.User{Email: addr, Role: r, PasswordHash: hash, EmailVerified: true} // the operator vouches for the address
	if err := db.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("user add: %s", webrana.ErrorMessage(err))
	}
	audit := &webrana.AuditEntry{Action: "user.created", ActorEmail: "cli", TargetType: "user", TargetID: u.ID,
		Detail: "role=" + string(r) + " via webrana user add"}
	if err := db.AppendAudit(ctx, audit); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s %s (id %s) in %s\n", r, u.Email, u.ID, db.Engine())
	return nil
}

// readPassword takes WEBRANA_USER_PASSWORD, or asks on the terminal (twice,
// without echo), or reads one line from a non-terminal stdin.
func readPassword(e env) (string, error) {
	pw := e.getenv("WEBRANA_USER_PASSWORD")
	if pw == "" {
		var err error
		if pw, err = promptPassword(e); err != nil {
			return "", err
		}
	}
	if err := webrana.ValidatePassword(pw); err != nil {
		return "", fmt.Errorf("password: %s", webrana.ErrorMessage(err))
	}
	return pw, nil
}

func promptPassword(e env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprint(e.stderr, "\nRepeat password: ")
		second, err2 := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err = errors.Join(err, err2); err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("password: the two entries differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("password: set WEBRANA_USER_PASSWORD or type it on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
