// Package cloudtest is the conformance suite of cloud drivers: every driver
// runs it against the simulator (cloudsim) and must pass all of it. It is
// the Driver contract of package cloud, stated as behaviour, and it holds
// each driver to the Capabilities it declares: what it declares it does,
// what it does not is refused before the provider is asked.
package cloudtest

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
)

// Harness tells the suite how to make the driver under test.
type Harness struct {
	// Registration is the driver's entry in the registry of providers:
	// the suite makes its drivers with New, for an account of the
	// simulator's provider named Type, and holds the driver to its
	// Capabilities.
	Registration cloud.Registration
	// A valid server to create: region, size and image of the catalog.
	Region, Size, Image string
	// BiggerSize is a size of the catalog in Region the server can grow to.
	BiggerSize string
	// App is a marketplace app (its slug, as Apps lists it) a server of
	// Size can be created with in Region, from AppImage, given AppFields.
	App, AppImage string
	AppFields     map[string]string
	// CreatePath is the API path of server creation, for fault injection.
	CreatePath string
	// FirewallPath is the API path of firewall creation, for fault
	// injection.
	FirewallPath string
	// MultiPageCatalog is the API path of a catalog list that spans
	// several pages at the page size the driver asks for (as the real
	// provider's does), to check the driver walks them.
	MultiPageCatalog string
	// Burst is more requests than the provider allows in its shortest
	// window, for the pacing test.
	Burst int
}

// Clock is the fake time shared by the simulator, the pacer and the
// client's retries: sleeping advances it, so nothing waits for real.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// Sleep advances the clock instead of waiting.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error { c.Advance(d); return ctx.Err() }

// fixture is one test's world: a simulator with one account, and a client.
type fixture struct {
	t      *testing.T
	h      Harness
	clock  *Clock
	sim    *cloudsim.Sim
	url    string
	token  string
	client *cloud.Client
	driver cloud.Driver
	pacers *cloud.Pacers
}

// Simulator delays used by every test.
const (
	createDelay = 30 * time.Second
	actionDelay = 10 * time.Second
)

func newFixture(t *testing.T, h Harness, spec cloudsim.AccountSpec) *fixture {
	t.Helper()
	clock := NewClock(time.Date(2031, 5, 1, 8, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now, CreateDelay: createDelay, ActionDelay: actionDelay,
		Sleep: func(ctx context.Context, d time.Duration) { clock.Advance(d) }})
	spec.Provider, spec.Token = h.Registration.Type, "conformance-token-"+t.Name()
	if spec.Email == "" {
		spec.Email = "ops@example.com"
	}
	if err := sim.AddAccount(spec); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { CheckImplemented(t, sim.Stats()) })
	pacers := cloud.NewPacers(clock.Now, clock.Sleep)
	d, err := h.Registration.New(cloud.DriverConfig{Token: spec.Token, BaseURL: srv.URL, Pacers: pacers})
	if err != nil {
		t.Fatal(err)
	}
	c := cloud.New(d, &cloud.Options{Sleep: clock.Sleep})
	return &fixture{t: t, h: h, clock: clock, sim: sim, url: srv.URL, token: spec.Token, client: c, driver: d, pacers: pacers}
}

// rootPassword is the password of every server the suite makes.
const rootPassword = "Conformance-Root-Pw-2031!"

// createReq is a plain server with IPv6 and the root password, where the
// provider sets one.
func (f *fixture) createReq(name string, tags ...string) *cloud.CreateRequest {
	req := &cloud.CreateRequest{Name: name, Region: f.h.Region, Size: f.h.Size, Image: f.h.Image, Tags: tags, IPv6: true}
	if f.caps().RootPassword != cloud.RootPasswordNone {
		req.RootPassword = rootPassword
	}
	return req
}

// caps is what the driver under test declares.
func (f *fixture) caps() cloud.Capabilities { return f.h.Registration.Capabilities }

func (f *fixture) mustCreate(name string, tags ...string) *cloud.Instance {
	f.t.Helper()
	in, err := f.client.CreateInstance(context.Background(), f.createReq(name, tags...))
	if err != nil {
		f.t.Fatalf("CreateInstance: %v", err)
	}
	return in
}

