package cloudsim_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// activeDroplet creates a droplet and lets it become active.
func activeDroplet(t *testing.T, h *doHarness, c *godo.Client, name string) *godo.Droplet {
	t.Helper()
	d := mustCreate(t, c, createReq(name))
	h.clock.Advance(doCreateDelay)
	return d
}

func doActionStatus(t *testing.T, c *godo.Client, dropletID, actionID int) string {
	t.Helper()
	a, _, err := c.DropletActions.Get(ctx, dropletID, actionID)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

// TestDigitalOceanStatusLag: with status_lag_ms, the action completes on
// time and the droplet shows its old status until the lag has passed.
func TestDigitalOceanStatusLag(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("lag", 5)})
	c := h.client(t, "lag")
	d := activeDroplet(t, h, c, "laggard")
	must(t, h.sim.AddFault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/v2/droplets/" + strconv.Itoa(d.ID),
		StatusLagMS: 5000, Count: 1}))
	a, _, err := c.DropletActions.PowerOff(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	if s := doActionStatus(t, c, d.ID, a.ID); s != "completed" {
		t.Fatalf("action after its delay: %s", s)
	}
	if got := mustGet(t, c, d.ID); got.Status != "active" {
		t.Fatalf("droplet right after the action completed: %s, want the old status (active)", got.Status)
	}
	h.clock.Advance(4 * time.Second)
	if got := mustGet(t, c, d.ID); got.Status != "active" {
		t.Fatalf("droplet 4 s into a 5 s lag: %s", got.Status)
	}
	h.clock.Advance(time.Second)
	if got := mustGet(t, c, d.ID); got.Status != "off" {
		t.Fatalf("droplet after the lag: %s, want off", got.Status)
	}
	// The fault was used once: the next action is prompt again.
	if _, _, err := c.DropletActions.PowerOn(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	if got := mustGet(t, c, d.ID); got.Status != "active" {
		t.Fatalf("power_on without the fault: %s", got.Status)
	}
	if st := h.sim.Stats(); st.Faults != 1 {
		t.Fatalf("faults_injected %d, want 1", st.Faults)
	}
}

// TestDigitalOceanStatusLagSurvivesARestart: a lag in progress is state:
// a simulator loaded from the saved file applies the effect when due.
func TestDigitalOceanStatusLagSurvivesARestart(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("lagsave", 5)})
	c := h.client(t, "lagsave")
	d := activeDroplet(t, h, c, "laggard")
	must(t, h.sim.AddFault(cloudsim.FaultSpec{StatusLagMS: 60_000, Count: 1}))
	if _, _, err := c.DropletActions.PowerOff(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay + time.Second)
	path := filepath.Join(t.TempDir(), "sim.json")
	must(t, h.sim.Save(path))
	again := cloudsim.New(cloudsim.Config{Now: h.clock.Now})
	if ok, err := again.Load(path); !ok || err != nil {
		t.Fatalf("load: %v %v", ok, err)
	}
	h.clock.Advance(time.Minute)
	if got := again.Accounts()[0]; got.Instances != 1 {
		t.Fatalf("accounts after load: %+v", got)
	}
	code, body := sendOn(t, again, "GET", "/v2/droplets/"+strconv.Itoa(d.ID), "lagsave")
	if code != 200 || !strings.Contains(body, `"status":"off"`) {
		t.Fatalf("after the lag, loaded: %d %.200s", code, body)
	}
}

