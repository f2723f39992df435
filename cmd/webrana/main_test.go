package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
)

// testEnv returns a getenv over the given variables only, so the tests never
// read the developer's environment.
func testEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// running is a Main serving in the background.
type running struct {
	*Main
	cancel context.CancelFunc
	done   chan error
	stdout *syncBuffer
	stderr *syncBuffer // the logs
}

// startMain opens and serves a Main on a free loopback port.
func startMain(t testing.TB, vars map[string]string) *running {
	t.Helper()
	vars["WEBRANA_ADDR"] = "127.0.0.1:0"
	cfg, err := LoadConfig("test", nil, testEnv(vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	m := NewMain(cfg, stdout, stderr)
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		m.Close()
		t.Fatalf("open: %v\n%s", err, stderr)
	}
	r := &running{Main: m, cancel: cancel, done: make(chan error, 1), stdout: stdout, stderr: stderr}
	go func() { r.done <- m.Serve(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	select {
	case <-m.Ready():
	case err := <-r.done:
		t.Fatalf("Serve ended before it was ready: %v", err)
	}
	return r
}

// stop cancels the server's context and checks it shut down cleanly.
func (r *running) stop(t testing.TB) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	if r.Sim != nil {
		cloudtest.CheckImplemented(t, r.Sim.sim.Stats())
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("server did not stop within a minute")
	}
	if err := r.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func (r *running) get(t *testing.T, path string) (int, map[string]any) {
	t.Helper()
	res, err := http.Get("http://" + r.Addr() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

func TestSandboxServesAndRestartKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"WEBRANA_DATA_DIR": dir}
	first := startMain(t, vars)
	if !first.Config.Sandbox {
		t.Fatal("no database URL should mean sandbox mode")
	}
	assertReady(t, first)
	banner := first.stdout.String()
	if !strings.Contains(banner, "http://"+first.Addr()) || !strings.Contains(banner, "admin@webrana.local") {
		t.Fatalf("banner lacks URL or demo users:\n%s", banner)
	}
	extra := &webrana.User{Email: "kept@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
	if err := first.DB.CreateUser(context.Background(), extra); err != nil {
		t.Fatal(err)
	}
	first.stop(t)

	for _, f := range []string{"encryption.key", "demo-password", "webrana.db", "sim-state.json"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("data dir lacks %s: %v", f, err)
		}
		if f != "webrana.db" && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, info.Mode().Perm())
		}
	}

	second := startMain(t, vars)
	assertReady(t, second)
	if passwordLine(second.stdout.String()) != passwordLine(banner) || passwordLine(banner) == "" {
		t.Errorf("restart printed another demo password:\n%s\nfirst:\n%s", second.stdout, banner)
	}
	if got, want := second.Sim.sim.Accounts(), first.Sim.sim.Accounts(); !reflect.DeepEqual(got, want) || len(got) != len(demoPool) {
		t.Errorf("simulator accounts after restart %+v, want %+v", got, want)
	}
	users, total, err := second.DB.ListUsers(context.Background(), store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || users[2].Email != "kept@example.com" {
		t.Fatalf("after restart: %d users (%v), want the 2 demo users once plus the one created", total, emails(users))
	}
	if string(first.Key) != string(second.Key) {
		t.Error("restart generated a new encryption key")
	}
}

func TestPostgresServes(t *testing.T) {
	url := storetest.PostgresURL(t, false)
	vars := map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DATABASE_URL": url, "WEBRANA_SANDBOX": "1"}
	m := startMain(t, vars)
	if m.DB.Engine() != store.Postgres {
		t.Fatalf("engine %s, want postgres", m.DB.Engine())
	}
	assertReady(t, m)
	m.stop(t)

	// Outside sandbox, with a key, on the now-migrated database.
	unused := filepath.Join(t.TempDir(), "unused")
	vars = map[string]string{"WEBRANA_DATA_DIR": unused, "WEBRANA_DATABASE_URL": url, "ENCRYPTION_KEY": strings.Repeat("0f", 32)}
	prod := startMain(t, vars)
	if prod.Config.Sandbox {
		t.Fatal("a database URL without WEBRANA_SANDBOX should not be sandbox mode")
	}
	assertReady(t, prod)
	if _, err := os.Stat(unused); !os.IsNotExist(err) {
		t.Errorf("production mode on PostgreSQL created the data dir %s (%v)", unused, err)
	}
}

func passwordLine(banner string) string {
	for _, l := range strings.Split(banner, "\n") {
		if strings.Contains(l, "password:") {
			return l
		}
	}
	return ""
}

func assertReady(t *testing.T, r *running) {
	t.Helper()
	if code, _ := r.get(t, "/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	code, body := r.get(t, "/readyz")
	if code != 200 {
		t.Fatalf("/readyz = %d %v", code, body)
	}
	checks, _ := body["checks"].(map[string]any)
	for _, c := range []string{"database", "migrations", "jobs"} {
		if checks[c] != "ok" {
			t.Errorf("readyz check %s = %v", c, checks[c])
		}
	}
}

func emails(users []*webrana.User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.Email)
	}
	return out
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir()})
	entered, release := make(chan struct{}), make(chan struct{})
	m.Server.Handle("GET /slow", web.Public, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	}))
	result := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + m.Addr() + "/slow")
		if err != nil {
			result <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		result <- string(b)
	}()
	<-entered
	m.cancel()
	select {
	case err := <-m.done:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	if got := <-result; got != "finished" {
		t.Fatalf("in-flight request got %q, want it to finish", got)
	}
	if err := <-m.done; err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	m.cancel = nil
	m.Close()
}

func TestBadInputGivesOneClearLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantCode int
		wantLine string
	}{
		{"database URL not postgres", nil, map[string]string{"WEBRANA_DATABASE_URL": "mysql://x"}, 1, "WEBRANA_DATABASE_URL: must be a postgres://"},
		{"database unreachable", nil, map[string]string{"WEBRANA_DATABASE_URL": "postgres://u:hunter2@127.0.0.1:1/db", "WEBRANA_SANDBOX": "1"}, 1, "WEBRANA_DATABASE_URL: connect to PostgreSQL"},
		{"encryption key missing outside sandbox", nil, map[string]string{"WEBRANA_DATABASE_URL": "postgres://u@127.0.0.1:1/db"}, 1, "ENCRYPTION_KEY: required outside sandbox"},
		{"encryption key not hex", nil, map[string]string{"WEBRANA_DATABASE_URL": "postgres://u@127.0.0.1:1/db", "ENCRYPTION_KEY": strings.Repeat("x", 64)}, 1, "ENCRYPTION_KEY: must be hex"},
		{"encryption key short", nil, map[string]string{"ENCRYPTION_KEY": "abc"}, 1, "ENCRYPTION_KEY: must be 64 hex characters, got 3"},
		{"port in use", nil, map[string]string{"WEBRANA_ADDR": busy.Addr().String()}, 1, "WEBRANA_ADDR: " + busy.Addr().String() + " is already in use"},
		{"address malformed", nil, map[string]string{"WEBRANA_ADDR": "8080"}, 1, `WEBRANA_ADDR: "8080" is not host:port`},
		{"data dir unusable", nil, map[string]string{"WEBRANA_DATA_DIR": filepath.Join(notADir, "sub")}, 1, "WEBRANA_DATA_DIR: cannot create"},
		{"shutdown grace not a duration", nil, map[string]string{"WEBRANA_SHUTDOWN_GRACE": "30"}, 1, `WEBRANA_SHUTDOWN_GRACE: "30" is not a positive duration`},
		{"metrics token short", nil, map[string]string{"WEBRANA_METRICS_TOKEN": "hunter2"}, 1, "WEBRANA_METRICS_TOKEN: at least 16 characters"},
		{"metrics both public and protected", nil, map[string]string{"WEBRANA_METRICS_TOKEN": strings.Repeat("a", 32), "WEBRANA_METRICS_PUBLIC": "1"}, 1,
			"WEBRANA_METRICS_PUBLIC: metrics cannot be public and protected by WEBRANA_METRICS_TOKEN at once"},
		{"metrics public not boolean", nil, map[string]string{"WEBRANA_METRICS_PUBLIC": "yes please"}, 1, `WEBRANA_METRICS_PUBLIC: "yes please" is not a boolean`},
		{"sandbox flag not boolean", nil, map[string]string{"WEBRANA_SANDBOX": "maybe"}, 1, `WEBRANA_SANDBOX: "maybe" is not a boolean`},
		{"webhook without secret", nil, map[string]string{"WEBRANA_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hook"}, 1, "WEBRANA_ALERT_WEBHOOK_SECRET: required"},
		{"smtp half configured", nil, map[string]string{"WEBRANA_SMTP_ADDR": "127.0.0.1:25"}, 1, "WEBRANA_SMTP_ADDR and WEBRANA_SMTP_FROM: set both"},
		{"smtp sender not an address", nil, map[string]string{"WEBRANA_SMTP_ADDR": "127.0.0.1:25", "WEBRANA_SMTP_FROM": "Webrana <w@example.com>"}, 1,
			"WEBRANA_SMTP_FROM: \"Webrana <w@example.com>\" is not an e-mail address"},
		{"smtp tls unknown", nil, map[string]string{"WEBRANA_SMTP_TLS": "always"}, 1, `WEBRANA_SMTP_TLS: "always" is not require or opportunistic`},
		{"smtp in production without base URL", nil, map[string]string{"WEBRANA_SANDBOX": "0", "ENCRYPTION_KEY": strings.Repeat("ab", 32),
			"WEBRANA_SMTP_ADDR": "127.0.0.1:25", "WEBRANA_SMTP_FROM": "w@example.com"}, 1, "WEBRANA_BASE_URL: required in production with WEBRANA_SMTP_ADDR"},
		{"alert e-mail without smtp", nil, map[string]string{"WEBRANA_ALERT_EMAIL_TO": "ops@example.com"}, 1, "WEBRANA_ALERT_EMAIL_TO: needs WEBRANA_SMTP_ADDR"},
		{"base URL not http", nil, map[string]string{"WEBRANA_BASE_URL": "panel.example.com"}, 1, "WEBRANA_BASE_URL: \"panel.example.com\" is not an http(s) URL"},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"user add without email", []string{"user", "add"}, nil, 2, "--email is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_USER_PASSWORD": "long enough password"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			var stdout, stderr syncBuffer
			code := run(context.Background(), env{args: tt.args, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: testEnv(vars)})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			lines := nonLogLines(stderr.String())
			if len(lines) == 0 || !strings.HasPrefix(lines[0], "webrana: ") || !strings.Contains(lines[0], tt.wantLine) {
				t.Fatalf("stderr %q, want a line containing %q", lines, tt.wantLine)
			}
			for _, bad := range []string{"goroutine ", "panic", "hunter2"} {
				if strings.Contains(stderr.String(), bad) {
					t.Fatalf("stderr contains %q:\n%s", bad, stderr.String())
				}
			}
		})
	}
}

