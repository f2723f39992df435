package main

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana/store/storetest"
)

// The pool of the seed's mock-up (DESIGN.md §9): 25 free slots in all.
var exactPool = []struct {
	token            string
	limit, instances int
}{{"dop_v1_exact_primary", 25, 20}, {"dop_v1_exact_second", 25, 5}, {"dop_v1_exact_third", 25, 25}}

const exactOrders = 35

// TestPoolCountsExactly places 35 orders at once on a pool with 25 free
// slots, in production mode on PostgreSQL against a standalone simulator,
// as an operator would try it: exactly 25 become active and 10 are held,
// with exactly 25 creates and no create refused over a limit, while syncs
// of every account run throughout; every account then counts exactly what
// the provider runs.
// Then capacity appears three ways — a server deleted, a limit raised and
// synced, an account added — and the held orders start at once: their
// poll is set to ten minutes, so only being woken can start them within
// the test.
func TestPoolCountsExactly(t *testing.T) {
	pgURL := storetest.PostgresURL(t, false)
	bin := buildBinary(t)
	sim := crashStartProc(t, bin, []string{"sim", "--addr", "127.0.0.1:0", "--create-delay", "1s", "--action-delay", "1s"},
		[]string{"PATH=" + os.Getenv("PATH")}, regexp.MustCompile(`webrana sim: (http://\S+)`))
	simAPI := &crashClient{base: sim.url}
	for i, a := range exactPool {
		simAPI.must(t, "POST", "/_sim/accounts", map[string]any{"provider": "digitalocean", "token": a.token,
			"email": fmt.Sprintf("exact-%d@example.com", i), "limit": a.limit, "instances": a.instances}, http.StatusCreated, nil)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"WEBRANA_ADDR=127.0.0.1:0",
		"WEBRANA_DATA_DIR=" + t.TempDir(),
		"WEBRANA_DATABASE_URL=" + pgURL,
		"ENCRYPTION_KEY=" + crashKey,
		"DIGITALOCEAN_API_URL=" + sim.url,
		"LINODE_API_URL=" + sim.url,
		"WEBRANA_PROVISION_POLL=200ms",
		"WEBRANA_HELD_RETRY=10m",
	}
	crashAddUser(t, bin, env, "admin@exact.example.com", "admin")
	crashAddUser(t, bin, env, "customer@exact.example.com", "customer")
	proc := crashStartWebrana(t, bin, env)
	admin := crashLogin(t, proc.url, "admin@exact.example.com")
	customer := crashLogin(t, proc.url, "customer@exact.example.com")
	accounts := map[string]string{} // token → account id
	for i, a := range exactPool {
		var acc struct{ ID string }
		admin.must(t, "POST", "/internal/accounts", map[string]any{"provider_type": "digitalocean",
			"name": fmt.Sprintf("exact-%d", i), "token": a.token}, http.StatusCreated, &acc)
		accounts[a.token] = acc.ID
	}
	var plan struct{ ID string }
	admin.must(t, "POST", "/api/admin/plans", map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb",
		"name": "Exact 1 GB", "price_monthly": 600, "price_hourly": 1, "currency": "USD", "regions": []string{"sgp1"},
		"is_active": true}, http.StatusCreated, &plan)
	var me struct{ ID string }
	customer.must(t, "GET", "/api/me", nil, http.StatusOK, &me)
	admin.must(t, "POST", "/api/admin/customers/"+me.ID+"/credit", map[string]any{"amount": 100000, "note": "exact"},
		http.StatusCreated, nil)
	simAPI.must(t, "DELETE", "/_sim/stats", nil, http.StatusNoContent, nil)

	// Syncs run all the while the orders are placed and created, as the
	// periodic sync or an operator's would, and the provider is slow to
	// list servers, so syncs overlap creates: each must count every server
	// once, however it overlaps them.
	simAPI.must(t, "POST", "/_sim/faults", map[string]any{"provider": "digitalocean", "method": "GET",
		"path_prefix": "/v2/droplets", "latency_ms": 300}, http.StatusCreated, nil)
	stopSyncs := exactSyncAll(t, admin)
	start := time.Now()
	exactPlace(t, customer, plan.ID)
	byStatus := exactAwait(t, admin, func(n map[string]int) bool { return n["active"] == 25 && n["held"] == 10 })
	settled := time.Since(start)
	stopSyncs()
	simAPI.must(t, "DELETE", "/_sim/faults", nil, http.StatusNoContent, nil)
	t.Logf("35 orders on 25 free slots: %v after %s", byStatus, settled.Round(time.Millisecond))
	exactCheckProvider(t, simAPI, admin, accounts, 25)

	// A server deleted frees its slot: one held order starts.
	var list struct{ Items []struct{ ID, Status string } }
	customer.must(t, "GET", "/api/vps?status=active&per_page=1", nil, http.StatusOK, &list)
	customer.must(t, "DELETE", "/api/vps/"+list.Items[0].ID, nil, http.StatusAccepted, nil)
	exactAwait(t, admin, func(n map[string]int) bool { return n["active"] == 25 && n["deleted"] == 1 && n["held"] == 9 })

	// A limit raised at the provider and synced: two start.
	third := exactPool[2].token
	simAPI.must(t, "PATCH", "/_sim/accounts/"+third, map[string]any{"limit": 27}, http.StatusOK, nil)
	admin.must(t, "POST", "/internal/accounts/"+accounts[third]+"/sync", nil, http.StatusOK, nil)
	exactAwait(t, admin, func(n map[string]int) bool { return n["active"] == 27 && n["held"] == 7 })

	// An account added: the rest start.
	simAPI.must(t, "POST", "/_sim/accounts", map[string]any{"provider": "digitalocean", "token": "dop_v1_exact_fourth",
		"email": "exact-4@example.com", "limit": 10, "instances": 1}, http.StatusCreated, nil)
	var fourth struct{ ID string }
	admin.must(t, "POST", "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "exact-4",
		"token": "dop_v1_exact_fourth"}, http.StatusCreated, &fourth)
	accounts["dop_v1_exact_fourth"] = fourth.ID
	exactAwait(t, admin, func(n map[string]int) bool { return n["active"] == 34 && n["held"] == 0 })
	exactCheckProvider(t, simAPI, admin, accounts, 35)
	proc.stop(t)
}

