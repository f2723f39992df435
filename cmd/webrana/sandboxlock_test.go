package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana/store/storetest"
)

// sandboxReady is the text log line of a sandbox server ready to serve.
var sandboxReady = regexp.MustCompile(`msg=ready url=(http://\S+)`)

// TestOneSandboxPerPostgresDatabase runs the real binary: a second sandbox
// on the database a sandbox runs on exits 1 with one line naming the
// setting, and changes nothing; once the first has ended — even killed —
// a new one starts.
func TestOneSandboxPerPostgresDatabase(t *testing.T) {
	pgURL := storetest.PostgresURL(t, false)
	bin := buildBinary(t)
	env := func() []string {
		return []string{"PATH=" + os.Getenv("PATH"), "WEBRANA_ADDR=127.0.0.1:0", "WEBRANA_DATA_DIR=" + t.TempDir(),
			"WEBRANA_DATABASE_URL=" + pgURL, "WEBRANA_SANDBOX=1", "WEBRANA_DEMO_PASSWORD=sandbox demo pw"}
	}
	first := crashStartProc(t, bin, nil, env(), sandboxReady)
	accounts := func() int { return len(crashSnapshot(t, context.Background(), pgURL).accounts) }
	before := accounts()

	sandboxRefused(t, bin, env(), "webrana: WEBRANA_SANDBOX: another sandbox webrana is running on this PostgreSQL database")
	if after := accounts(); after != before {
		t.Errorf("the refused sandbox changed the pool: %d accounts, was %d", after, before)
	}

	first.kill(t) // the database ends the dead process's session, and its lock
	crashStartProc(t, bin, nil, env(), sandboxReady).stop(t)
}

// TestOneSandboxPerDataDir: a second sandbox on a data dir in use (SQLite,
// the simulator's state) is refused with one line naming the setting; a
// production replica beside a sandbox on one PostgreSQL is not.
func TestOneSandboxPerDataDir(t *testing.T) {
	dir := t.TempDir()
	first := startMain(t, map[string]string{"WEBRANA_DATA_DIR": dir})
	sandboxRefused(t, buildBinary(t), []string{"PATH=" + os.Getenv("PATH"), "WEBRANA_ADDR=127.0.0.1:0", "WEBRANA_DATA_DIR=" + dir},
		"webrana: WEBRANA_DATA_DIR: another sandbox webrana is running on "+dir)
	assertReady(t, first)
	first.stop(t)
	assertReady(t, startMain(t, map[string]string{"WEBRANA_DATA_DIR": dir}))
}

// sandboxRefused runs bin with env and checks that it exits 1 with one line
// starting with want. Should it become ready instead, it is killed and the
// test fails.
func sandboxRefused(t *testing.T, bin string, env []string, want string) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	out := newCrashLines()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.After(time.Minute)
	for running := true; running; {
		out.mu.Lock()
		changed := out.changed // taken before reading, so no line is missed
		out.mu.Unlock()
		if len(out.grep(sandboxReady)) > 0 {
			cmd.Process.Kill()
			<-exited
			t.Fatalf("a second sandbox started:\n%s", out.tail(20))
		}
		select {
		case <-exited:
			running = false
		case <-changed:
		case <-deadline:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("a second sandbox neither started nor ended within a minute:\n%s", out.tail(20))
		}
	}
	lines := nonLogLines(out.tail(1000))
	if code := cmd.ProcessState.ExitCode(); code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Fatalf("second sandbox: exit %d, said %q; want exit 1 and one line starting %q", code, lines, want)
	}
}

// TestProductionReplicaBesideSandbox: the sandbox's lock on a PostgreSQL
// database does not concern production replicas.
func TestProductionReplicaBesideSandbox(t *testing.T) {
	pgURL := storetest.PostgresURL(t, false)
	key := strings.Repeat("3c", 32)
	sandbox := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DATABASE_URL": pgURL,
		"WEBRANA_SANDBOX": "1", "ENCRYPTION_KEY": key})
	replica := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DATABASE_URL": pgURL, "WEBRANA_SANDBOX": "0",
		"ENCRYPTION_KEY": key, "DIGITALOCEAN_API_URL": sandbox.Sim.URL(), "LINODE_API_URL": sandbox.Sim.URL()})
	assertReady(t, replica)
	assertReady(t, sandbox)
}