// CheckImplemented fails the test when the simulator was asked for a route
// it does not implement: the code under test then met an answer no real
// provider would give, and what it did with it proves nothing. Every test
// that runs a simulator calls it on the simulator's stats at the end.
func CheckImplemented(t testing.TB, st cloudsim.Stats) {
	t.Helper()
	if err := st.UnimplementedError(); err != nil {
		t.Errorf("%v; implement them in cloudsim (against the official spec) or stop calling them", err)
	}
}

func wantCode(t *testing.T, err error, code cloud.ErrorCode, what string) {
	t.Helper()
	if cloud.Code(err) != code {
		t.Fatalf("%s: error %v (code %v), want %v", what, err, cloud.Code(err), code)
	}
}

// RunConformanceTests runs the whole contract against the harness's driver.
func RunConformanceTests(t *testing.T, h Harness) {
	tests := []struct {
		name string
		spec cloudsim.AccountSpec
		run  func(t *testing.T, f *fixture)
	}{
		{"AccountInfo", cloudsim.AccountSpec{Limit: 7, Instances: 2}, testAccountInfo},
		{"CapabilitiesDeclaredOnce", cloudsim.AccountSpec{}, testCapabilitiesDeclared},
		{"CreateBecomesActive", cloudsim.AccountSpec{}, testCreateBecomesActive},
		{"CreateHonoursDeclaredOptions", cloudsim.AccountSpec{}, testCreateOptions},
		{"CreateRefusesUndeclaredOptions", cloudsim.AccountSpec{}, testCreateRefusals},
		{"CreateFromMarketplaceApp", cloudsim.AccountSpec{}, testMarketplaceApp},
		{"ActionsKeepDeclaredRules", cloudsim.AccountSpec{}, testActionRules},
		{"ListAllPagesAndByTag", cloudsim.AccountSpec{Limit: 100, Instances: 60}, testList},
		{"ActionsComplete", cloudsim.AccountSpec{}, testActions},
		{"DeleteFreesCapacity", cloudsim.AccountSpec{Limit: 1}, testDelete},
		{"NotFound", cloudsim.AccountSpec{}, testNotFound},
		{"Unauthorized", cloudsim.AccountSpec{}, testUnauthorized},
		{"QuotaExceeded", cloudsim.AccountSpec{Limit: 2, Instances: 2}, testQuota},
		{"RateLimitedAndUnavailable", cloudsim.AccountSpec{}, testTransient},
		{"LostCreateIsFoundByTag", cloudsim.AccountSpec{}, testLostCreate},
		{"LostActionIsListedOnce", cloudsim.AccountSpec{}, testLostAction},
		{"LostDeleteLeavesItGone", cloudsim.AccountSpec{}, testLostDelete},
		{"Catalog", cloudsim.AccountSpec{}, testCatalog},
		{"SSHKeysIdempotent", cloudsim.AccountSpec{}, testSSHKeys},
		{"Metrics", cloudsim.AccountSpec{}, testMetrics},
		{"PacingPreventsRateLimits", cloudsim.AccountSpec{}, testPacing},
		{"ReverseDNS", cloudsim.AccountSpec{}, testRDNS},       // rdns.go
		{"ResizeDisk", cloudsim.AccountSpec{}, testResizeDisk}, // resize.go
		{"VPCs", cloudsim.AccountSpec{}, testVPCs},             // vpcs.go
		{"Backups", cloudsim.AccountSpec{}, testBackups},       // backups.go
		{"Snapshots", cloudsim.AccountSpec{}, testSnapshots},   // snapshots.go
		{"Firewalls", cloudsim.AccountSpec{}, testFirewalls}, {"LostFirewallCreateIsFoundByName", cloudsim.AccountSpec{}, testLostFirewall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newFixture(t, h, tt.spec))
		})
	}
}

// requests counts the requests the simulator answered.
func requests(st cloudsim.Stats) int {
	n := 0
	for _, r := range st.Requests {
		n += r.Count
	}
	return n
}

