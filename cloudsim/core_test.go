package cloudsim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana/cloudsim"
)

// simServer starts a simulator on loopback.
func simServer(t *testing.T, cfg cloudsim.Config) (*cloudsim.Sim, string) {
	t.Helper()
	sim := cloudsim.New(cfg)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func send(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func mustAdd(t *testing.T, sim *cloudsim.Sim, spec cloudsim.AccountSpec) {
	t.Helper()
	if err := sim.AddAccount(spec); err != nil {
		t.Fatal(err)
	}
}

func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	sim, url := simServer(t, cloudsim.Config{})
	code, body := send(t, "POST", url+"/_sim/accounts", "",
		`{"provider":"digitalocean","token":"tok-a","email":"a@example.com","limit":5,"instances":2}`)
	if code != 201 || !strings.Contains(body, `"instances":2`) || strings.Contains(body, "tok-a") {
		t.Fatalf("add account: %d %s", code, body)
	}
	bad := []struct{ name, body, want string }{
		{"unknown provider", `{"provider":"aws","token":"x","email":"x@example.com"}`, "provider must be"},
		{"no token", `{"provider":"linode","email":"x@example.com"}`, "token is required"},
		{"duplicate token", `{"provider":"linode","token":"tok-a","email":"x@example.com"}`, "already exists"},
		{"negative limit", `{"provider":"linode","token":"y","email":"x@example.com","limit":-1}`, "limit"},
		{"bad status", `{"provider":"linode","token":"y","email":"x@example.com","status":"frozen"}`, "status must be"},
		{"unknown field", `{"provider":"linode","token":"y","email":"x@example.com","colour":"red"}`, "unknown field"},
	}
	for _, tt := range bad {
		if code, body := send(t, "POST", url+"/_sim/accounts", "", tt.body); code != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want 400 mentioning %q", tt.name, code, body, tt.want)
		}
	}
	if code, _ := send(t, "PATCH", url+"/_sim/accounts/nope", "", `{"limit":3}`); code != 404 {
		t.Errorf("patch unknown token: %d, want 404", code)
	}
	code, body = send(t, "PATCH", url+"/_sim/accounts/tok-a", "", `{"limit":9,"status":"warning","revoked":true}`)
	if code != 200 || !strings.Contains(body, `"limit":9`) || !strings.Contains(body, `"status":"warning"`) || !strings.Contains(body, `"revoked":true`) {
		t.Fatalf("patch: %d %s", code, body)
	}
	if got := sim.Accounts(); len(got) != 1 || got[0].Limit != 9 || got[0].Instances != 2 {
		t.Fatalf("accounts %+v", got)
	}
	if _, body := send(t, "GET", url+"/_sim/accounts", "", ""); strings.Contains(body, "tok-a") {
		t.Fatal("GET /_sim/accounts shows tokens")
	}
}

