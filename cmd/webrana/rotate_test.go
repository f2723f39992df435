package main

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// TestRotateKey seals account tokens (one in the seed's format) and a
// two-factor secret under an old key, rotates, and checks they open under the new key alone, on both
// databases; a token no key opens aborts the rotation with nothing changed.
func TestRotateKey(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRotateKey(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) {
		testRotateKey(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_SANDBOX": "1",
			"WEBRANA_DATABASE_URL": storetest.PostgresURL(t, false)})
	})
}

func testRotateKey(t *testing.T, vars map[string]string) {
	ctx := context.Background()
	oldKey, newKey := secrets.NewKey(), secrets.NewKey()
	// Migrate, then add accounts sealed under the old key.
	if code := run(ctx, env{args: []string{"migrate"}, stdout: &syncBuffer{}, stderr: &syncBuffer{}, getenv: testEnv(vars)}); code != 0 {
		t.Fatal("migrate failed")
	}
	cfg, _ := LoadConfig("t", nil, testEnv(vars), &syncBuffer{})
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := bootstrap(ctx, db); err != nil {
		t.Fatal(err)
	}
	old := secrets.NewKeyring(oldKey, nil)
	tokens := map[string]string{}
	for i, name := range []string{"A", "B"} {
		tok := "dop_v1_token_" + name
		sealed, _ := old.Seal(tok)
		a := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: name, TokenCiphertext: sealed, Limit: 25 + i}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		tokens[a.ID] = tok
	}
	rotate := func(current, previous secrets.Key) (int, string) {
		v := map[string]string{"ENCRYPTION_KEY": hex.EncodeToString(current), "ENCRYPTION_KEY_PREVIOUS": hex.EncodeToString(previous)}
		for k, val := range vars {
			v[k] = val
		}
		var out, errOut syncBuffer
		code := run(ctx, env{args: []string{"rotate-key"}, stdout: &out, stderr: &errOut, getenv: testEnv(v)})
		return code, out.String() + errOut.String()
	}
	// A user's two-factor secret, sealed under the old key too.
	u := &webrana.User{Email: "totp@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	sealedTOTP, _ := old.Seal(totpSecret)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.SetPendingTOTP(ctx, u.ID, sealedTOTP)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if code, out := rotate(newKey, oldKey); code != 0 || !strings.Contains(out, "re-encrypted 3 secrets") {
		t.Fatalf("rotate-key: %d %s", code, out)
	}
	onlyNew := secrets.NewKeyring(newKey, nil)
	for id, want := range tokens {
		a, err := db.AccountByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := onlyNew.Open(a.TokenCiphertext); err != nil || got != want {
			t.Fatalf("after rotation account %s opens to %q, %v", a.Name, got, err)
		}
	}
	row, err := db.TOTPOf(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := onlyNew.Open(row.SecretCiphertext); err != nil || got != totpSecret {
		t.Fatalf("after rotation the two-factor secret opens to %q, %v", got, err)
	}
	// Rotating again is a no-op; a wrong previous key changes nothing.
	if code, out := rotate(newKey, oldKey); code != 0 || !strings.Contains(out, "re-encrypted 0 secrets") {
		t.Fatalf("second rotation: %d %s", code, out)
	}
	if code, out := rotate(secrets.NewKey(), secrets.NewKey()); code != 1 || !strings.Contains(out, "nothing changed") {
		t.Fatalf("rotation with the wrong keys: %d %s", code, out)
	}
	for id, want := range tokens {
		a, _ := db.AccountByID(ctx, id)
		if got, err := onlyNew.Open(a.TokenCiphertext); err != nil || got != want {
			t.Fatal("a failed rotation changed a token")
		}
	}
	if row, _ := db.TOTPOf(ctx, u.ID); row == nil || !onlyNew.Current(row.SecretCiphertext) {
		t.Fatal("a failed rotation changed a two-factor secret")
	}
	// A two-factor secret no key opens aborts the rotation too, account
	// tokens (rotated first) included.
	stray := &webrana.User{Email: "stray@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
	if err := db.CreateUser(ctx, stray); err != nil {
		t.Fatal(err)
	}
	sealedStray, _ := secrets.NewKeyring(secrets.NewKey(), nil).Seal(totpSecret)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.SetPendingTOTP(ctx, stray.ID, sealedStray)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if code, out := rotate(secrets.NewKey(), newKey); code != 1 || !strings.Contains(out, "nothing changed") {
		t.Fatalf("rotation with an unopenable two-factor secret: %d %s", code, out)
	}
	for id := range tokens {
		if a, _ := db.AccountByID(ctx, id); !onlyNew.Current(a.TokenCiphertext) {
			t.Fatal("a rotation that failed on a two-factor secret changed a token")
		}
	}
	entries, _, _ := db.ListAudit(ctx, store.AuditFilter{Action: "keys.rotated"})
	for _, e := range entries {
		for _, tok := range tokens {
			if strings.Contains(e.Detail, tok) {
				t.Fatal("a token reached the audit log")
			}
		}
	}
	if len(entries) != 2 {
		t.Fatalf("%d keys.rotated audit entries, want 2", len(entries))
	}
}
