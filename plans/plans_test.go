package plans_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/revenue"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// setup wires plans over the real catalog: providers → godo/linodego →
// the simulator.
func setup(t *testing.T, db *store.DB) (*plans.Service, webrana.Actor) {
	t.Helper()
	return setupWith(t, db, nil)
}

// setupWith is setup with the plans' optional collaborators made from the
// catalog (costs may be nil).
func setupWith(t *testing.T, db *store.DB, costs func(*catalog.Service) plans.Costs) (*plans.Service, webrana.Actor) {
	t.Helper()
	clock := cloudtest.NewClock(time.Date(2031, 5, 1, 8, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: "do-token", Email: "do@example.com"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	db.Now = clock.Now
	ctx := context.Background()
	if _, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean"); err != nil {
		t.Fatal(err)
	}
	opener := providers.New(providers.Config{DB: db, Pacers: cloud.NewPacers(clock.Now, clock.Sleep), Now: clock.Now,
		Sleep: clock.Sleep, SimulatorURL: srv.URL})
	src := providers.NewStatic(opener, map[webrana.ProviderType]string{webrana.DigitalOcean: "do-token"})
	admin := &webrana.User{Email: "admin@example.com", Role: webrana.RoleAdmin, PasswordHash: "x"}
	if err := db.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, src, &catalog.Config{Now: clock.Now})
	cfg := &plans.Config{}
	if costs != nil {
		cfg.Costs = costs(cat)
	}
	return plans.New(db, cat, cfg), webrana.Actor{User: admin, Source: "192.0.2.7"}
}

// engines runs fn on a fresh SQLite and a fresh PostgreSQL database, each
// with the plans service and the operator acting.
func engines(t *testing.T, fn func(t *testing.T, db *store.DB, svc *plans.Service, by webrana.Actor)) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			svc, by := setup(t, db)
			fn(t, db, svc, by)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func starter() plans.Change {
	return plans.Change{ProviderType: ptr(webrana.DigitalOcean), SizeSlug: ptr("s-1vcpu-1gb"), Name: ptr("Starter"),
		PriceMonthly: ptr(int64(700)), PriceHourly: ptr(int64(1)), Regions: []string{"sgp1"}}
}

// audits returns the audit entries of one action, newest first.
func audits(t *testing.T, db *store.DB, action string) []*webrana.AuditEntry {
	t.Helper()
	entries, _, err := db.ListAudit(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestChangesAreAudited: each change is stored with its audit entry,
// naming the operator and the address they came from; the size's
// resources come from the catalog; the provider never changes.
func TestChangesAreAudited(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB, svc *plans.Service, by webrana.Actor) {
		ctx := context.Background()
		p, err := svc.Create(ctx, by, starter())
		if err != nil {
			t.Fatal(err)
		}
		if p.VCPUs != 1 || p.MemoryMB != 1024 || p.Currency != "USD" || !p.IsActive {
			t.Fatalf("created %+v; want the size's resources, USD, active", p)
		}
		want := webrana.AuditEntry{ActorID: by.User.ID, ActorEmail: "admin@example.com", Action: "plan.created",
			TargetType: "plan", TargetID: p.ID, Detail: "Starter", SourceAddr: "192.0.2.7"}
		if got := audits(t, db, "plan.created"); len(got) != 1 || !sameEntry(*got[0], want) {
			t.Fatalf("audit %+v, want %+v", got, want)
		}
		if _, err := svc.Update(ctx, by, p.ID, plans.Change{ProviderType: ptr(webrana.Linode)}); webrana.ErrorField(err) != "provider_type" {
			t.Fatalf("a plan moved to another provider: %v", err)
		}
		if p, err = svc.Update(ctx, by, p.ID, plans.Change{PriceMonthly: ptr(int64(800))}); err != nil || p.PriceMonthly != 800 {
			t.Fatalf("update: %+v, %v", p, err)
		}
		if got := audits(t, db, "plan.updated"); len(got) != 1 || got[0].TargetID != p.ID || got[0].ActorID != by.User.ID {
			t.Fatalf("update audit %+v", got)
		}
		if gone, err := svc.Delete(ctx, by, p.ID); err != nil || gone.Name != "Starter" {
			t.Fatalf("delete: %+v, %v", gone, err)
		}
		if _, err := svc.Get(ctx, p.ID); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Fatalf("deleted plan: %v", err)
		}
		if got := audits(t, db, "plan.deleted"); len(got) != 1 || got[0].TargetID != p.ID {
			t.Fatalf("delete audit %+v", got)
		}
	})
}

func sameEntry(a, b webrana.AuditEntry) bool {
	a.ID, a.CreatedAt = "", time.Time{}
	return a == b
}

// TestNoChangeWithoutItsAudit: when the audit entry cannot be written, the
// change is not made either (it used to be, and the caller was told 500).
func TestNoChangeWithoutItsAudit(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB, svc *plans.Service, by webrana.Actor) {
		ctx := context.Background()
		p, err := svc.Create(ctx, by, starter())
		if err != nil {
			t.Fatal(err)
		}
		storetest.RefuseAudits(t, db)
		other := starter()
		other.Name = ptr("Other")
		if _, err := svc.Create(ctx, by, other); err == nil {
			t.Fatal("created without an audit")
		}
		if _, err := svc.Update(ctx, by, p.ID, plans.Change{PriceMonthly: ptr(int64(900))}); err == nil {
			t.Fatal("updated without an audit")
		}
		if _, err := svc.Delete(ctx, by, p.ID); err == nil {
			t.Fatal("deleted without an audit")
		}
		all, err := svc.List(ctx, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].ID != p.ID || all[0].PriceMonthly != 700 {
			t.Fatalf("plans after refused audits: %+v; want the first plan as it was", all)
		}
	})
}

// TestBelowCostWarns: a plan created or changed below its provider's price
// for its size (the simulator's DigitalOcean catalog: s-1vcpu-1gb at 6.00 a
// month) is stored, with a warning; priced at or above it, it has none.
func TestBelowCostWarns(t *testing.T) {
	db := storetest.OpenSQLite(t)
	svc, by := setupWith(t, db, func(c *catalog.Service) plans.Costs { return revenue.New(db, c, nil) })
	ctx := context.Background()
	c := starter()
	c.PriceMonthly = ptr(int64(500))
	p, err := svc.Create(ctx, by, c)
	if err != nil {
		t.Fatalf("a plan below cost is refused: %v", err)
	}
	w := svc.Warnings(ctx, p)[p.ID]
	if len(w) != 1 || !strings.Contains(w[0], "below its provider's price") || !strings.Contains(w[0], "6.00 USD a month") {
		t.Errorf("warnings %q, want one naming the provider's 6.00", w)
	}
	if p, err = svc.Update(ctx, by, p.ID, plans.Change{PriceMonthly: ptr(int64(600))}); err != nil {
		t.Fatal(err)
	}
	if w := svc.Warnings(ctx, p)[p.ID]; len(w) != 0 {
		t.Errorf("a plan at the provider's price warned: %q", w)
	}
	if w := setupPlain(t).Warnings(ctx, p); len(w) != 0 {
		t.Errorf("without costs, warnings %q", w)
	}
}

func setupPlain(t *testing.T) *plans.Service {
	svc, _ := setup(t, storetest.OpenSQLite(t))
	return svc
}
