package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// Settings of the crash test.
const (
	crashOrders      = 100
	crashPlacers     = 10 // goroutines placing the orders
	crashCredit      = 100000
	crashFirstDay    = 24 // min(24 × price_hourly 1, price_monthly 600)
	crashPreexisting = 2  // servers each simulator account runs that Webrana did not make
	crashPassword    = "crash test passphrase 1"
	crashRootPW      = "Kx9!mQ2#vLp7"
	crashKey         = "5f3c9a1e7b2d4c6f8a0e1d3b5c7a9f2e4d6b8c0a1f3e5d7b9c2a4e6f8b0d1c3a"
	crashRecovery    = 3 * time.Minute
)

// crashTokens are the simulator's DigitalOcean accounts: 78 free slots
// each, 156 together, so every order can succeed.
var crashTokens = []string{"dop_v1_crash_account_a", "dop_v1_crash_account_b"}

// TestCrashDuringOrders kills the real binary with SIGKILL while 100 orders
// are in flight, restarts it, and checks that every order ends active or
// failed-and-released: no duplicate servers at the simulator (counted by
// the orders' tags), no reservation leaked, and the ledger balanced.
//
// It runs on PostgreSQL with the simulator as a process of its own, so the
// provider outlives the crash as a real one would.
func TestCrashDuringOrders(t *testing.T) {
	pgURL := storetest.PostgresURL(t, false)
	bin := buildBinary(t)
	ctx := context.Background()

	sim := crashStartSim(t, bin)
	env := crashEnv(t, pgURL, sim.url,
		"WEBRANA_JOB_TIMEOUT=5s",
		"WEBRANA_JOB_RESCUE_AFTER=5s")
	crashAddUsers(t, bin, env)

	first := crashStartWebrana(t, bin, env)
	admin, customer, planID := crashShop(t, first.url)

	// Every create takes 1.5s at the provider, as a real one takes a
	// while: with 10 workers, about 10 creates are always in flight, so the
	// kill catches orders at every step (queued, holding a reservation with
	// the create sent, booting). The simulator finishes a create whose
	// caller died, as a provider would: its answer is lost.
	crashSimFault(t, sim, "POST", map[string]any{"provider": "digitalocean", "method": "POST", "path_prefix": "/v2/droplets",
		"latency_ms": 1500})

	// 100 orders at once.
	placed := crashPlace(t, customer, planID, crashOrders)

	// Kill once at least 10 servers are recorded (booting) and at least 5
	// creates are in flight.
	crashWaitInFlight(t, ctx, pgURL, 10, 5)
	first.kill(t)
	killedAt := time.Now()
	atKill := crashSnapshot(t, ctx, pgURL)
	t.Logf("killed with SIGKILL: %d of %d orders active at the kill; orders by status/step %v, %d reservations held; the simulator has %d new servers",
		atKill.orders["succeeded/done"], crashOrders, atKill.orders, atKill.reservations, crashSimCreated(t, sim))
	if atKill.orders["succeeded/done"] == crashOrders {
		t.Fatal("every order was done before the kill: the test killed nothing in flight")
	}
	if atKill.orders["running/creating"] == 0 || atKill.reservations == 0 {
		t.Fatal("the kill caught no order creating its server: the test did not exercise a lost create")
	}
	crashSimFault(t, sim, "DELETE", nil)

	// Restart on the same database and wait for every order to end.
	second := crashStartWebrana(t, bin, env)
	t.Logf("restarted and ready %s after the kill", time.Since(killedAt).Round(time.Millisecond))
	items := crashAwaitSettled(t, admin.at(second.url), second, killedAt, crashOrders)
	admin, customer = admin.at(second.url), customer.at(second.url)

	// Every order is active with an address, or failed with a reason.
	active, failed := map[string]*crashInstance{}, map[string]*crashInstance{}
	if len(items) != crashOrders {
		t.Fatalf("%d instances listed, want %d", len(items), crashOrders)
	}
	for _, in := range items {
		if _, ok := placed[in.ID]; !ok {
			t.Errorf("instance %s (%s) was never ordered", in.ID, in.Label)
		}
		switch {
		case in.Status == "active" && in.IPv4 != "" && in.ProviderID != "":
			active[in.ID] = in
		case in.Status == "failed" && in.Error != "":
			failed[in.ID] = in
		default:
			t.Errorf("instance %s (%s) ended %s (ipv4 %q, provider_id %q, error %q): want active with an address or failed with a reason",
				in.ID, in.Label, in.Status, in.IPv4, in.ProviderID, in.Error)
		}
	}
	t.Logf("outcome: %d active, %d failed", len(active), len(failed))
	for _, in := range failed {
		t.Logf("failed order of %s (%s): %s", in.ID, in.Label, in.Error)
	}

	// Each order's id, for its tag at the provider.
	orderOf := map[string]string{}
	for id := range placed {
		var detail struct {
			Progress *struct {
				OrderID string `json:"order_id"`
				Status  string `json:"status"`
			} `json:"progress"`
		}
		admin.must(t, "GET", "/api/vps/"+id, nil, http.StatusOK, &detail)
		if detail.Progress == nil || detail.Progress.OrderID == "" {
			t.Fatalf("instance %s has no progress.order_id", id)
		}
		orderOf[id] = detail.Progress.OrderID
		want := map[bool]string{true: "succeeded", false: "failed"}[active[id] != nil]
		if detail.Progress.Status != want {
			t.Errorf("order %s of instance %s is %s, want %s", detail.Progress.OrderID, id, detail.Progress.Status, want)
		}
	}

	// Ledger: the first day charged for each active server, every hold
	// released exactly once, nothing else.
	ledger := crashLedger(t, customer)
	if want := int64(crashCredit - crashFirstDay*len(active)); ledger.balance != want {
		t.Errorf("balance %d, want %d (credit %d − %d active × %d)", ledger.balance, want, crashCredit, len(active), crashFirstDay)
	}
	if ledger.count["hold"] != crashOrders || ledger.count["release"] != crashOrders || ledger.count["charge"] != len(active) ||
		ledger.count["credit"] != 1 || ledger.count["refund"] != 0 {
		t.Errorf("ledger entries by kind %v, want %d hold, %d release, %d charge, 1 credit", ledger.count, crashOrders, crashOrders, len(active))
	}
	for id := range placed {
		if h, r := ledger.byInstance[id]["hold"], ledger.byInstance[id]["release"]; h != 1 || r != 1 {
			t.Errorf("instance %s: %d holds and %d releases, want 1 and 1", id, h, r)
		}
		want := map[bool]int{true: 1, false: 0}[active[id] != nil]
		if c := ledger.byInstance[id]["charge"]; c != want {
			t.Errorf("instance %s: %d charges, want %d", id, c, want)
		}
	}

	// No reservation leaked, no order or attempt left open.
	after := crashSnapshot(t, ctx, pgURL)
	if after.reservations != 0 {
		t.Errorf("%d reservations left after every order ended, want 0", after.reservations)
	}
	for name, n := range after.reserved {
		if n != 0 {
			t.Errorf("account %s has reserved_count %d after every order ended, want 0", name, n)
		}
	}
	if after.openAttempts != 0 {
		t.Errorf("%d order attempts left started, want 0", after.openAttempts)
	}

	// Counting is exact (store/capacity.go): a server created in the second
	// before the kill and adopted after a restart that synced first is
	// counted once. The counts are read as the orders left them, then after
	// an operator's "Sync all", which must change nothing.
	crashSyncAll(t, admin)
	synced := crashSnapshot(t, ctx, pgURL)

	// Stop webrana cleanly, so nothing changes at the simulator while it is
	// counted.
	second.stop(t)

	// The provider has exactly one server per active order, the one it
	// recorded, and none for a failed one; no tagged server is left over.
	// Each account's every server is listed (two requests) and counted by
	// the order tag: a tag_name lookup per order and account would be 200
	// requests, beyond what DigitalOcean's 250 a minute leaves after the
	// orders, and find the same servers.
	tagged := map[string][]string{} // tag → droplet ids, over both accounts
	perAccount := map[string]int{}
	// A server made within 3s of the kill was made by a create the killed
	// process sent (the simulator finishes it after its 1.5s latency); the
	// restarted one cannot create before River rescues the job, which
	// takes far longer (a new leader must be elected first).
	lost := map[string]bool{} // tag → the killed process's create made a server with it
	for _, tok := range crashTokens {
		for _, d := range crashDroplets(t, sim, tok) {
			perAccount[tok]++
			for _, tag := range d.Tags {
				if strings.HasPrefix(tag, "webrana-order-") {
					tagged[tag] = append(tagged[tag], strconv.FormatInt(d.ID, 10))
					lost[tag] = lost[tag] || d.CreatedAt.Before(killedAt.Add(3*time.Second))
				}
			}
		}
	}
	adopted := 0
	for _, id := range atKill.creating {
		if lost["webrana-order-"+id] {
			adopted++
		}
	}
	t.Logf("of the %d orders creating at the kill, %d had their server made by the create the killed process sent (answer lost), and adopted it",
		len(atKill.creating), adopted)
	for id, orderID := range orderOf {
		tag := "webrana-order-" + orderID
		ids := tagged[tag]
		if in := active[id]; in != nil {
			if len(ids) != 1 || ids[0] != in.ProviderID {
				t.Errorf("active order %s (instance %s, provider_id %s): the simulator has %d servers tagged %s (%v), want exactly that one",
					orderID, id, in.ProviderID, len(ids), tag, ids)
			}
		} else if len(ids) != 0 {
			t.Errorf("failed order %s (instance %s): the simulator has %d servers tagged %s (%v), want none", orderID, id, len(ids), tag, ids)
		}
		delete(tagged, tag)
	}
	for tag, ids := range tagged {
		t.Errorf("the simulator has servers %v tagged %s, which is no order's", ids, tag)
	}
	sum := 0
	for _, n := range perAccount {
		sum += n - crashPreexisting
	}
	if sum != len(active) {
		t.Errorf("the simulator runs %d servers beyond those it started with, want %d (one per active order)", sum, len(active))
	}
	// Each account's count is what the provider runs on it, as the orders
	// left it: a server whose lost create was adopted after the restart is
	// not counted twice when a sync has already listed it.
	for _, a := range after.accounts {
		if a.active != perAccount[a.token] {
			t.Errorf("account %s: active_count %d when the orders ended; the simulator runs %d servers on it",
				a.name, a.active, perAccount[a.token])
		}
	}
	for _, a := range synced.accounts {
		if a.active != perAccount[a.token] || a.reserved != 0 {
			t.Errorf("account %s after a sync: active_count %d, reserved_count %d; the simulator runs %d servers on it",
				a.name, a.active, a.reserved, perAccount[a.token])
		}
	}
	var stats cloudsim.Stats
	(&crashClient{base: sim.url}).must(t, "GET", "/_sim/stats", nil, http.StatusOK, &stats)
	cloudtest.CheckImplemented(t, stats)
	requests := map[string]int{}
	for _, r := range stats.Requests {
		requests[r.Account] += r.Count
	}
	t.Logf("the simulator answered %v requests per account, %d of them 429", requests, stats.RateLimited)
	sim.stop(t)
}

