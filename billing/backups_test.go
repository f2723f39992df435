package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// backupServer activates, at the clock's now, a server of a new customer
// on a plan with backup prices, ordered with backups or not: the order
// holds the first day of both (provision.OrderHold), as Place does.
func backupServer(t *testing.T, db *store.DB, c *cloudtest.Clock, backups bool, plan webrana.Plan) *rig {
	t.Helper()
	ctx := context.Background()
	u := &webrana.User{Email: "b@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
	must(t, db.CreateUser(ctx, u))
	_, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean")
	must(t, err)
	plan.ProviderType, plan.SizeSlug, plan.Name, plan.Currency = webrana.DigitalOcean, "s-1vcpu-1gb", "Backed up", "USD"
	plan.Regions, plan.IsActive = []string{"sgp1"}, true
	must(t, db.CreatePlan(ctx, &plan))
	hold, backupHold, err := provision.OrderHold(&plan, backups)
	must(t, err)
	_, err = db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: 1_000_000, Currency: "USD"})
	must(t, err)
	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: &webrana.Instance{OwnerID: u.ID, ProviderType: webrana.DigitalOcean,
		PlanID: plan.ID, Label: "web-1", Region: "sgp1", Image: "ubuntu", Status: webrana.StatusProvisioning,
		Options: webrana.InstanceOptions{Backups: backups}}, Hold: hold, BackupHold: backupHold}, nil)
	must(t, err)
	must(t, db.CompleteOrder(ctx, o.ID, store.Completion{IPv4: "203.0.113.1", Prepaid: provision.PrepaidSpan, Charge: o.HoldAmount}))
	return &rig{db: db, clock: c, meter: billing.NewMeter(db, &billing.MeterConfig{Now: c.Now}), customer: u, instance: o.InstanceID}
}

// split sums the customer's charges: the first day (server and backups
// together), the server's metered hours and its backups' metered hours.
func (r *rig) split(t *testing.T) (first, server, backups int64) {
	t.Helper()
	for p := 1; ; p++ {
		entries, total, err := r.db.ListLedger(context.Background(), r.customer.ID, webrana.Page{Page: p, PerPage: 200})
		must(t, err)
		for _, e := range entries {
			if e.Kind != webrana.LedgerCharge {
				continue
			}
			switch key := e.IdempotencyKey; {
			case strings.HasPrefix(key, "meter-backups:"):
				backups -= e.Amount
			case strings.HasPrefix(key, "meter:"):
				server -= e.Amount
			default:
				first -= e.Amount
			}
		}
		if p*200 >= total {
			return first, server, backups
		}
	}
}

// The plan of these tests: 0.02 an hour up to 10.00 a month; backups at
// DigitalOcean's 20 % (rounded up): 0.01 an hour up to 2.00 a month.
var backedUp = webrana.Plan{PriceHourly: 2, PriceMonthly: 1000, BackupPriceHourly: 1, BackupPriceMonthly: 200}

// TestMeterBillsAMonthWithBackups: a server ordered with backups at the
// start of June holds the first day of both (48 + 24), and the whole month
// bills exactly the plan's monthly price plus the backups' (1000 + 200),
// the backups in ledger entries of their own; July starts both afresh.
func TestMeterBillsAMonthWithBackups(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		c := cloudtest.NewClock(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
		db.Now = c.Now
		r := backupServer(t, db, c, true, backedUp)
		if first, _, _ := r.split(t); first != 48+24 {
			t.Fatalf("first day %d, want 48 for the server and 24 for its backups", first)
		}
		for day := 1; day < 30; day++ { // the meter every day, to the month's last hour
			c.Advance(24 * time.Hour)
			r.run(t)
		}
		c.Advance(23*time.Hour + 30*time.Minute)
		r.run(t)
		first, server, backups := r.split(t)
		if first-24+server != 1000 || 24+backups != 200 {
			t.Fatalf("June: server %d (first day included), backups %d; want exactly 1000 and 200", first+server-24, 24+backups)
		}
		c.Advance(time.Hour) // 00:30 and 01:30 on July 1st: two July hours started
		r.run(t)
		c.Advance(time.Hour)
		r.run(t)
		if _, s2, b2 := r.split(t); s2-server != 4 || b2-backups != 2 {
			t.Fatalf("two July hours: server %d, backups %d; want 4 and 2", s2-server, b2-backups)
		}
	})
}

// TestMeterBillsBackupsOnlyWhileOn: a server ordered without backups
// (billed in hours from midnight) whose backups were on from 10:30 on June
// 10th to 10:30 on June 12th pays for the 48 hours that started while they
// were on (11:00 on the 10th to 10:00 on the 12th), and nothing for backups
// before or after.
func TestMeterBillsBackupsOnlyWhileOn(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		c := cloudtest.NewClock(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
		db.Now = c.Now
		r := backupServer(t, db, c, false, backedUp)
		turn := func(at time.Time, on bool) {
			c.Advance(at.Sub(c.Now()))
			r.run(t)
			_, err := db.UpdateInstance(context.Background(), r.instance, store.InstanceUpdate{Backups: &on})
			must(t, err)
		}
		turn(time.Date(2031, 6, 10, 10, 30, 0, 0, time.UTC), true)
		turn(time.Date(2031, 6, 12, 10, 30, 0, 0, time.UTC), false)
		c.Advance(time.Date(2031, 6, 20, 0, 0, 0, 0, time.UTC).Sub(c.Now()))
		r.run(t)
		first, _, backups := r.split(t)
		if first != 48 || backups != 48 {
			t.Fatalf("first day %d, backups %d; want 48 (no backups ordered) and 48 hours of backups at 1", first, backups)
		}
		// On again until the month's end: capped at the monthly price,
		// counting the 48 already charged.
		turn(time.Date(2031, 6, 20, 0, 0, 0, 0, time.UTC), true)
		c.Advance(time.Date(2031, 6, 30, 23, 30, 0, 0, time.UTC).Sub(c.Now()))
		r.run(t)
		if _, _, backups = r.split(t); backups != 200 {
			t.Fatalf("June backups %d, want the 200 cap", backups)
		}
	})
}

// TestBackupHourCharge: the hours that start within a backup period, each
// at the hourly price until the monthly cap.
func TestBackupHourCharge(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2031, 6, 10, h, m, 0, 0, time.UTC) }
	end := at(12, 0)
	b := &store.Billable{BackupPriceHourly: 3, BackupPriceMonthly: 100,
		BackupPeriods: []webrana.BackupPeriod{{Start: at(9, 30), End: &end}, {Start: at(15, 0)}}}
	b.BillingMonth, b.BackupMonthCharged = time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC), 98
	for _, tc := range []struct {
		hour time.Time
		want int64
	}{
		{at(9, 0), 0}, {at(9, 30), 2}, {at(10, 0), 2}, {at(11, 59), 2}, {at(12, 0), 0}, {at(14, 0), 0}, {at(15, 0), 2},
		{time.Date(2031, 7, 1, 3, 0, 0, 0, time.UTC), 3}, // a new month: nothing spent yet
	} {
		got, err := billing.BackupHourCharge(b, tc.hour)
		if err != nil || got != tc.want {
			t.Errorf("hour %v: %d, %v; want %d", tc.hour, got, err, tc.want)
		}
	}
	b.BackupPriceHourly = 101
	if _, err := billing.BackupHourCharge(b, at(10, 0)); webrana.ErrorCode(err) != webrana.EINVALID {
		t.Errorf("an hourly price above the monthly: %v, want EINVALID", err)
	}
}
