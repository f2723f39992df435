package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
)

// drainOrders are placed before the SIGTERM; with 10 workers about ten of
// them are creating their server when it arrives, the rest queued.
const drainOrders = 20

// TestSIGTERMDrainsRunningJobs sends SIGTERM to the real binary while
// orders' creates are in flight at a slow provider, and checks the drain:
// the process exits 0 once the running jobs finished, no job was cancelled
// (River records "context canceled") and no provisioning job spent a retry,
// every create that was sent has its server recorded, and after a restart
// every order ends active with exactly one server each at the provider.
//
// It runs on PostgreSQL with the simulator as a process of its own, as the
// crash test does, so the provider outlives the stop.
func TestSIGTERMDrainsRunningJobs(t *testing.T) {
	pgURL := storetest.PostgresURL(t, false)
	bin := buildBinary(t)
	ctx := context.Background()

	sim := crashStartSim(t, bin)
	env := crashEnv(t, pgURL, sim.url)
	crashAddUsers(t, bin, env)
	first := crashStartWebrana(t, bin, env)
	admin, customer, planID := crashShop(t, first.url)

	// Every create takes 3s at the provider: SIGTERM arrives while they
	// are in flight, and a drain must let them finish.
	crashSimFault(t, sim, "POST", map[string]any{"provider": "digitalocean", "method": "POST", "path_prefix": "/v2/droplets",
		"latency_ms": 3000})
	placed := crashPlace(t, customer, planID, drainOrders)
	crashWaitInFlight(t, ctx, pgURL, 0, 5)
	atSignal := crashSnapshot(t, ctx, pgURL)
	drain := first.stop(t) // SIGTERM; exit code 0 required
	t.Logf("SIGTERM with %d orders creating their server and %d queued; drained and exited 0 in %s",
		drainSteps(atSignal, "creating"), drainSteps(atSignal, "queued"), drain.Round(10*time.Millisecond))

	// Every create sent before the signal finished and was recorded: no
	// order is left creating, and the provider runs exactly the servers
	// Webrana knows of.
	drained := crashSnapshot(t, ctx, pgURL)
	if n := drainSteps(drained, "creating"); n != 0 {
		t.Errorf("%d orders still creating after the drain (orders by status/step %v), want 0", n, drained.orders)
	}
	recorded := drainSteps(drained, "booting") + drainSteps(drained, "done")
	if made := crashSimCreated(t, sim); made != recorded {
		t.Errorf("the simulator made %d servers, Webrana recorded %d (orders by status/step %v)", made, recorded, drained.orders)
	}
	drainCheckJobs(t, ctx, pgURL)
	crashSimFault(t, sim, "DELETE", nil)

	// The queued orders proceed after a restart; every order ends active.
	restarted := time.Now()
	second := crashStartWebrana(t, bin, env)
	items := crashAwaitSettled(t, admin.at(second.url), second, restarted, drainOrders)
	for _, in := range items {
		if _, ok := placed[in.ID]; !ok || in.Status != "active" || in.ProviderID == "" {
			t.Errorf("instance %s (%s) ended %s (provider_id %q, error %q), want one of the orders, active", in.ID, in.Label, in.Status,
				in.ProviderID, in.Error)
		}
	}
	t.Logf("the second process drained and exited 0 in %s", second.stop(t).Round(10*time.Millisecond))
	drainCheckJobs(t, ctx, pgURL)

	// Exactly one server per order at the provider.
	if made := crashSimCreated(t, sim); made != drainOrders {
		t.Errorf("the simulator made %d servers for %d orders", made, drainOrders)
	}
	servers := map[string]int{} // order tag → servers
	for _, tok := range crashTokens {
		for _, d := range crashDroplets(t, sim, tok) {
			for _, tag := range d.Tags {
				if strings.HasPrefix(tag, "webrana-order-") {
					servers[tag]++
				}
			}
		}
	}
	for tag, n := range servers {
		if n != 1 {
			t.Errorf("%d servers tagged %s, want 1", n, tag)
		}
	}
	if len(servers) != drainOrders {
		t.Errorf("%d orders' tags at the simulator, want %d", len(servers), drainOrders)
	}
}

// drainSteps is how many orders are at step, whatever their status.
func drainSteps(st crashState, step string) int {
	n := 0
	for key, count := range st.orders {
		if strings.HasSuffix(key, "/"+step) {
			n += count
		}
	}
	return n
}

// drainCheckJobs reads River's table: no job of any kind failed because
// its context was cancelled, and no provisioning job spent a retry (River
// counts a snooze back, so a job that never failed has attempt 1 at most).
func drainCheckJobs(t *testing.T, ctx context.Context, pgURL string) {
	t.Helper()
	db, err := store.Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL().QueryContext(ctx, `SELECT id, kind, state, attempt, COALESCE(errors::text, '') FROM river_job
		WHERE errors::text LIKE '%context canceled%' OR (kind = 'provision' AND (attempt > 1 OR COALESCE(array_length(errors, 1), 0) > 0))
		ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, attempt       int64
			kind, state, errs string
		)
		if err := rows.Scan(&id, &kind, &state, &attempt, &errs); err != nil {
			t.Fatal(err)
		}
		t.Errorf("job %d (%s, %s) at attempt %d with errors %s: want no cancelled job and no retried provisioning", id, kind, state, attempt, errs)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownGraceEnds: a request still in flight when
// WEBRANA_SHUTDOWN_GRACE ends does not hold the process; Serve returns an
// error naming the setting, so the exit code says the drain was not clean.
func TestShutdownGraceEnds(t *testing.T) {
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_SHUTDOWN_GRACE": "1ms"})
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	m.Server.Handle("GET /stuck", web.Public, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release // until the test ends: longer than any grace period
	}))
	go http.Get("http://" + m.Addr() + "/stuck")
	<-entered
	m.cancel()
	m.cancel = nil
	err := <-m.done
	if err == nil || !strings.Contains(err.Error(), "WEBRANA_SHUTDOWN_GRACE: requests still in flight after 1ms were cut off") ||
		strings.Contains(err.Error(), "\n") {
		t.Fatalf("Serve = %q, want one line naming the grace period", err)
	}
	m.Close()
}
