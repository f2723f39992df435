package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

const prodKey = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"

// standaloneSim is a provider simulator of the test's own, as an operator
// would run `webrana sim`, with a DigitalOcean account of four foreign
// servers (three of size s-1vcpu-1gb, tagged "production").
func standaloneSim(t *testing.T) (*cloudsim.Sim, string) {
	t.Helper()
	sim := cloudsim.New(cloudsim.Config{CreateDelay: time.Nanosecond, ActionDelay: time.Nanosecond})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: "dop_v1_production_test",
		Email: "owner@do.example.com", Limit: 25, Instances: 4}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	return sim, ts.URL
}

func productionVars(t *testing.T, simURL string, more map[string]string) map[string]string {
	vars := map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_SANDBOX": "0", "ENCRYPTION_KEY": prodKey,
		"DIGITALOCEAN_API_URL": simURL, "LINODE_API_URL": simURL}
	for k, v := range more {
		vars[k] = v
	}
	return vars
}

// TestProductionOnSQLite: WEBRANA_SANDBOX=0 without a database URL runs
// production on the embedded SQLite: no simulator, no demo users, accounts
// or plans, the mode said by the banner and /readyz; a provider shows to
// customers only once it has a working account.
func TestProductionOnSQLite(t *testing.T) {
	_, simURL := standaloneSim(t)
	m := startMain(t, productionVars(t, simURL, nil))
	ctx := context.Background()
	if m.Config.Sandbox || m.Sim != nil || m.DB.Engine() != store.SQLite {
		t.Fatalf("sandbox %v, simulator %v, engine %s; want production on SQLite", m.Config.Sandbox, m.Sim != nil, m.DB.Engine())
	}
	assertReady(t, m)
	if _, body := m.get(t, "/readyz"); body["mode"] != "production" {
		t.Fatalf("/readyz mode %v, want production", body["mode"])
	}
	if banner := m.stdout.String(); !strings.Contains(banner, "mode: production (SQLite at ") || strings.Contains(banner, "password") {
		t.Fatalf("banner:\n%s", banner)
	}
	_, users, err := m.DB.ListUsers(ctx, store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := m.DB.ListAccounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	plans, err := m.DB.ListPlans(ctx, store.PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if users != 0 || len(accounts) != 0 || len(plans) != 0 {
		t.Fatalf("production starts with %d users, %d accounts, %d plans; want none", users, len(accounts), len(plans))
	}

	// Enabled providers with no account have nothing to sell.
	customer := prodUser(t, m, "buyer@example.com", webrana.RoleCustomer)
	if got := offeredTypes(t, customer); len(got) != 0 {
		t.Fatalf("offered with no account: %v", got)
	}
	if _, err := m.Pool.Create(ctx, webrana.Actor{}, pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "Main",
		Token: "dop_v1_production_test"}); err != nil {
		t.Fatal(err)
	}
	if got := offeredTypes(t, customer); len(got) != 1 || got[0] != "digitalocean" {
		t.Fatalf("offered with a DigitalOcean account: %v, want digitalocean only", got)
	}
}

// TestReadyzSaysSandbox: the sandbox says so in /readyz and its banner.
func TestReadyzSaysSandbox(t *testing.T) {
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir()})
	if _, body := m.get(t, "/readyz"); body["mode"] != "sandbox" {
		t.Fatalf("/readyz mode %v, want sandbox", body["mode"])
	}
	if !strings.Contains(m.stdout.String(), "mode: sandbox (SQLite at ") {
		t.Fatalf("banner:\n%s", m.stdout)
	}
}