func TestTokensAreScopedToTheirProvider(t *testing.T) {
	t.Parallel()
	sim, url := simServer(t, cloudsim.Config{})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "digitalocean", Token: "do-tok", Email: "do@example.com"})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "linode", Token: "li-tok", Email: "li@example.com"})
	tests := []struct {
		path, token string
		want        int
	}{
		{"/v2/account", "do-tok", 200},
		{"/v4/account", "li-tok", 200},
		{"/v2/account", "li-tok", 401}, // a Linode token means nothing to DigitalOcean
		{"/v4/account", "do-tok", 401},
		{"/v2/account", "", 401},
		{"/v2/account", "unknown", 401},
	}
	for _, tt := range tests {
		if code, body := send(t, "GET", url+tt.path, tt.token, ""); code != tt.want {
			t.Errorf("GET %s with %q: %d %s, want %d", tt.path, tt.token, code, body, tt.want)
		}
	}
	if err := sim.UpdateAccount("do-tok", cloudsim.AccountUpdate{Revoked: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if code, _ := send(t, "GET", url+"/v2/account", "do-tok", ""); code != 401 {
		t.Errorf("revoked token: %d, want 401", code)
	}
	unknown := 0
	for _, r := range sim.Stats().Requests {
		if r.Account == "" && r.Status == 401 {
			unknown += r.Count
		}
	}
	if unknown != 5 {
		t.Errorf("stats count %d unauthenticated 401s, want 5", unknown)
	}
}

func ptr[T any](v T) *T { return &v }

// TestStatsAreExactUnderParallelLoad: 8 accounts × 100 requests from 8
// goroutines each; every request is counted once, per account and path.
func TestStatsAreExactUnderParallelLoad(t *testing.T) {
	t.Parallel()
	sim, url := simServer(t, cloudsim.Config{})
	const accounts, perAccount = 8, 100
	for i := range accounts {
		provider := []string{"digitalocean", "linode"}[i%2]
		mustAdd(t, sim, cloudsim.AccountSpec{Provider: provider, Token: fmt.Sprint("tok", i), Email: fmt.Sprintf("a%d@example.com", i)})
	}
	var wg sync.WaitGroup
	for i := range accounts {
		path := []string{"/v2/account", "/v4/account"}[i%2]
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perAccount / 8 {
					send(t, "GET", url+path, fmt.Sprint("tok", i), "")
				}
			}()
		}
	}
	wg.Wait()
	st := sim.Stats()
	total := 0
	for _, r := range st.Requests {
		if r.Status != 200 || r.Method != "GET" {
			t.Errorf("unexpected row %+v", r)
		}
		total += r.Count
	}
	if len(st.Requests) != accounts || total != accounts*(perAccount/8)*8 {
		t.Fatalf("stats: %d rows, %d requests; want %d rows, %d requests", len(st.Requests), total, accounts, accounts*(perAccount/8)*8)
	}
	sim.ResetStats()
	if got := sim.Stats(); len(got.Requests) != 0 || len(got.Accounts) != accounts {
		t.Fatalf("after reset: %+v", got)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) { mu.Lock(); slept = append(slept, d); mu.Unlock() }
	sim, url := simServer(t, cloudsim.Config{Sleep: sleep})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "digitalocean", Token: "a", Email: "a@example.com"})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "digitalocean", Token: "b", Email: "b@example.com"})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "linode", Token: "l", Email: "l@example.com"})

	// The next two matching requests answer 503; then the fault is gone.
	fault := `{"provider":"digitalocean","token":"a","method":"get","path_prefix":"/v2/acc","status":503,"count":2}`
	if code, body := send(t, "POST", url+"/_sim/faults", "", fault); code != 201 {
		t.Fatalf("add fault: %d %s", code, body)
	}
	for i, want := range []int{503, 503, 200} {
		if code, _ := send(t, "GET", url+"/v2/account", "b", ""); code != 200 {
			t.Fatalf("fault hit another token")
		}
		if code, _ := send(t, "GET", url+"/v4/account", "l", ""); code != 200 {
			t.Fatalf("fault hit another provider")
		}
		if code, _ := send(t, "GET", url+"/v2/account", "a", ""); code != want {
			t.Fatalf("request %d: %d, want %d", i+1, code, want)
		}
	}
	if len(sim.Faults()) != 0 {
		t.Fatal("a counted fault outlived its count")
	}

	// A rate applies to about that share of requests.
	must(t, sim.AddFault(cloudsim.FaultSpec{Token: "b", Status: 500, Rate: 0.5}))
	failed := 0
	for range 200 {
		if code, _ := send(t, "GET", url+"/v2/account", "b", ""); code == 500 {
			failed++
		}
	}
	if failed < 60 || failed > 140 {
		t.Fatalf("rate 0.5 failed %d of 200", failed)
	}
	sim.ClearFaults()

	// Latency waits through the injected Sleep, then the request proceeds.
	must(t, sim.AddFault(cloudsim.FaultSpec{Token: "l", LatencyMS: 1500, Count: 1}))
	if code, _ := send(t, "GET", url+"/v4/account", "l", ""); code != 200 {
		t.Fatal("latency fault changed the answer")
	}
	mu.Lock()
	if len(slept) != 1 || slept[0] != 1500*time.Millisecond {
		t.Fatalf("slept %v, want one 1.5s wait", slept)
	}
	mu.Unlock()

	// Drop: the request is worked and counted, the client gets no answer.
	// (On a reused connection Go's transport would quietly retry a GET; a
	// fresh connection shows the loss as a client would see a lost create.)
	must(t, sim.AddFault(cloudsim.FaultSpec{Token: "a", Drop: true, Count: 1}))
	req, _ := http.NewRequest("GET", url+"/v2/account", nil)
	req.Header.Set("Authorization", "Bearer a")
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("dropped request answered %d", res.StatusCode)
	}
	if st := sim.Stats(); st.Faults != 2+failed+1 {
		t.Fatalf("faults_injected = %d, want %d", st.Faults, 2+failed+1)
	}

	for _, bad := range []cloudsim.FaultSpec{{}, {Status: 200}, {Status: 500, Drop: true}, {Status: 500, Rate: 2}, {Provider: "aws", Status: 500}} {
		if err := sim.AddFault(bad); err == nil {
			t.Errorf("AddFault(%+v) accepted", bad)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSaveAndLoad(t *testing.T) {
	t.Parallel()
	sim := cloudsim.New(cloudsim.Config{})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "digitalocean", Token: "a", Email: "a@example.com", Limit: 7, Instances: 3})
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: "linode", Token: "l", Email: "l@example.com", Instances: 1, Status: "warning"})
	path := filepath.Join(t.TempDir(), "sim.json")
	must(t, sim.Save(path))
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v (%v), want 0600: it holds tokens", info.Mode().Perm(), err)
	}
	again := cloudsim.New(cloudsim.Config{})
	loaded, err := again.Load(path)
	if err != nil || !loaded {
		t.Fatalf("Load = %v, %v", loaded, err)
	}
	want, _ := json.Marshal(sim.Accounts())
	got, _ := json.Marshal(again.Accounts())
	if string(got) != string(want) {
		t.Fatalf("after load %s, want %s", got, want)
	}
	if loaded, err := cloudsim.New(cloudsim.Config{}).Load(filepath.Join(t.TempDir(), "missing.json")); loaded || err != nil {
		t.Fatalf("missing file: %v, %v", loaded, err)
	}
}