// crashProc is a child process whose output is kept line by line.
type crashProc struct {
	cmd     *exec.Cmd
	out     *crashLines
	url     string
	exited  chan struct{} // closed once the process ended and waitErr is set
	waitErr error
}

// crashStartProc starts bin with args and env, keeps its output, kills it at
// the end of the test if it still runs, and waits for the line matching
// ready, whose first group is its URL.
func crashStartProc(t *testing.T, bin string, args, env []string, ready *regexp.Regexp) *crashProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	p := &crashProc{cmd: cmd, out: newCrashLines(), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("last output of webrana %s:\n%s", strings.Join(args, " "), p.out.tail(40))
		}
	})
	p.url = p.out.wait(t, ready, p.exited)
	return p
}

// kill ends the process with SIGKILL: no shutdown, no cleanup.
func (p *crashProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the process did not end within 30s of SIGKILL")
	}
}

// stop ends the process with SIGTERM, checks it exits with code 0, and
// returns how long it took from the signal to the exit.
func (p *crashProc) stop(t *testing.T) time.Duration {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	select {
	case <-p.exited:
		if p.waitErr != nil {
			t.Errorf("exit after SIGTERM: %v, want code 0; output:\n%s", p.waitErr, p.out.tail(20))
		}
	case <-time.After(time.Minute):
		t.Fatal("the process did not stop within a minute of SIGTERM")
	}
	return time.Since(signalled)
}

