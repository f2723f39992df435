package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
)

// TestSimCommand runs `webrana sim --accounts FILE --state FILE` as a real
// process: it serves the accounts of the file, answers a DigitalOcean client,
// and keeps its state across a restart.
func TestSimCommand(t *testing.T) {
	dir := t.TempDir()
	accounts := filepath.Join(dir, "accounts.json")
	state := filepath.Join(dir, "state.json")
	if err := os.WriteFile(accounts, []byte(`[
		{"provider":"digitalocean","token":"do-token-1","email":"ops@example.com","limit":10,"instances":4},
		{"provider":"linode","token":"li-token-1","email":"li@example.com","limit":5}
	]`), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(buildBinary(t), "sim", "--accounts", accounts, "--state", state, "--addr", "127.0.0.1:0")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		lines := make(chan string, 10)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		return cmd, waitForLine(t, lines, regexp.MustCompile(`webrana sim: (http://\S+)`))
	}
	stop := func(cmd *exec.Cmd) {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("sim exit: %v", err)
		}
	}

	cmd, url := start()
	req, _ := http.NewRequest("GET", url+"/v2/account", nil)
	req.Header.Set("Authorization", "Bearer do-token-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /v2/account: %v %v", res, err)
	}
	res.Body.Close()
	stop(cmd)

	// The restart restores the saved state rather than the file's.
	if err := os.WriteFile(accounts, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, url = start()
	defer stop(cmd)
	res, err = http.Get(url + "/_sim/accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got []struct {
		Email     string
		Instances int
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Email != "ops@example.com" || got[0].Instances != 4 {
		t.Fatalf("accounts after restart: %+v", got)
	}
}
