package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestBinaryStopsCleanlyOnSIGTERM builds the real binary, starts it in
// sandbox mode on a free port, and checks that SIGTERM ends it with exit
// code 0 after a clean shutdown.
func TestBinaryStopsCleanlyOnSIGTERM(t *testing.T) {
	cmd := exec.Command(buildBinary(t))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "WEBRANA_ADDR=127.0.0.1:0", "WEBRANA_DATA_DIR=" + t.TempDir()}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	url := waitForLine(t, lines, regexp.MustCompile(`msg=ready url=(http://\S+)`))
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/healthz = %d", res.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitForLine(t, lines, regexp.MustCompile(`msg="(stopped cleanly)"`))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want code 0", err)
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary builds the real webrana binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "webrana-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "webrana")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// waitForLine reads lines until one matches re and returns its first group.
func waitForLine(t *testing.T, lines <-chan string, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(time.Minute)
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("process ended before %s; output:\n%s", re, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if m := re.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case <-deadline:
			t.Fatalf("no line matching %s within a minute; output:\n%s", re, strings.Join(seen, "\n"))
		}
	}
}