// nonLogLines drops the structured start-up log lines, leaving what the
// command itself printed.
func nonLogLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" && !strings.HasPrefix(l, "time=") && !strings.HasPrefix(l, "{") {
			out = append(out, l)
		}
	}
	return out
}

// TestUserAdd runs `webrana user add` against SQLite and PostgreSQL, and
// then signs in as the new user.
func TestUserAdd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testUserAdd(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) {
		testUserAdd(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_SANDBOX": "1",
			"WEBRANA_DATABASE_URL": storetest.PostgresURL(t, false)})
	})
}

func testUserAdd(t *testing.T, base map[string]string) {
	add := func(pw string, args ...string) (int, string, string) {
		var stdout, stderr syncBuffer
		vars := map[string]string{"WEBRANA_USER_PASSWORD": pw}
		for k, v := range base {
			vars[k] = v
		}
		code := run(context.Background(), env{args: append([]string{"user", "add"}, args...),
			stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: testEnv(vars)})
		return code, stdout.String(), stderr.String()
	}
	if code, out, errOut := add("a long passphrase", "--email", " Ops@Example.COM ", "--role", "admin"); code != 0 || !strings.Contains(out, "created admin ops@example.com") {
		t.Fatalf("add = %d %q %q", code, out, errOut)
	}
	tests := []struct {
		name, pw string
		args     []string
		want     string
	}{
		{"duplicate", "a long passphrase", []string{"--email", "ops@example.com"}, "already exists"},
		{"weak password", "short", []string{"--email", "x@example.com"}, "password: Password must be at least 10 characters"},
		{"bad role", "a long passphrase", []string{"--email", "x@example.com", "--role", "root"}, `--role: "root" is not admin or customer`},
		{"bad email", "a long passphrase", []string{"--email", "not-an-email"}, "--email:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := add(tt.pw, tt.args...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut, tt.want)
			}
		})
	}
	cfg, err := LoadConfig("test", nil, testEnv(base), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), cfg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(context.Background(), "ops@example.com")
	if err != nil || u.Role != webrana.RoleAdmin || strings.Contains(u.PasswordHash, "passphrase") {
		t.Fatalf("stored user %+v, %v", u, err)
	}
	entries, _, err := db.ListAudit(context.Background(), store.AuditFilter{Action: "user.created"})
	if err != nil || len(entries) != 1 || entries[0].TargetID != u.ID {
		t.Fatalf("audit entries %v, %v; want one user.created for %s", entries, err, u.ID)
	}
	if _, _, err := auth.New(db, nil).Login(context.Background(), "ops@example.com", "a long passphrase", "127.0.0.1", auth.LoginAPI); err != nil {
		t.Fatalf("the new user cannot sign in: %v", err)
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	secretsIn := map[string]string{
		"ENCRYPTION_KEY":        strings.Repeat("ab", 32),
		"WEBRANA_DEMO_PASSWORD": "demo-secret-pw",
		"DO_ACCESS_TOKEN":       "dop_v1_secret_token",
		"WEBRANA_DATABASE_URL":  "postgres://webrana:db-secret-pw@127.0.0.1:5432/webrana",
		"WEBRANA_METRICS_TOKEN": "metrics-secret-token",
		"STRIPE_SECRET_KEY":     "sk_live_stripe-secret-key",
		"STRIPE_WEBHOOK_SECRET": "whsec_stripe-webhook-secret",
	}
	cfg, err := LoadConfig("test", nil, testEnv(secretsIn), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	m := NewMain(cfg, io.Discard, &log)
	m.Logger.Info("config", "config", cfg)
	printed := cfg.String() + log.String()
	for _, s := range []string{"abababab", "demo-secret-pw", "dop_v1_secret_token", "db-secret-pw", "metrics-secret-token", "stripe-secret-key", "stripe-webhook-secret"} {
		if strings.Contains(printed, s) {
			t.Errorf("printed config contains %q:\n%s", s, printed)
		}
	}
	if !strings.Contains(printed, "127.0.0.1:5432") {
		t.Errorf("printed config lost the database host:\n%s", printed)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	cfg, err := LoadConfig("test", []string{"--addr", "127.0.0.1:9999", "--sandbox"},
		testEnv(map[string]string{"WEBRANA_ADDR": "127.0.0.1:1111", "WEBRANA_DATABASE_URL": "postgres://h/db"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || !cfg.Sandbox || cfg.DSN() != "postgres://h/db" {
		t.Fatalf("config %v", cfg)
	}
}
