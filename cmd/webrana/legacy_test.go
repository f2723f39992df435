package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store/storetest"
)

// TestLegacyTokenImport: outside the sandbox, DO_ACCESS_TOKEN becomes the
// primary DigitalOcean account (sealed, with a deprecation warning) while
// none exists, and only once.
func TestLegacyTokenImport(t *testing.T) {
	const token = "dop_v1_legacy_single_token_9999"
	vars := map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DATABASE_URL": storetest.PostgresURL(t, false),
		"ENCRYPTION_KEY": strings.Repeat("1f", 32), "DO_ACCESS_TOKEN": token, "WEBRANA_ADDR": "127.0.0.1:0"}
	for run := range 2 {
		cfg, err := LoadConfig("t", nil, testEnv(vars), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		m := NewMain(cfg, io.Discard, &logs)
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		accounts, err := m.DB.ListAccounts(context.Background(), webrana.DigitalOcean)
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 1 || !accounts[0].IsPrimary || accounts[0].TokenHint != "…9999" {
			t.Fatalf("run %d: accounts %+v; want one primary account from DO_ACCESS_TOKEN", run, accounts)
		}
		if got, err := m.Keys.Open(accounts[0].TokenCiphertext); err != nil || got != token {
			t.Fatalf("the imported token opens to %q, %v", got, err)
		}
		if !strings.Contains(logs.String(), "DO_ACCESS_TOKEN is deprecated") || strings.Contains(logs.String(), token) {
			t.Fatalf("run %d: logs lack the deprecation warning or show the token:\n%s", run, logs.String())
		}
		m.Close()
	}
}