// crashLines keeps a process's output, line by line, and wakes waiters.
type crashLines struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{}
}

func newCrashLines() *crashLines { return &crashLines{changed: make(chan struct{})} }

func (l *crashLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// wait returns the first group of the first line matching re.
func (l *crashLines) wait(t *testing.T, re *regexp.Regexp, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if m := re.FindStringSubmatch(line); m != nil {
				l.mu.Unlock()
				return m[1]
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-exited:
			t.Fatalf("process ended before a line matching %s; output:\n%s", re, l.tail(100))
		case <-deadline:
			t.Fatalf("no line matching %s within a minute; output:\n%s", re, l.tail(100))
		}
	}
}

// tail is the last n lines.
func (l *crashLines) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[max(0, len(l.lines)-n):], "\n")
}

// grep is every line matching re.
func (l *crashLines) grep(re *regexp.Regexp) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if re.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// crashStartSim runs `webrana sim` with two DigitalOcean accounts.
func crashStartSim(t *testing.T, bin string) *crashProc {
	t.Helper()
	var specs []map[string]any
	for i, tok := range crashTokens {
		specs = append(specs, map[string]any{"provider": "digitalocean", "token": tok,
			"email": fmt.Sprintf("crash-%d@example.com", i+1), "limit": 80, "instances": crashPreexisting})
	}
	data, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "accounts.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return crashStartProc(t, bin, []string{"sim", "--accounts", file, "--addr", "127.0.0.1:0", "--create-delay", "2s"},
		[]string{"PATH=" + os.Getenv("PATH")}, regexp.MustCompile(`webrana sim: (http://\S+)`))
}

