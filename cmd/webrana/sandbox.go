package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Sandbox demo users (DESIGN.md §9).
var demoUsers = []struct {
	email string
	role  webrana.Role
}{
	{"admin@webrana.local", webrana.RoleAdmin},
	{"demo@webrana.local", webrana.RoleCustomer},
}

func keyFile(cfg *Config) string          { return filepath.Join(cfg.DataDir, "encryption.key") }
func demoPasswordFile(cfg *Config) string { return filepath.Join(cfg.DataDir, "demo-password") }

// bootstrapSandbox creates the demo users once and remembers their password
// for the banner Serve prints. The demo password is WEBRANA_DEMO_PASSWORD, or one generated on first start
// and kept (mode 0600) in the data dir, so a restart prints the same one.
func (m *Main) bootstrapSandbox(ctx context.Context) error {
	password, err := demoPassword(m.Config)
	if err != nil {
		return err
	}
	for _, d := range demoUsers {
		u, err := m.DB.UserByEmail(ctx, d.email)
		switch {
		case err == nil && m.Config.DemoPassword != "":
			if ok, _ := secrets.VerifyPassword(u.PasswordHash, password); !ok {
				err = m.setPassword(ctx, u.ID, password) // the operator chose a new demo password
			}
		case webrana.ErrorCode(err) == webrana.ENOTFOUND:
			err = m.createDemoUser(ctx, d.email, d.role, password)
		}
		if err != nil {
			return fmt.Errorf("sandbox demo user %s: %w", d.email, err)
		}
	}
	m.demoPassword = password
	return m.welcomeCredit(ctx)
}

// DemoCredit is the sandbox customer's starting balance (100.00 USD), so
// that a newcomer can order servers at once.
const DemoCredit = 10_000

// welcomeCredit credits the demo customer once (an idempotency key makes a
// restart a no-op).
func (m *Main) welcomeCredit(ctx context.Context) error {
	u, err := m.DB.UserByEmail(ctx, demoUsers[1].email)
	if err != nil {
		return err
	}
	_, err = m.DB.AppendLedger(ctx, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: DemoCredit,
		Currency: webrana.BillingCurrency, Note: "Sandbox welcome credit", IdempotencyKey: "sandbox:welcome-credit"})
	if err != nil {
		return fmt.Errorf("sandbox welcome credit: %w", err)
	}
	return nil
}

// printBanner tells a newcomer where the sandbox is and how to sign in.
func (m *Main) printBanner() {
	fmt.Fprintf(m.stdout, "\nWebrana sandbox: http://%s\n  mode: sandbox (%s)\n  admin:    %s\n  customer: %s\n  password: %s\n  provider simulator: %s (admin API also at /_sim/ for admins)\n\n",
		m.Addr(), m.Config.Where(), demoUsers[0].email, demoUsers[1].email, m.demoPassword, m.Sim.URL())
}

func (m *Main) createDemoUser(ctx context.Context, email string, role webrana.Role, password string) error {
	hash, err := secrets.HashPassword(password)
	if err != nil {
		return err
	}
	return m.DB.CreateUser(ctx, &webrana.User{Email: email, Role: role, PasswordHash: hash, EmailVerified: true})
}

func (m *Main) setPassword(ctx context.Context, userID, password string) error {
	hash, err := secrets.HashPassword(password)
	if err != nil {
		return err
	}
	_, err = m.DB.UpdateUser(ctx, userID, store.UserUpdate{PasswordHash: &hash})
	return err
}

func demoPassword(cfg *Config) (string, error) {
	if cfg.DemoPassword != "" {
		if err := webrana.ValidatePassword(cfg.DemoPassword); err != nil {
			return "", fmt.Errorf("WEBRANA_DEMO_PASSWORD: %s", webrana.ErrorMessage(err))
		}
		return cfg.DemoPassword, nil
	}
	path := demoPasswordFile(cfg)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo password file: %w", err)
	}
	pw := rand.Text()[:16]
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo password file: %w", err)
	}
	return pw, nil
}
