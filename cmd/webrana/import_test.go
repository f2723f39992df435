package main

import (
	"context"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// TestImport runs `webrana import` on both engines against a standalone
// simulator: DO_ACCESS_TOKEN's account learns its e-mail from the provider;
// a dry run changes nothing; --apply adopts the tagged servers a plan sells
// as the owner's, never an order's server; a second run adopts nothing;
// the account's count stays what the provider runs.
func TestImport(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testImport(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		testImport(t, map[string]string{"WEBRANA_DATABASE_URL": storetest.PostgresURL(t, false)})
	})
}

func testImport(t *testing.T, more map[string]string) {
	ctx := context.Background()
	sim, simURL := standaloneSim(t)
	more = mapWith(more, "DO_ACCESS_TOKEN", "dop_v1_production_test")
	vars := productionVars(t, simURL, more)
	m := startMain(t, mapWith(vars))
	accounts, err := m.DB.ListAccounts(ctx, webrana.DigitalOcean)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts %v, %v; want the one from DO_ACCESS_TOKEN", accounts, err)
	}
	legacy, err := m.Pool.CheckHealth(ctx, accounts[0].ID)
	if err != nil || legacy.Email != "owner@do.example.com" {
		t.Fatalf("the legacy account after a health check: %+v, %v; want the provider's e-mail", legacy, err)
	}
	prodUser(t, m, "owner@example.com", webrana.RoleCustomer)
	plan := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: "Kept 1 GB", VCPUs: 1, MemoryMB: 1024,
		DiskGB: 25, PriceMonthly: 800, PriceHourly: 2, Currency: webrana.BillingCurrency, Regions: []string{"sgp1"}, IsActive: true}
	if err := m.DB.CreatePlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	// An order's server, tagged "production" too: never adopted.
	c, err := m.Pool.Client(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateInstance(ctx, &cloud.CreateRequest{Name: "webrana-abcdef12", Region: "sgp1", Size: "s-1vcpu-1gb",
		Image: "ubuntu-24-04-x64", Tags: []string{"webrana-order-abcdef12-0000", "production"}}); err != nil {
		t.Fatal(err)
	}
	importCmd := func(extra ...string) string {
		t.Helper()
		var stdout, stderr syncBuffer
		args := append([]string{"import", "--account", legacy.ID, "--owner", "owner@example.com", "--tag", "production"}, extra...)
		cmdVars := mapWith(vars, "WEBRANA_ADDR", "127.0.0.1:0")
		if code := run(ctx, env{args: args, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: testEnv(cmdVars)}); code != 0 {
			t.Fatalf("import %v: exit %d\n%s", extra, code, stderr.String())
		}
		return stdout.String()
	}
	owned := func() []*webrana.Instance {
		t.Helper()
		in, _, err := m.DB.ListInstances(ctx, webrana.InstanceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}

	out := importCmd()
	if !strings.Contains(out, "3 would adopt, 2 skipped; dry run") || !strings.Contains(out, "carries the tag of order") ||
		!strings.Contains(out, "no plan sells size s-1vcpu-2gb") || len(owned()) != 0 {
		t.Fatalf("dry run printed:\n%s\nand made %d instances", out, len(owned()))
	}
	out = importCmd("--apply")
	instances := owned()
	if !strings.Contains(out, "3 adopted, 2 skipped") || len(instances) != 3 {
		t.Fatalf("--apply printed:\n%s\nand made %d instances, want 3", out, len(instances))
	}
	for _, in := range instances {
		if in.ProviderID == "" || in.AccountID != legacy.ID || in.PlanID != plan.ID || in.Status != webrana.StatusActive ||
			in.IPv4 == "" || in.Region == "" || in.Image == "" {
			t.Errorf("adopted instance %+v", in)
		}
	}
	wantActive := sim.Accounts()[0].Instances // 4 foreign + the order's
	if a, err := m.DB.AccountByID(ctx, legacy.ID); err != nil || a.Active != wantActive {
		t.Fatalf("after the import the account counts %d active (%v), want the provider's %d", a.Active, err, wantActive)
	}
	if out := importCmd("--apply"); !strings.Contains(out, "0 adopted, 5 skipped") || len(owned()) != 3 {
		t.Fatalf("a second --apply printed:\n%s", out)
	}
	if a, err := m.Pool.Sync(ctx, legacy.ID); err != nil || a.Active != wantActive {
		t.Fatalf("after a sync the account counts %d active (%v), want %d", a.Active, err, wantActive)
	}
	audit, _, err := m.DB.ListAudit(ctx, store.AuditFilter{Action: "vps.imported"})
	if err != nil || len(audit) != 3 {
		t.Fatalf("%d vps.imported audit entries (%v), want 3", len(audit), err)
	}
}
