package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool"
)

// runImport handles "webrana import --account ID --owner EMAIL [--tag T |
// --all] [--apply]": servers already running on a provider account become
// the owner's instances. Without --apply it only prints what it would
// adopt.
func runImport(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("webrana import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var req lifecycle.ImportRequest
	fs.StringVar(&req.AccountID, "account", "", "the id of the account whose servers to adopt (required; see /internal/accounts)")
	fs.StringVar(&req.OwnerEmail, "owner", "", "the e-mail of the user the servers will belong to (required)")
	fs.StringVar(&req.Tag, "tag", "", "adopt the servers carrying this tag")
	fs.BoolVar(&req.All, "all", false, "adopt every server of the account (those of Webrana's orders excepted)")
	fs.BoolVar(&req.Apply, "apply", false, "adopt; without it nothing changes and the servers that would be adopted are listed")
	// The remaining flags are the server's, so the same database is chosen.
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	switch {
	case req.AccountID == "" || req.OwnerEmail == "":
		return usageError{"import: --account and --owner are required"}
	case (req.Tag == "") == !req.All:
		return usageError{"import: choose the servers with --tag T or --all (one of them)"}
	}
	cfg, err := LoadConfig("webrana import", fs.Args(), e.getenv, e.stderr)
	if err != nil {
		return err
	}
	if cfg.Sandbox {
		return errors.New("WEBRANA_SANDBOX: import adopts servers from real provider accounts; run it in production mode (WEBRANA_SANDBOX=0, or a database URL) with the server's ENCRYPTION_KEY")
	}
	m := NewMain(cfg, e.stdout, e.stderr)
	defer m.Close()
	if err := m.openForImport(ctx); err != nil {
		return err
	}
	im := lifecycle.NewImporter(m.DB, m.Pool, &lifecycle.ImporterConfig{Now: m.Now})
	lines, err := im.Import(ctx, webrana.Actor{Source: "cli"}, req)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return fmt.Errorf("--account: %s%s", webrana.ErrorMessage(err), m.accountList(ctx))
	}
	if err != nil {
		return fmt.Errorf("import: %s", webrana.ErrorMessage(err))
	}
	printImport(e.stdout, lines, req.Apply)
	return nil
}

// openForImport opens what an import needs: the key, the database (with
// DO_ACCESS_TOKEN imported as serve imports it) and the pool's clients.
func (m *Main) openForImport(ctx context.Context) error {
	key, err := loadKey(m.Config)
	if err != nil {
		return err
	}
	m.Key = key
	if m.Keys, err = keyring(m.Config, key); err != nil {
		return err
	}
	if m.DB, err = openForCommand(ctx, m.Config); err != nil {
		return err
	}
	if err := bootstrap(ctx, m.DB); err != nil {
		return err
	}
	if err := m.importLegacyToken(ctx); err != nil {
		return err
	}
	m.Pool = pool.New(m.DB, m.Keys, m.opener(), &pool.Config{Now: m.Now, Logger: m.Logger})
	return nil
}

// accountList names the accounts an import can read, for a wrong --account.
func (m *Main) accountList(ctx context.Context) string {
	accounts, err := m.DB.ListAccounts(ctx, "")
	if err != nil || len(accounts) == 0 {
		return " (there are no accounts yet: add one at /internal/accounts)"
	}
	var names []string
	for _, a := range accounts {
		names = append(names, fmt.Sprintf("%s %q (%s)", a.ID, a.Name, a.ProviderType))
	}
	return "; the accounts are: " + strings.Join(names, ", ")
}

// printImport lists each server considered and what became of it.
func printImport(w io.Writer, lines []*lifecycle.ImportLine, applied bool) {
	verb := "would adopt"
	if applied {
		verb = "adopted"
	}
	n := 0
	for _, l := range lines {
		s := l.Server
		if l.Instance == nil {
			fmt.Fprintf(w, "skip         %s %q: %s\n", s.ID, s.Name, l.Skip)
			continue
		}
		n++
		fmt.Fprintf(w, "%-12s %s %q as %s: %s, %s (plan %q), %s, %s\n", verb, s.ID, s.Name, l.Instance.Label,
			s.Region, s.Size, l.Plan.Name, l.Instance.Status, strings.TrimSpace(s.IPv4+" "+s.IPv6))
	}
	fmt.Fprintf(w, "%d %s, %d skipped", n, verb, len(lines)-n)
	if !applied {
		fmt.Fprint(w, "; dry run: nothing changed (run again with --apply to adopt)")
	}
	fmt.Fprintln(w)
}
