package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

func planID(p *webrana.Plan) string { return p.ID }

var _ = register("PlanRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	mustProvider(t, db, webrana.Linode)
	p := &webrana.Plan{ProviderType: webrana.Linode, SizeSlug: "g6-standard-2", Name: "Standard 4GB", VCPUs: 2,
		MemoryMB: 4096, DiskGB: 80, TransferGB: 4000, PriceMonthly: 2400, PriceHourly: 4, Currency: "IDR",
		Regions: []string{"ap-south", "id-cgk", "us-east"}, IsActive: true}
	must(t, db.CreatePlan(ctx, p))
	if p.ID == "" || !p.CreatedAt.Equal(clk.Now()) || !p.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("CreatePlan set %+v", p)
	}
	got, err := db.PlanByID(ctx, p.ID)
	must(t, err)
	mustEqual(t, "plan", got, p)

	bare := &webrana.Plan{ProviderType: webrana.Linode, SizeSlug: "g6-nanode-1", Name: "Nanode", PriceMonthly: 1, PriceHourly: 1, Currency: "USD"}
	must(t, db.CreatePlan(ctx, bare))
	got, err = db.PlanByID(ctx, bare.ID)
	must(t, err)
	mustEqual(t, "bare plan", got, bare)
	if got.Regions == nil || len(got.Regions) != 0 || got.IsActive {
		t.Fatalf("bare plan read back with regions %#v, active %v; want an empty list, inactive", got.Regions, got.IsActive)
	}

	_, err = db.PlanByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "PlanByID missing")
	err = db.CreatePlan(ctx, &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s", Name: "x", PriceMonthly: 1, PriceHourly: 1, Currency: "USD"})
	wantCode(t, err, webrana.EINVALID, "plan of a provider not ensured")
})

var _ = register("PlanUniqueName", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	mustPlan(t, db, webrana.DigitalOcean, "Small")
	medium := mustPlan(t, db, webrana.DigitalOcean, "Medium")
	dup := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-2vcpu-2gb", Name: "Small", PriceMonthly: 600, PriceHourly: 1, Currency: "USD"}
	wantCode(t, db.CreatePlan(ctx, dup), webrana.ECONFLICT, "second plan named Small")
	mustPlan(t, db, webrana.Linode, "Small") // names are per provider

	rename := *medium
	rename.Name = "Small"
	_, err := db.UpdatePlan(ctx, &rename)
	wantCode(t, err, webrana.ECONFLICT, "renaming to a taken name")
	got, err := db.PlanByID(ctx, medium.ID)
	must(t, err)
	mustEqual(t, "plan after the refused rename", got, medium)
})

var _ = register("PlanList", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	var all []*webrana.Plan
	for _, s := range []struct {
		typ    webrana.ProviderType
		name   string
		price  int64
		active bool
	}{
		{webrana.Linode, "L-big", 9600, true}, {webrana.DigitalOcean, "D-mid", 1200, false},
		{webrana.DigitalOcean, "D-small-b", 600, true}, {webrana.Linode, "L-small", 500, false},
		{webrana.DigitalOcean, "D-small-a", 600, true}, {webrana.DigitalOcean, "D-big", 4800, true},
	} {
		all = append(all, mustPlan(t, db, s.typ, s.name, func(p *webrana.Plan) { p.PriceMonthly, p.IsActive = s.price, s.active }))
	}
	slices.SortFunc(all, func(a, b *webrana.Plan) int {
		return cmp.Or(cmp.Compare(a.ProviderType, b.ProviderType), cmp.Compare(a.PriceMonthly, b.PriceMonthly), cmp.Compare(a.Name, b.Name))
	})
	for _, f := range []store.PlanFilter{
		{}, {ActiveOnly: true}, {ProviderType: webrana.DigitalOcean}, {ProviderType: webrana.Linode},
		{ProviderType: webrana.DigitalOcean, ActiveOnly: true}, {ProviderType: webrana.Linode, ActiveOnly: true},
	} {
		want := filterIDs(all, planID, func(p *webrana.Plan) bool {
			return (f.ProviderType == "" || p.ProviderType == f.ProviderType) && (!f.ActiveOnly || p.IsActive)
		})
		got, err := db.ListPlans(ctx, f)
		must(t, err)
		if !slices.Equal(ids(got, planID), want) {
			t.Errorf("ListPlans(%+v): got %v, want %v", f, ids(got, planID), want)
		}
	}
})

var _ = register("PlanUpdate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	p := mustPlan(t, db, webrana.DigitalOcean, "Small")
	later := clk.Advance(time.Hour)
	upd := &webrana.Plan{ID: p.ID, ProviderType: webrana.Linode, SizeSlug: "s-2vcpu-4gb", Name: "Small+", VCPUs: 2,
		MemoryMB: 4096, DiskGB: 80, TransferGB: 4000, PriceMonthly: 2400, PriceHourly: 4, Currency: "EUR",
		Regions: []string{"fra1", "ams3"}, IsActive: false}
	got, err := db.UpdatePlan(ctx, upd)
	must(t, err)
	want := *upd
	want.ProviderType, want.CreatedAt, want.UpdatedAt = p.ProviderType, p.CreatedAt, later // the provider stays
	mustEqual(t, "updated plan", got, &want)
	stored, err := db.PlanByID(ctx, p.ID)
	must(t, err)
	mustEqual(t, "stored plan", stored, &want)

	cleared := want
	cleared.Regions = nil
	got, err = db.UpdatePlan(ctx, &cleared)
	must(t, err)
	if got.Regions == nil || len(got.Regions) != 0 {
		t.Fatalf("regions after clearing: %#v, want an empty list", got.Regions)
	}

	_, err = db.UpdatePlan(ctx, &webrana.Plan{ID: "missing", Name: "x", PriceMonthly: 1, PriceHourly: 1, Currency: "USD"})
	wantCode(t, err, webrana.ENOTFOUND, "UpdatePlan missing")
})

var _ = register("PlanDelete", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	unused := mustPlan(t, db, webrana.DigitalOcean, "Unused")
	used := mustPlan(t, db, webrana.DigitalOcean, "Used")
	mustInstance(t, db, newInstance(mustUser(t, db), used))

	must(t, db.DeletePlan(ctx, unused.ID))
	_, err := db.PlanByID(ctx, unused.ID)
	wantCode(t, err, webrana.ENOTFOUND, "deleted plan")
	wantCode(t, db.DeletePlan(ctx, unused.ID), webrana.ENOTFOUND, "deleting twice")

	wantCode(t, db.DeletePlan(ctx, used.ID), webrana.ECONFLICT, "deleting a plan with servers")
	got, err := db.PlanByID(ctx, used.ID)
	must(t, err)
	mustEqual(t, "plan after the refused delete", got, used)
})
