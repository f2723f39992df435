package cloudtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
)

// A driver's Capabilities are a promise both ways: what it declares, it
// does against the simulator; what it does not, the Client refuses with
// InvalidArgument on the request's field, before the provider sees it.

// testCapabilitiesDeclared: the driver, its client and its registration
// declare the same, and what can be told without a server agrees.
func testCapabilitiesDeclared(t *testing.T, f *fixture) {
	reg := f.h.Registration
	if got := f.driver.Capabilities(); got != reg.Capabilities || f.client.Capabilities() != got {
		t.Fatalf("driver declares %+v, its client %+v, its registration %+v", got, f.client.Capabilities(), reg.Capabilities)
	}
	if f.driver.Provider() != reg.Type || reg.Name == "" {
		t.Fatalf("driver of %q registered as %q named %q", f.driver.Provider(), reg.Type, reg.Name)
	}
	if native := f.driver.ListedAs(cloud.ActionPowerCycle) == cloud.ActionPowerCycle; native != f.caps().PowerCycle {
		t.Fatalf("power_cycle is listed as %s, but PowerCycle is declared %v", f.driver.ListedAs(cloud.ActionPowerCycle), f.caps().PowerCycle)
	}
	// BudgetPath is in the budget the account's calls spend.
	pacer := f.pacers.For(reg.Type, f.token, reg.RatePolicy)
	before := pacer.Remaining("GET", reg.BudgetPath)
	if _, err := f.client.Account(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := pacer.Remaining("GET", reg.BudgetPath); after >= before {
		t.Fatalf("budget at GET %s: %d before Account, %d after; want it spent", reg.BudgetPath, before, after)
	}
}

// testCreateOptions: a server created with every option the driver
// declares has each of them, as the provider reports it; one created
// without has none of them. The VPC is the account's default one, which
// the plain server is placed in.
func testCreateOptions(t *testing.T, f *fixture) {
	ctx := context.Background()
	caps := f.caps()
	plainReq := f.createReq("webrana-plain")
	plainReq.IPv6 = false
	if !caps.RootPasswordRequired {
		plainReq.RootPassword = "" // optional: it is not needed to create one
	}
	plain := f.createActive(plainReq)
	if plain.Backups || plain.Monitoring || (plain.VPCUUID != "") != caps.VPC {
		t.Fatalf("a server created without options: %+v; want no backups, no monitoring, a VPC only where declared", plain)
	}
	req := f.createReq("webrana-options")
	req.Backups, req.Monitoring, req.VPCUUID = caps.Backups, caps.MonitoringAgent, plain.VPCUUID
	got := f.createActive(req)
	if got.Backups != caps.Backups || got.Monitoring != caps.MonitoringAgent || got.VPCUUID != plain.VPCUUID || got.IPv6 == "" {
		t.Fatalf("a server created with every declared option: %+v; want backups %v, monitoring %v, VPC %q and IPv6",
			got, caps.Backups, caps.MonitoringAgent, plain.VPCUUID)
	}
	if caps.UserData {
		withData := f.createReq("webrana-userdata")
		withData.UserData, withData.RootPassword = "#cloud-config\npackages: [curl]\n", ""
		if caps.RootPasswordRequired {
			withData.RootPassword = rootPassword
		}
		if _, err := f.client.CreateInstance(ctx, withData); err != nil {
			t.Fatalf("user data, declared: %v", err)
		}
	}
}

// createActive creates a server and returns it once active.
func (f *fixture) createActive(req *cloud.CreateRequest) *cloud.Instance {
	f.t.Helper()
	in, err := f.client.CreateInstance(context.Background(), req)
	if err != nil {
		f.t.Fatalf("CreateInstance %s: %v", req.Name, err)
	}
	f.clock.Advance(createDelay + time.Second)
	got, err := f.client.GetInstance(context.Background(), in.ID)
	if err != nil || got.Status != cloud.StatusActive {
		f.t.Fatalf("%s after the create delay: %+v, %v; want active", req.Name, got, err)
	}
	return got
}

// testCreateRefusals: every option the driver does not declare is refused
// on its field, and the provider is never asked.
func testCreateRefusals(t *testing.T, f *fixture) {
	caps := f.caps()
	for _, tc := range []struct {
		field    string
		declared bool
		ask      func(r *cloud.CreateRequest)
	}{
		{"monitoring", caps.MonitoringAgent, func(r *cloud.CreateRequest) { r.Monitoring = true }},
		{"vpc_uuid", caps.VPC, func(r *cloud.CreateRequest) { r.VPCUUID = "5f7e3a4c-1d2b-4c3a-8e9f-0a1b2c3d4e5f" }},
		{"backups", caps.Backups, func(r *cloud.CreateRequest) { r.Backups = true }},
		{"user_data", caps.UserData, func(r *cloud.CreateRequest) { r.UserData = "#cloud-config\n" }},
		{"root_password", !caps.RootPasswordRequired, func(r *cloud.CreateRequest) { r.RootPassword = "" }},
		{"root_password", caps.RootPassword != cloud.RootPasswordNone, func(r *cloud.CreateRequest) { r.RootPassword = rootPassword }},
		{"user_data", caps.RootPassword != cloud.RootPasswordCloudInit || !caps.UserData,
			func(r *cloud.CreateRequest) { r.UserData, r.RootPassword = "#cloud-config\n", rootPassword }},
		{"app", caps.Marketplace != cloud.MarketplaceNone, func(r *cloud.CreateRequest) { r.App = "wordpress" }},
		{"app_fields", caps.Marketplace == cloud.MarketplaceScripts,
			func(r *cloud.CreateRequest) { r.App, r.AppFields = f.h.App, map[string]string{"greeting": "hi"} }},
	} {
		if tc.declared {
			continue
		}
		req := f.createReq("webrana-refused")
		tc.ask(req)
		f.wantRefused(req, tc.field)
	}
}

// wantRefused checks a create is refused on field before the provider is
// asked.
func (f *fixture) wantRefused(req *cloud.CreateRequest, field string) {
	f.t.Helper()
	before := f.creates()
	_, err := f.client.CreateInstance(context.Background(), req)
	var e *cloud.Error
	if cloud.Code(err) != cloud.InvalidArgument || !errors.As(err, &e) || e.Field != field {
		f.t.Errorf("create %+v: %v; want InvalidArgument on %s", req, err, field)
	}
	if n := f.creates() - before; n != 0 {
		f.t.Errorf("create refused on %s reached the provider %d times", field, n)
	}
}

// creates counts the create requests the simulator answered.
func (f *fixture) creates() int {
	n := 0
	for _, r := range f.sim.Stats().Requests {
		if r.Method == "POST" && r.Path == f.h.CreatePath {
			n += r.Count
		}
	}
	return n
}

// testMarketplaceApp: a server is created from the harness's app as the
// driver's Marketplace kind says, and an app the driver cannot map is
// refused.
func testMarketplaceApp(t *testing.T, f *fixture) {
	if f.caps().Marketplace == cloud.MarketplaceNone {
		return
	}
	req := f.createReq("webrana-app")
	req.App, req.Image, req.AppFields = f.h.App, f.h.AppImage, f.h.AppFields
	if got := f.createActive(req); got.Image != f.h.AppImage {
		t.Fatalf("server of app %s runs %q, want %s", f.h.App, got.Image, f.h.AppImage)
	}
	unknown := f.createReq("webrana-noapp")
	unknown.App = "no-such-app"
	if f.caps().Marketplace == cloud.MarketplaceImages {
		// An app is its image: one with another image than the app's is
		// a mistake the driver sees without asking.
		mismatched := f.createReq("webrana-mismatch")
		mismatched.App = f.h.App
		f.wantRefused(mismatched, "image")
		unknown.Image = unknown.App
	}
	if _, err := f.client.CreateInstance(context.Background(), unknown); cloud.Code(err) != cloud.InvalidArgument {
		t.Fatalf("create from an app the catalog lacks: %v, want InvalidArgument", err)
	}
}

// testActionRules: resize and password reset run in the states the driver
// declares, and the provider refuses them in the others; both end as the
// action says.
func testActionRules(t *testing.T, f *fixture) {
	ctx := context.Background()
	caps := f.caps()
	in := f.createActive(f.createReq("webrana-rules"))
	resize := cloud.ActionRequest{Type: cloud.ActionResize, Size: f.h.BiggerSize, Disk: caps.ResizeDisk == cloud.ResizeDiskAlways}
	reset := cloud.ActionRequest{Type: cloud.ActionPassword}
	if caps.PasswordReset == cloud.PasswordResetGiven {
		reset.Password = "Conformance-New-Pw-2032!"
	}
	for _, step := range []struct {
		req         cloud.ActionRequest
		stoppedOnly bool
	}{{resize, caps.ResizeStopped}, {reset, caps.PasswordResetStopped}} {
		if step.stoppedOnly {
			_, err := f.client.DoAction(ctx, in.ID, step.req)
			if err == nil || cloud.Transient(err) {
				t.Fatalf("%s of a running server: %v; it is declared for stopped servers only", step.req.Type, err)
			}
			continue
		}
		if got := f.runAction(in.ID, step.req); got.Status != cloud.StatusActive {
			t.Fatalf("after %s of a running server: %+v, want it running", step.req.Type, got)
		}
	}
	f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionPowerOff})
	for _, req := range []cloud.ActionRequest{resize, reset} {
		if (req.Type == cloud.ActionResize && caps.ResizeStopped) || (req.Type == cloud.ActionPassword && caps.PasswordResetStopped) {
			f.runAction(in.ID, req)
		}
	}
	got, err := f.client.GetInstance(ctx, in.ID)
	if err != nil || got.Size != f.h.BiggerSize {
		t.Fatalf("after the resize: %+v, %v; want size %s", got, err, f.h.BiggerSize)
	}
}