// TestModeChoice: how the environment and flags choose the mode.
func TestModeChoice(t *testing.T) {
	pg := "postgres://u@127.0.0.1:5432/db"
	tests := []struct {
		name    string
		args    []string
		vars    map[string]string
		sandbox bool
	}{
		{"nothing set", nil, nil, true},
		{"WEBRANA_SANDBOX=0", nil, map[string]string{"WEBRANA_SANDBOX": "0"}, false},
		{"WEBRANA_SANDBOX=false", nil, map[string]string{"WEBRANA_SANDBOX": "false"}, false},
		{"--sandbox=false", []string{"--sandbox=false"}, nil, false},
		{"PostgreSQL", nil, map[string]string{"WEBRANA_DATABASE_URL": pg}, false},
		{"PostgreSQL with WEBRANA_SANDBOX=1", nil, map[string]string{"WEBRANA_DATABASE_URL": pg, "WEBRANA_SANDBOX": "1"}, true},
		{"PostgreSQL with --sandbox", []string{"--sandbox"}, map[string]string{"WEBRANA_DATABASE_URL": pg}, true},
		{"the flag wins", []string{"--sandbox=true"}, map[string]string{"WEBRANA_SANDBOX": "0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig("test", tt.args, testEnv(tt.vars), &syncBuffer{})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Sandbox != tt.sandbox {
				t.Fatalf("sandbox %v, want %v", cfg.Sandbox, tt.sandbox)
			}
		})
	}
	var stderr syncBuffer
	if _, err := LoadConfig("test", []string{"--sandbox=maybe"}, testEnv(nil), &stderr); err == nil || !strings.Contains(err.Error(), `"maybe" is not a boolean`) {
		t.Fatalf("--sandbox=maybe: %v", err)
	}
}

// TestProductionNeedsKey: production on SQLite without ENCRYPTION_KEY
// stops with one line naming it.
func TestProductionNeedsKey(t *testing.T) {
	var stdout, stderr syncBuffer
	vars := map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_SANDBOX": "0", "WEBRANA_ADDR": "127.0.0.1:0"}
	code := run(context.Background(), env{args: nil, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: testEnv(vars)})
	lines := nonLogLines(stderr.String())
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "webrana: ENCRYPTION_KEY: required outside sandbox mode") {
		t.Fatalf("exit %d, stderr %q", code, lines)
	}
}

// TestProductionRefusesSandboxData: production on the embedded SQLite
// does not open a data dir a sandbox used (its demo users would be there).
func TestProductionRefusesSandboxData(t *testing.T) {
	dir := t.TempDir()
	sandbox := startMain(t, map[string]string{"WEBRANA_DATA_DIR": dir})
	sandbox.stop(t)
	var stdout, stderr syncBuffer
	vars := map[string]string{"WEBRANA_DATA_DIR": dir, "WEBRANA_SANDBOX": "0", "ENCRYPTION_KEY": prodKey, "WEBRANA_ADDR": "127.0.0.1:0"}
	code := run(context.Background(), env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: testEnv(vars)})
	lines := nonLogLines(stderr.String())
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "webrana: WEBRANA_DATA_DIR: "+dir+" holds a sandbox") {
		t.Fatalf("exit %d, stderr %q", code, lines)
	}
}

// prodUser creates a user in a production server and signs in.
func prodUser(t *testing.T, m *running, email string, role webrana.Role) *webtest.Client {
	t.Helper()
	const pw = "production test password"
	hash, err := secrets.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.DB.CreateUser(context.Background(), &webrana.User{Email: email, Role: role, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c := webtest.New(t, "http://"+m.Addr())
	res := c.Do("POST", "/api/auth/login", map[string]string{"email": email, "password": pw})
	if res.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.JSON(t, &out)
	return c.WithToken(out.Token)
}

func offeredTypes(t *testing.T, c *webtest.Client) []string {
	t.Helper()
	var list struct {
		Items []struct {
			Type string `json:"provider_type"`
			Logo string
		}
	}
	c.Do("GET", "/api/providers", nil).JSON(t, &list)
	var out []string
	for _, p := range list.Items {
		out = append(out, p.Type)
	}
	return out
}

// mapWith is a copy of m with the given key and value pairs set.
func mapWith(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}