// crashReady is the JSON log line of a server ready outside sandbox mode.
var crashReady = regexp.MustCompile(`"msg":"ready","url":"(http://[^"]+)"`)

func crashStartWebrana(t *testing.T, bin string, env []string) *crashProc {
	t.Helper()
	return crashStartProc(t, bin, nil, env, crashReady)
}

// crashEnv is the environment of a production webrana on pgURL whose
// providers are the standalone simulator at simURL, plus extra settings.
func crashEnv(t *testing.T, pgURL, simURL string, extra ...string) []string {
	t.Helper()
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"WEBRANA_ADDR=127.0.0.1:0",
		"WEBRANA_DATA_DIR=" + t.TempDir(),
		"WEBRANA_DATABASE_URL=" + pgURL,
		"ENCRYPTION_KEY=" + crashKey,
		"DIGITALOCEAN_API_URL=" + simURL,
		"LINODE_API_URL=" + simURL,
		"WEBRANA_PROVISION_POLL=200ms",
	}, extra...)
}

// crashAddUsers adds the test's administrator and customer.
func crashAddUsers(t *testing.T, bin string, env []string) {
	t.Helper()
	crashAddUser(t, bin, env, "admin@crash.example.com", "admin")
	crashAddUser(t, bin, env, "customer@crash.example.com", "customer")
}