// exactSyncAll asks for "Sync all" over and over until the returned stop is
// called, and returns how many syncs it asked for.
func exactSyncAll(t *testing.T, admin *crashClient) (stop func() int) {
	t.Helper()
	done := make(chan struct{})
	var n int
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if code, data, err := admin.do("POST", "/internal/accounts/sync-all", nil); err != nil || code != http.StatusOK {
				t.Errorf("sync all = %d %s %v", code, data, err)
				return
			}
			n++
			select { // a sync every 200 ms or so, well within the budget
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	return func() int {
		close(done)
		wg.Wait()
		t.Logf("%d syncs of every account ran during the orders", n)
		return n
	}
}

// exactPlace places exactOrders orders at once; each must be accepted.
func exactPlace(t *testing.T, customer *crashClient, planID string) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for n := range exactOrders {
		wg.Go(func() {
			code, data, err := customer.do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": planID,
				"region": "sgp1", "image": "ubuntu-24-04-x64", "label": fmt.Sprint("exact-", n), "root_password": crashRootPW})
			if err != nil || code != http.StatusAccepted {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("order %d = %d %s %v", n, code, data, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("orders refused:\n%s", strings.Join(errs, "\n"))
	}
}

// exactAwait polls the servers until done says their counts by status are
// what is wanted, and returns those counts. Past a minute it fails.
func exactAwait(t *testing.T, admin *crashClient, done func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var list struct {
			Items []struct{ Status string } `json:"items"`
		}
		admin.must(t, "GET", "/api/vps?per_page=200", nil, http.StatusOK, &list)
		n := map[string]int{}
		for _, in := range list.Items {
			n[in.Status]++
		}
		if done(n) {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute the servers are %v", n)
		}
		time.Sleep(100 * time.Millisecond) // polling an outcome, not timing it
	}
}

// exactCheckProvider checks the simulator's side: creates made, none
// refused over a limit, and every account counted as the provider counts
// it, with nothing reserved.
func exactCheckProvider(t *testing.T, simAPI, admin *crashClient, accounts map[string]string, creates int) {
	t.Helper()
	var stats struct {
		Requests []struct {
			Method, Path  string
			Status, Count int
		}
		LimitErrors int `json:"limit_errors"`
		Accounts    []struct {
			Email     string
			Instances int
		}
	}
	simAPI.must(t, "GET", "/_sim/stats", nil, http.StatusOK, &stats)
	made := 0
	for _, r := range stats.Requests {
		if r.Method == http.MethodPost && r.Path == "/v2/droplets" && r.Status < 300 {
			made += r.Count
		}
	}
	if made != creates || stats.LimitErrors != 0 {
		t.Errorf("the provider made %d servers and refused %d creates over a limit; want %d and 0", made, stats.LimitErrors, creates)
	}
	var pool struct {
		Items []struct {
			ID, Email        string
			Active, Reserved int
		}
	}
	admin.must(t, "GET", "/internal/accounts?per_page=200", nil, http.StatusOK, &pool)
	for _, a := range pool.Items {
		i := slices.IndexFunc(stats.Accounts, func(s struct {
			Email     string
			Instances int
		}) bool {
			return s.Email == a.Email
		})
		if i < 0 {
			t.Errorf("account %s (%s) unknown to the simulator", a.ID, a.Email)
			continue
		}
		if a.Active != stats.Accounts[i].Instances || a.Reserved != 0 {
			t.Errorf("account %s counts %d active and %d reserved; the provider runs %d servers on it",
				a.Email, a.Active, a.Reserved, stats.Accounts[i].Instances)
		}
	}
	if len(pool.Items) != len(accounts) {
		t.Errorf("%d accounts listed, want %d", len(pool.Items), len(accounts))
	}
}
