package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/store"
)

// TestMonthOfAServerWithBackupsAndTwoSnapshots is issue 19's month: a
// server ordered with backups on June 1st, a 20 GB snapshot taken that
// night and a 50 GB one on the 16th, DigitalOcean's snapshots priced 0.73
// a GB-month by the operator, the meter running every 6 hours (twice each
// time) to the month's last hour. June bills exactly what the prices say,
// and nothing else:
//   - the server: its plan's monthly price, 10.00 (720 hours × 0.02 would
//     be more; the first day's 0.48 included);
//   - its backups: their monthly price, 2.00 (720 × 0.01 would be more);
//   - the 20 GB snapshot (monthly 14.60, hourly ⌈1460/730⌉ = 0.02): its 720
//     hours, 14.40, under its monthly cap in a 30-day month;
//   - the 50 GB one (monthly 36.50, hourly 0.05): its 348 hours from 12:00
//     on the 16th, 17.40.
func TestMonthOfAServerWithBackupsAndTwoSnapshots(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		c := cloudtest.NewClock(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
		db.Now = c.Now
		r := backupServer(t, db, c, true, backedUp)
		r.clock.Advance(20 * time.Minute)
		small := r.snapshotOn(t, r.clock.Now(), 20, 73)
		r.runEvery(t, 6*time.Hour, time.Date(2031, 6, 16, 12, 40, 0, 0, time.UTC))
		big := r.snapshotOn(t, r.clock.Now(), 50, 73)
		r.runEvery(t, 6*time.Hour, time.Date(2031, 6, 30, 23, 30, 0, 0, time.UTC))

		parts := r.chargesByKind(t)
		_, smallTotal := r.snapshotCharges(t, small)
		_, bigTotal := r.snapshotCharges(t, big)
		want := map[string]int64{"server": 1000, "backups": 200, "snapshots": 1440 + 1740}
		if parts["server"] != want["server"] || parts["backups"] != want["backups"] || parts["snapshots"] != want["snapshots"] ||
			smallTotal != 1440 || bigTotal != 1740 {
			t.Fatalf("June charged %v (snapshots %d and %d), want %v (1440 and 1740)", parts, smallTotal, bigTotal, want)
		}
		if parts["other"] != 0 {
			t.Fatalf("June charged %d besides the server, its backups and its snapshots", parts["other"])
		}
	})
}

// chargesByKind sums the customer's charges by what they pay for, from
// their idempotency keys: the server (its first day, backups' share
// excluded, and its metered hours), its backups (their share of the first
// day and their hours), its snapshots, and anything else.
func (r *rig) chargesByKind(t *testing.T) map[string]int64 {
	t.Helper()
	const backupDay = 24 // min(24 × 0.01, 2.00): the backups' share of the first day
	out := map[string]int64{}
	for page := 1; ; page++ {
		entries, total, err := r.db.ListLedger(context.Background(), r.customer.ID, webrana.Page{Page: page, PerPage: 200})
		must(t, err)
		for _, e := range entries {
			if e.Kind != webrana.LedgerCharge {
				continue
			}
			switch key := e.IdempotencyKey; {
			case strings.HasPrefix(key, "charge:first:"):
				out["server"] -= e.Amount + backupDay
				out["backups"] += backupDay
			case strings.HasPrefix(key, "meter:"):
				out["server"] -= e.Amount
			case strings.HasPrefix(key, "meter-backups:"):
				out["backups"] -= e.Amount
			case strings.HasPrefix(key, "meter-snapshot:"):
				out["snapshots"] -= e.Amount
			default:
				out["other"] -= e.Amount
			}
		}
		if page*200 >= total {
			return out
		}
	}
}