// crashShop signs both users in at base, adds the simulator's accounts and
// a plan, and credits the customer: everything an order needs. It returns
// the two clients and the plan's id.
func crashShop(t *testing.T, base string) (admin, customer *crashClient, planID string) {
	t.Helper()
	admin = crashLogin(t, base, "admin@crash.example.com")
	customer = crashLogin(t, base, "customer@crash.example.com")
	for i, tok := range crashTokens {
		admin.must(t, "POST", "/internal/accounts", map[string]any{"provider_type": "digitalocean",
			"name": fmt.Sprintf("crash-%c", 'a'+i), "token": tok}, http.StatusCreated, nil)
	}
	var plan struct{ ID string }
	admin.must(t, "POST", "/api/admin/plans", map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb",
		"name": "Crash 1 GB", "price_monthly": 600, "price_hourly": 1, "currency": "USD", "regions": []string{"sgp1"},
		"is_active": true}, http.StatusCreated, &plan)
	var me struct{ ID string }
	customer.must(t, "GET", "/api/me", nil, http.StatusOK, &me)
	admin.must(t, "POST", "/api/admin/customers/"+me.ID+"/credit", map[string]any{"amount": crashCredit, "note": "crash test"},
		http.StatusCreated, nil)
	return admin, customer, plan.ID
}

// crashAddUser runs `webrana user add` on the test's database.
func crashAddUser(t *testing.T, bin string, env []string, email, role string) {
	t.Helper()
	cmd := exec.Command(bin, "user", "add", "--email", email, "--role", role)
	cmd.Env = append(append([]string{}, env...), "WEBRANA_USER_PASSWORD="+crashPassword)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add %s: %v\n%s", email, err, out)
	}
}

// crashClient calls the API with a bearer token.
type crashClient struct {
	base, token string
}

func (c *crashClient) at(base string) *crashClient { return &crashClient{base: base, token: c.token} }

func (c *crashClient) do(method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err
}

// must calls the API, fails the test unless the answer has status want, and
// decodes it into out (when not nil).
func (c *crashClient) must(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	code, data, err := c.do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if code != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, code, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

func crashLogin(t *testing.T, base, email string) *crashClient {
	t.Helper()
	var res struct{ Token string }
	(&crashClient{base: base}).must(t, "POST", "/api/auth/login", map[string]string{"email": email, "password": crashPassword},
		http.StatusOK, &res)
	return &crashClient{base: base, token: res.Token}
}

// crashPlace places n orders from crashPlacers goroutines at once and
// returns the instances' labels by id. Every order must be accepted (202).
func crashPlace(t *testing.T, customer *crashClient, planID string, n int) map[string]string {
	t.Helper()
	var (
		mu     sync.Mutex
		placed = map[string]string{}
		errs   []string
		wg     sync.WaitGroup
	)
	start := time.Now()
	for g := range crashPlacers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += crashPlacers {
				label := fmt.Sprintf("crash-%d", i)
				code, data, err := customer.do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": planID,
					"region": "sgp1", "image": "ubuntu-24-04-x64", "label": label, "root_password": crashRootPW})
				var in struct{ ID string }
				if err == nil && code == http.StatusAccepted {
					err = json.Unmarshal(data, &in)
				}
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, fmt.Sprintf("order %s: %v", label, err))
				case code != http.StatusAccepted || in.ID == "":
					errs = append(errs, fmt.Sprintf("order %s = %d %s, want 202 with the instance", label, code, data))
				default:
					placed[in.ID] = label
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d orders not accepted:\n%s", len(errs), n, strings.Join(errs, "\n"))
	}
	if len(placed) != n {
		t.Fatalf("%d distinct instances for %d orders", len(placed), n)
	}
	t.Logf("placed %d orders in %s", n, time.Since(start).Round(time.Millisecond))
	return placed
}