// TestDigitalOceanIgnoredShutdown: an ignored shutdown completes, as
// DigitalOcean reports a best-effort shutdown the guest did not act on; the
// droplet stays active, and power_off turns it off.
func TestDigitalOceanIgnoredShutdown(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("stubborn", 5)})
	c := h.client(t, "stubborn")
	d := activeDroplet(t, h, c, "stubborn")
	must(t, h.sim.AddFault(cloudsim.FaultSpec{Provider: cloudsim.DigitalOcean, IgnoreShutdown: true, Count: 1}))
	// Other actions do not use the fault up.
	if _, _, err := c.DropletActions.Reboot(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	if f := h.sim.Faults(); len(f) != 1 || f[0].Count != 1 {
		t.Fatalf("a reboot used the shutdown fault: %+v", f)
	}
	a, _, err := c.DropletActions.Shutdown(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	if s := doActionStatus(t, c, d.ID, a.ID); s != "completed" {
		t.Fatalf("ignored shutdown: action %s, want completed", s)
	}
	if got := mustGet(t, c, d.ID); got.Status != "active" {
		t.Fatalf("ignored shutdown: droplet %s, want active", got.Status)
	}
	if _, _, err := c.DropletActions.PowerOff(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	if got := mustGet(t, c, d.ID); got.Status != "off" {
		t.Fatalf("power_off after an ignored shutdown: %s", got.Status)
	}
	if f := h.sim.Faults(); len(f) != 0 {
		t.Fatalf("the shutdown fault outlived its count: %+v", f)
	}
}

// TestSlowCreates: with create_delay_ms, a create stays new (DigitalOcean)
// or provisioning (Linode) that long; other creates keep the usual delay.
func TestSlowCreates(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("slow", 5)})
	c := h.client(t, "slow")
	must(t, h.sim.AddFault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/v2/droplets", CreateDelayMS: 600_000, Count: 1}))
	slow := mustCreate(t, c, createReq("slow"))
	quick := mustCreate(t, c, createReq("quick"))
	h.clock.Advance(doCreateDelay)
	if got := mustGet(t, c, quick.ID); got.Status != "active" {
		t.Fatalf("the create after the fault: %s", got.Status)
	}
	h.clock.Advance(9 * time.Minute)
	if got := mustGet(t, c, slow.ID); got.Status != "new" {
		t.Fatalf("slow create after 9.5 minutes: %s, want new", got.Status)
	}
	h.clock.Advance(30 * time.Second)
	if got := mustGet(t, c, slow.ID); got.Status != "active" {
		t.Fatalf("slow create after 10 minutes: %s, want active", got.Status)
	}

	e := newLinodeEnv(t)
	lin := e.account(t, cloudsim.AccountSpec{Token: "slow"})
	must(t, e.sim.AddFault(cloudsim.FaultSpec{Provider: cloudsim.Linode, CreateDelayMS: 300_000, Count: 1}))
	in := linodeCreate(t, lin, "slow")
	e.clock.Advance(4 * time.Minute)
	if s := linodeStatus(t, lin, in.ID); s != linodego.InstanceProvisioning {
		t.Fatalf("slow Linode after 4 minutes: %s", s)
	}
	e.clock.Advance(time.Minute)
	if s := linodeStatus(t, lin, in.ID); s != linodego.InstanceRunning {
		t.Fatalf("slow Linode after 5 minutes: %s", s)
	}
}

// TestLinodeStatusLag: the event finishes on time; the Linode keeps its
// transitional status (and stays busy) until the lag has passed.
func TestLinodeStatusLag(t *testing.T) {
	t.Parallel()
	e := newLinodeEnv(t)
	c := e.account(t, cloudsim.AccountSpec{Token: "lag"})
	ctx := context.Background()
	in := linodeCreate(t, c, "laggard")
	e.clock.Advance(30 * time.Second)
	must(t, e.sim.AddFault(cloudsim.FaultSpec{Provider: cloudsim.Linode, StatusLagMS: 8000, Count: 1}))
	if err := c.ShutdownInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Second)
	events := linodeEventsOf(t, c, in.ID, map[string]any{"action": "linode_shutdown"})
	if len(events) != 1 || events[0].Status != linodego.EventFinished {
		t.Fatalf("shutdown event after the action delay: %s", eventActions(events))
	}
	if s := linodeStatus(t, c, in.ID); s != linodego.InstanceShuttingDown {
		t.Fatalf("Linode right after its event finished: %s, want shutting_down", s)
	}
	if err := c.BootInstance(ctx, in.ID, 0); err == nil {
		t.Fatal("boot accepted while the status lags")
	}
	e.clock.Advance(8 * time.Second)
	if s := linodeStatus(t, c, in.ID); s != linodego.InstanceOffline {
		t.Fatalf("Linode after the lag: %s", s)
	}
}

// TestBehaviourFaultsAreValidated: bad behaviour faults are refused with a
// 400 that says why.
func TestBehaviourFaultsAreValidated(t *testing.T) {
	t.Parallel()
	_, url := simServer(t, cloudsim.Config{})
	for _, tt := range []struct{ body, want string }{
		{`{"status":503,"status_lag_ms":1000}`, "not both"},
		{`{"drop":true,"create_delay_ms":1000}`, "not both"},
		{`{"status_lag_ms":-1}`, "between 0 and 86400000"},
		{`{"create_delay_ms":86400001}`, "between 0 and 86400000"},
		{`{"provider":"linode","ignore_shutdown":true}`, "DigitalOcean's"},
		{`{"rate":0.5}`, "give status, drop, latency_ms, status_lag_ms, ignore_shutdown or create_delay_ms"},
		{`{"ignore_shutdown":"yes"}`, "JSON object of known fields"},
	} {
		if code, body := send(t, "POST", url+"/_sim/faults", "", tt.body); code != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want 400 saying %q", tt.body, code, body, tt.want)
		}
	}
	code, body := send(t, "POST", url+"/_sim/faults", "", `{"provider":"digitalocean","ignore_shutdown":true,"count":2}`)
	if code != 201 || !strings.Contains(body, `"ignore_shutdown":true`) {
		t.Fatalf("a good behaviour fault: %d %s", code, body)
	}
}

// sendOn serves one request from sim, as a server started on it would.
func sendOn(t *testing.T, sim *cloudsim.Sim, method, path, token string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	return send(t, method, srv.URL+path, token, "")
}
