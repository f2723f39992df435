package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// rig is a database with one customer whose server went active at start.
type rig struct {
	db       *store.DB
	clock    *cloudtest.Clock
	meter    *billing.Meter
	customer *webrana.User
	instance string
}

func engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenPostgres(t)) })
}

// newRig activates a server on a plan at start (the first day charged).
func newRig(t *testing.T, db *store.DB, start time.Time, hourly, monthly int64) *rig {
	t.Helper()
	c := cloudtest.NewClock(start)
	db.Now = c.Now
	return activeServer(t, db, c, "c@example.com", hourly, monthly)
}

// activeServer activates a server for a new customer, on a plan of its
// own, now (the first day charged).
func activeServer(t *testing.T, db *store.DB, c *cloudtest.Clock, email string, hourly, monthly int64) *rig {
	t.Helper()
	ctx := context.Background()
	u := &webrana.User{Email: email, Role: webrana.RoleCustomer, PasswordHash: "x"}
	must(t, db.CreateUser(ctx, u))
	_, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean")
	must(t, err)
	plan := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: "S " + email, PriceHourly: hourly,
		PriceMonthly: monthly, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
	must(t, db.CreatePlan(ctx, plan))
	first, err := provision.FirstPeriod(plan)
	must(t, err)
	_, err = db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: max(1_000_000, first.Amount), Currency: "USD"})
	must(t, err)
	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: &webrana.Instance{OwnerID: u.ID, ProviderType: webrana.DigitalOcean,
		PlanID: plan.ID, Label: "web-1", Region: "sgp1", Image: "ubuntu", Status: webrana.StatusProvisioning},
		Hold: first}, nil)
	must(t, err)
	must(t, db.CompleteOrder(ctx, o.ID, store.Completion{IPv4: "203.0.113.1", IPv6: "", Prepaid: provision.PrepaidSpan, Charge: o.HoldAmount}))
	return &rig{db: db, clock: c, meter: billing.NewMeter(db, &billing.MeterConfig{Now: c.Now}), customer: u, instance: o.InstanceID}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// charges sums the customer's charges (the first day included).
func (r *rig) charges(t *testing.T) (n int, total int64) {
	t.Helper()
	entries, _, err := r.db.ListLedger(context.Background(), r.customer.ID, webrana.Page{PerPage: 200})
	must(t, err)
	for _, e := range entries {
		if e.Kind == webrana.LedgerCharge {
			n++
			total -= e.Amount
		}
	}
	return n, total
}

func (r *rig) run(t *testing.T) (int, int64) {
	t.Helper()
	h, c, err := r.meter.Run(context.Background())
	must(t, err)
	return h, c
}

// TestMeterChargesEachStartedHourOnce: nothing during the prepaid first
// day; then each started hour once, however often the meter runs.
func TestMeterChargesEachStartedHourOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, time.Date(2031, 5, 3, 10, 0, 0, 0, time.UTC), 2, 1000)
		r.clock.Advance(23 * time.Hour)
		if h, _ := r.run(t); h != 0 {
			t.Fatalf("%d hours billed inside the prepaid first day", h)
		}
		r.clock.Advance(90 * time.Minute) // 24h30m: hour 25 has started
		for range 3 {                     // the same hour, metered again and again
			r.run(t)
		}
		if n, total := r.charges(t); n != 2 || total != 48+2 {
			t.Fatalf("%d charges totalling %d, want the first day (48) and one hour (2)", n, total)
		}
		r.clock.Advance(2 * time.Hour) // 26h30m: two more hours started
		if h, c := r.run(t); h != 2 || c != 4 {
			t.Fatalf("billed %d hours for %d, want 2 for 4", h, c)
		}
	})
}

// TestMeterCapsAtTheMonthlyPrice: hours stop costing once the month's
// charges reach the monthly price, and start again in the next month.
func TestMeterCapsAtTheMonthlyPrice(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		// Active on the 20th at 00:00: the first day costs 24 × 10 = 240; the
		// month's cap is 1,000, so 76 more hours reach it.
		r := newRig(t, db, time.Date(2031, 5, 20, 0, 0, 0, 0, time.UTC), 10, 1000)
		r.clock.Advance(time.Date(2031, 5, 31, 23, 30, 0, 0, time.UTC).Sub(r.clock.Now()))
		r.run(t)
		_, total := r.charges(t)
		if total != 1000 {
			t.Fatalf("May charges %d, want the 1000 cap", total)
		}
		r.clock.Advance(3 * time.Hour) // 02:30 on June 1st: three June hours started
		r.run(t)
		if _, total = r.charges(t); total != 1000+30 {
			t.Fatalf("charges %d after three June hours, want 1030", total)
		}
	})
}

// TestMeterStopsAtDeletion: hours starting after deletion are not billed.
func TestMeterStopsAtDeletion(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, time.Date(2031, 5, 3, 10, 0, 0, 0, time.UTC), 2, 1000)
		r.clock.Advance(24*time.Hour + 150*time.Minute) // hours 25, 26, 27 started
		deleted := r.clock.Now()
		st := webrana.StatusDeleted
		_, err := db.UpdateInstance(context.Background(), r.instance, store.InstanceUpdate{Status: &st, DeletedAt: &deleted})
		must(t, err)
		r.clock.Advance(48 * time.Hour)
		if h, _ := r.run(t); h != 3 {
			t.Fatalf("%d hours billed, want the 3 started before deletion", h)
		}
		if h, _ := r.run(t); h != 0 {
			t.Fatalf("%d more hours billed after deletion", h)
		}
	})
}