// crashWaitInFlight polls the database until at least booting orders have
// their server recorded and at least creating orders are creating theirs.
func crashWaitInFlight(t *testing.T, ctx context.Context, pgURL string, booting, creating int) {
	t.Helper()
	db, err := store.Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		var b, c int
		err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE step = 'booting'), COUNT(*) FILTER (WHERE step = 'creating')
			FROM orders`).Scan(&b, &c)
		if err != nil {
			t.Fatal(err)
		}
		if b >= booting && c >= creating {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute %d orders booting and %d creating, want at least %d and %d", b, c, booting, creating)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// crashSimCreated is how many servers the simulator runs beyond those it
// started with.
func crashSimCreated(t *testing.T, sim *crashProc) int {
	t.Helper()
	var accounts []struct{ Instances int }
	(&crashClient{base: sim.url}).must(t, "GET", "/_sim/accounts", nil, http.StatusOK, &accounts)
	created := 0
	for _, a := range accounts {
		created += a.Instances - crashPreexisting
	}
	return created
}

// crashState is what the database says about orders and capacity.
type crashState struct {
	orders       map[string]int // "status/step" → orders
	creating     []string       // ids of the orders creating their server
	reservations int
	openAttempts int
	reserved     map[string]int // account name → reserved_count
	accounts     []crashAccount
}

type crashAccount struct {
	name, token      string
	active, reserved int
}

// crashSnapshot reads the database directly.
func crashSnapshot(t *testing.T, ctx context.Context, pgURL string) crashState {
	t.Helper()
	db, err := store.Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := crashState{orders: map[string]int{}, reserved: map[string]int{}}
	rows, err := db.SQL().QueryContext(ctx, `SELECT status, step, COUNT(*) FROM orders GROUP BY status, step`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var status, step string
		var n int
		if err := rows.Scan(&status, &step, &n); err != nil {
			t.Fatal(err)
		}
		st.orders[status+"/"+step] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	rows, err = db.SQL().QueryContext(ctx, `SELECT id FROM orders WHERE step = 'creating'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		st.creating = append(st.creating, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM reservations`).Scan(&st.reservations); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM order_attempts WHERE outcome = 'started'`).Scan(&st.openAttempts); err != nil {
		t.Fatal(err)
	}
	accounts, err := db.ListAccounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		st.reserved[a.Name] = a.Reserved
		ca := crashAccount{name: a.Name, active: a.Active, reserved: a.Reserved}
		for i, tok := range crashTokens {
			if a.Name == fmt.Sprintf("crash-%c", 'a'+i) {
				ca.token = tok
			}
		}
		st.accounts = append(st.accounts, ca)
	}
	return st
}

// crashInstance is an instance as GET /api/vps lists it.
type crashInstance struct {
	ID         string `json:"id"`
	Label      string `json:"label"`
	Status     string `json:"status"`
	IPv4       string `json:"ipv4"`
	ProviderID string `json:"provider_id"`
	Error      string `json:"error"`
}