func testAccountInfo(t *testing.T, f *fixture) {
	info, err := f.client.Account(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Email != "ops@example.com" || info.Active != 2 {
		t.Fatalf("account %+v, want ops@example.com with 2 servers", info)
	}
	if f.caps().PublishesLimit && (!info.LimitKnown || info.Limit != 7) {
		t.Fatalf("account limit %d (known %v), want 7: the driver declares PublishesLimit", info.Limit, info.LimitKnown)
	}
	if !f.caps().PublishesLimit && info.LimitKnown {
		t.Fatal("driver claims a limit it does not declare its provider publishes")
	}
	f.sim.ResetStats()
	status, err := f.client.AccountStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := requests(f.sim.Stats()); n != 1 {
		t.Fatalf("AccountStatus sent %d requests, want 1", n)
	}
	if want := *info; status.Active != 0 || status.Email != want.Email || status.Status != want.Status ||
		status.Limit != want.Limit || status.LimitKnown != want.LimitKnown || status.UUID != want.UUID {
		t.Fatalf("account status %+v, want %+v without the count", status, want)
	}
}

func testCreateBecomesActive(t *testing.T, f *fixture) {
	ctx := context.Background()
	in := f.mustCreate("webrana-a1b2c3d4", "webrana-order-1")
	if in.ID == "" || in.Status != cloud.StatusProvisioning || in.Name != "webrana-a1b2c3d4" {
		t.Fatalf("created %+v, want a provisioning server with an id and the name", in)
	}
	if !slices.Contains(in.Tags, "webrana-order-1") {
		t.Fatalf("created server tags %v lack the order tag", in.Tags)
	}
	f.clock.Advance(createDelay + time.Second)
	got, err := f.client.GetInstance(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != cloud.StatusActive || got.IPv4 == "" || got.IPv6 == "" || got.Region != f.h.Region || got.Size != f.h.Size {
		t.Fatalf("after the create delay %+v, want active with IPv4 and IPv6 in %s, size %s", got, f.h.Region, f.h.Size)
	}
}

func testList(t *testing.T, f *fixture) {
	ctx := context.Background()
	mine := f.mustCreate("webrana-11111111", "webrana-order-x")
	all, err := f.client.ListInstances(ctx, cloud.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 61 {
		t.Fatalf("ListInstances returned %d servers, want all 61 across pages", len(all))
	}
	tagged, err := f.client.ListInstances(ctx, cloud.ListOptions{Tag: "webrana-order-x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tagged) != 1 || tagged[0].ID != mine.ID {
		t.Fatalf("ListInstances by tag = %v, want only %s", tagged, mine.ID)
	}
	none, err := f.client.ListInstances(ctx, cloud.ListOptions{Tag: "webrana-order-none"})
	if err != nil || len(none) != 0 {
		t.Fatalf("ListInstances by an unused tag = %v, %v", none, err)
	}
}

// waitAction advances the clock until the action completes, and returns
// it as last reported.
func (f *fixture) waitAction(instanceID string, a *cloud.Action) *cloud.Action {
	f.t.Helper()
	for range 10 {
		got, err := f.client.GetAction(context.Background(), instanceID, a.ID)
		if err != nil {
			f.t.Fatalf("GetAction: %v", err)
		}
		if got.Status == cloud.ActionCompleted {
			return got
		}
		if got.Status == cloud.ActionErrored {
			f.t.Fatalf("action %s errored", a.Type)
		}
		f.clock.Advance(actionDelay / 2)
	}
	f.t.Fatalf("action %s never completed", a.Type)
	return nil
}

// testActions runs each portable action in turn on one server and checks
// the state it leaves. The server is made without IPv6, so that enabling it
// is a real change wherever the provider lets a server lack it.
func testActions(t *testing.T, f *fixture) {
	ctx := context.Background()
	req := f.createReq("webrana-22222222")
	req.IPv6 = false
	in, err := f.client.CreateInstance(ctx, req)
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	f.clock.Advance(createDelay + time.Second)
	if got, err := f.client.GetInstance(ctx, in.ID); err != nil || (got.IPv6 != "") != f.caps().IPv6Always {
		t.Fatalf("a server created without IPv6: %+v, %v; IPv6Always is declared %v", got, err, f.caps().IPv6Always)
	}
	for _, step := range []struct {
		req  cloud.ActionRequest
		want cloud.Status
	}{
		{cloud.ActionRequest{Type: cloud.ActionPowerOff}, cloud.StatusOff},
		{cloud.ActionRequest{Type: cloud.ActionPowerOn}, cloud.StatusActive},
		{cloud.ActionRequest{Type: cloud.ActionReboot}, cloud.StatusActive},
		{cloud.ActionRequest{Type: cloud.ActionPowerCycle}, cloud.StatusActive},
		{cloud.ActionRequest{Type: cloud.ActionEnableIPv6}, cloud.StatusActive},
	} {
		got := f.runAction(in.ID, step.req)
		if got.Status != step.want {
			t.Fatalf("after %s: %+v, want %s", step.req.Type, got, step.want)
		}
		if step.req.Type == cloud.ActionEnableIPv6 && got.IPv6 == "" {
			t.Fatalf("after %s: %+v has no IPv6 address", step.req.Type, got)
		}
	}
}

// runAction starts an action, waits for it and returns the server after it.
func (f *fixture) runAction(id string, req cloud.ActionRequest) *cloud.Instance {
	f.t.Helper()
	ctx := context.Background()
	a, err := f.client.DoAction(ctx, id, req)
	if err != nil {
		f.t.Fatalf("%s: %v", req.Type, err)
	}
	if a.Type != req.Type || (a.Status != cloud.ActionInProgress && a.Status != cloud.ActionCompleted) {
		f.t.Fatalf("%s started as %+v", req.Type, a)
	}
	if done := f.waitAction(id, a); done.Type != req.Type && done.Type != f.driver.ListedAs(req.Type) {
		f.t.Fatalf("%s completed as an action of type %s", req.Type, done.Type)
	}
	got, err := f.client.GetInstance(ctx, id)
	if err != nil {
		f.t.Fatalf("after %s: %v", req.Type, err)
	}
	return got
}

func testDelete(t *testing.T, f *fixture) {
	ctx := context.Background()
	in := f.mustCreate("webrana-33333333")
	if err := f.client.DeleteInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.GetInstance(ctx, in.ID)
	wantCode(t, err, cloud.NotFound, "get after delete")
	// The one slot is free again.
	f.mustCreate("webrana-44444444")
}

func testNotFound(t *testing.T, f *fixture) {
	ctx := context.Background()
	_, err := f.client.GetInstance(ctx, "999999999")
	wantCode(t, err, cloud.NotFound, "GetInstance of an unknown id")
	wantCode(t, f.client.DeleteInstance(ctx, "999999999"), cloud.NotFound, "DeleteInstance of an unknown id")
	// Even an action that changes nothing at a provider (enable_ipv6 at
	// Linode) must not claim success on a server that does not exist.
	for _, typ := range []cloud.ActionType{cloud.ActionReboot, cloud.ActionPowerCycle, cloud.ActionEnableIPv6} {
		_, err = f.client.DoAction(ctx, "999999999", cloud.ActionRequest{Type: typ})
		wantCode(t, err, cloud.NotFound, "DoAction "+string(typ)+" on an unknown id")
	}
}

func testUnauthorized(t *testing.T, f *fixture) {
	revoked := true
	if err := f.sim.UpdateAccount(f.token, cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.Account(context.Background())
	wantCode(t, err, cloud.Unauthorized, "Account with a revoked token")
	_, err = f.client.CreateInstance(context.Background(), f.createReq("webrana-55555555"))
	wantCode(t, err, cloud.Unauthorized, "CreateInstance with a revoked token")
}

func testQuota(t *testing.T, f *fixture) {
	_, err := f.client.CreateInstance(context.Background(), f.createReq("webrana-66666666"))
	wantCode(t, err, cloud.QuotaExceeded, "create on a full account")
	if f.sim.Stats().LimitErrors != 1 {
		t.Fatalf("the simulator saw %d limit errors, want 1", f.sim.Stats().LimitErrors)
	}
}

func testTransient(t *testing.T, f *fixture) {
	ctx := context.Background()
	for _, tt := range []struct {
		status int
		code   cloud.ErrorCode
	}{{429, cloud.RateLimited}, {503, cloud.Unavailable}, {500, cloud.Unavailable}} {
		// The driver alone reports the code...
		if err := f.sim.AddFault(cloudsim.FaultSpec{Status: tt.status, Count: 1}); err != nil {
			t.Fatal(err)
		}
		_, err := f.driver.Account(ctx)
		e := f.driver.Classify(err)
		if e == nil || e.Code != tt.code {
			t.Fatalf("driver on %d: %v classified %+v, want %v", tt.status, err, e, tt.code)
		}
		// A 429 that says nothing of when to come back (the simulator's
		// injected ones) is held back for the pacer's short backoff: the
		// caller must learn that it may retry soon, not in a minute.
		if tt.status == 429 && (e.RetryAfter <= 0 || e.RetryAfter >= 30*time.Second) {
			t.Fatalf("RetryAfter of a bare 429 = %v, want the pacer's short backoff", e.RetryAfter)
		}
		// ...and the client retries a read through it.
		if err := f.sim.AddFault(cloudsim.FaultSpec{Status: tt.status, Count: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.client.Account(ctx); err != nil {
			t.Fatalf("Account after two %d answers: %v, want success on the third try", tt.status, err)
		}
	}
}

const testPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBSzR1PNOgUv3Y8R2yx3wS3qHCRvvEnZGXtY4twBeDdD conformance@example"

func testSSHKeys(t *testing.T, f *fixture) {
	ctx := context.Background()
	first, err := f.client.EnsureSSHKey(ctx, "laptop", testPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.client.EnsureSSHKey(ctx, "laptop", testPublicKey)
	if err != nil || again.ID != first.ID || first.Fingerprint == "" {
		t.Fatalf("second EnsureSSHKey = %+v, %v; want the same key %+v", again, err, first)
	}
}

func testMetrics(t *testing.T, f *fixture) {
	in := f.mustCreate("webrana-88888888")
	f.clock.Advance(createDelay + time.Hour)
	end := f.clock.Now()
	ctx := context.Background()
	points, err := f.client.Metrics(ctx, in.ID, cloud.MetricCPU, end.Add(-time.Hour), end)
	if err != nil || len(points) < 2 {
		t.Fatalf("Metrics cpu: %d points, %v", len(points), err)
	}
	busy := 0.0
	for i, p := range points {
		if i > 0 && !p.Time.After(points[i-1].Time) {
			t.Fatalf("metric points out of order at %d", i)
		}
		if p.Value < 0 || p.Value > 100 {
			t.Fatalf("cpu[%d] = %v at %v; want percent busy, 0 to 100", i, p.Value, p.Time)
		}
		if p.Time.Before(end.Add(-time.Hour)) || p.Time.After(end) {
			t.Fatalf("cpu[%d] at %v, outside the hour asked", i, p.Time)
		}
		busy = max(busy, p.Value)
	}
	if busy == 0 {
		t.Fatalf("cpu never busy over an hour: %v", points)
	}
	bw, err := f.client.Metrics(ctx, in.ID, cloud.MetricBandwidth, end.Add(-time.Hour), end)
	if err != nil || len(bw) < 2 {
		t.Fatalf("Metrics bandwidth: %d points, %v", len(bw), err)
	}
	top := 0.0
	for i, p := range bw {
		if p.Value < 0 {
			t.Fatalf("bandwidth[%d] = %v", i, p.Value)
		}
		top = max(top, p.Value)
	}
	// The simulators send kilobits to megabits a second: in bit/s, the
	// portable unit, that is well over a thousand (in Mbit/s it would not be).
	if top < 1000 {
		t.Fatalf("bandwidth tops at %v; want bits per second", top)
	}
	if _, err := f.client.Metrics(ctx, in.ID, cloud.Metric("memory"), end.Add(-time.Hour), end); cloud.Code(err) != cloud.InvalidArgument {
		t.Fatalf("unknown metric: %v, want InvalidArgument", err)
	}
}

// testPacing sends more requests than the provider's shortest window allows
// from several goroutines; the pacer must keep every one of them under the
// limit, so the simulator refuses none.
func testPacing(t *testing.T, f *fixture) {
	var wg sync.WaitGroup
	errs := make(chan error, f.h.Burst)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; j < f.h.Burst; j += 8 {
				if _, err := f.driver.Account(context.Background()); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("request failed under pacing: %v", err)
	}
	if st := f.sim.Stats(); st.RateLimited != 0 {
		t.Fatalf("the simulator answered %d requests with 429; pacing must prevent every one", st.RateLimited)
	}
}