// crashAwaitSettled polls the instances until all n are listed and none is
// pending, provisioning or held, and returns them. Past the deadline it
// reports the stuck ones. killedAt is when the first process was stopped.
func crashAwaitSettled(t *testing.T, admin *crashClient, proc *crashProc, killedAt time.Time, n int) []*crashInstance {
	t.Helper()
	deadline := time.Now().Add(crashRecovery)
	for {
		var list struct {
			Items []*crashInstance `json:"items"`
			Total int              `json:"total"`
		}
		admin.must(t, "GET", "/api/vps?per_page=200", nil, http.StatusOK, &list)
		var waiting []*crashInstance
		for _, in := range list.Items {
			if in.Status == "pending" || in.Status == "provisioning" || in.Status == "held" {
				waiting = append(waiting, in)
			}
		}
		if len(waiting) == 0 && list.Total == n {
			t.Logf("every order ended %s after the kill", time.Since(killedAt).Round(time.Millisecond))
			return list.Items
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, in := range waiting {
				_, data, _ := admin.do("GET", "/api/vps/"+in.ID, nil)
				fmt.Fprintf(&b, "%s\n", data)
			}
			t.Fatalf("%d of %d orders still unfinished %s after the kill:\n%s\nwarnings and errors logged:\n%s",
				len(waiting), list.Total, time.Since(killedAt).Round(time.Second), b.String(),
				strings.Join(proc.out.grep(regexp.MustCompile(`"level":"(WARN|ERROR)"`)), "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// crashLedgerSummary is the customer's balance and ledger entries by kind.
type crashLedgerSummary struct {
	balance    int64
	count      map[string]int
	byInstance map[string]map[string]int // instance id → kind → entries
}

func crashLedger(t *testing.T, customer *crashClient) crashLedgerSummary {
	t.Helper()
	sum := crashLedgerSummary{count: map[string]int{}, byInstance: map[string]map[string]int{}}
	seen := 0
	for page := 1; ; page++ {
		var billing struct {
			Balance struct{ Amount int64 } `json:"balance"`
			Items   []struct {
				Kind       string `json:"kind"`
				Amount     int64  `json:"amount"`
				InstanceID string `json:"instance_id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		customer.must(t, "GET", fmt.Sprintf("/api/billing?per_page=200&page=%d", page), nil, http.StatusOK, &billing)
		sum.balance = billing.Balance.Amount
		for _, e := range billing.Items {
			sum.count[e.Kind]++
			if e.InstanceID != "" {
				if sum.byInstance[e.InstanceID] == nil {
					sum.byInstance[e.InstanceID] = map[string]int{}
				}
				sum.byInstance[e.InstanceID][e.Kind]++
			}
		}
		seen += len(billing.Items)
		if seen >= billing.Total || len(billing.Items) == 0 {
			return sum
		}
	}
}

// crashSyncAll asks for "Sync all" as an operator would: the orders may
// have spent the accounts' minute of requests (DigitalOcean's 250), and
// then webrana answers 503, "try again in a minute" — so they try again,
// for as long as the provider's window lasts.
func crashSyncAll(t *testing.T, admin *crashClient) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, data, err := admin.do("POST", "/internal/accounts/sync-all", nil)
		switch {
		case err != nil:
			t.Fatalf("sync all: %v", err)
		case code == http.StatusOK:
			return
		case code != http.StatusServiceUnavailable || time.Now().After(deadline):
			t.Fatalf("POST /internal/accounts/sync-all = %d %s, want 200", code, data)
		}
		t.Logf("sync all: %s; trying again", data)
		time.Sleep(5 * time.Second) // the provider's window, not a timing
	}
}

// crashDroplet is a server at the simulator's DigitalOcean.
type crashDroplet struct {
	ID        int64     `json:"id"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
}

// crashDroplets lists an account's droplets at the simulator, every page,
// waiting out the rate limit if it is hit.
func crashDroplets(t *testing.T, sim *crashProc, token string) []crashDroplet {
	t.Helper()
	var out []crashDroplet
	url := sim.url + "/v2/droplets?per_page=200"
	for url != "" {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode == http.StatusTooManyRequests {
			wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(wait, 1)) * time.Second)
			continue
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %s", url, res.StatusCode, data)
		}
		var page struct {
			Droplets []crashDroplet `json:"droplets"`
			Links    struct {
				Pages struct{ Next string } `json:"pages"`
			} `json:"links"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		out = append(out, page.Droplets...)
		url = page.Links.Pages.Next
	}
	return out
}

// crashSimFault installs a fault at the simulator (POST) or removes every
// fault (DELETE).
func crashSimFault(t *testing.T, sim *crashProc, method string, spec map[string]any) {
	t.Helper()
	want := http.StatusCreated
	if method == "DELETE" {
		want = http.StatusNoContent
	}
	(&crashClient{base: sim.url}).must(t, method, "/_sim/faults", spec, want, nil)
}
