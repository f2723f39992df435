package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/store"
)

// TestSnapshotPrices: the rule's figures, and its bounds.
func TestSnapshotPrices(t *testing.T) {
	for _, c := range []struct {
		name            string
		size            int
		perGB           int64
		hourly, monthly int64
		bad             bool
	}{
		{"exact", 20, 73, 2, 1460, false},
		{"rounded up", 25, 6, 1, 150, false},
		{"free", 40, 0, 0, 0, false},
		{"one GB one cent", 1, 1, 1, 1, false},
		{"too dear", 1 << 30, webrana.MaxAmount, 0, 0, true},
		{"negative", 1, -5, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, m, err := billing.SnapshotPrices(c.size, c.perGB)
			if c.bad {
				if webrana.ErrorCode(err) != webrana.EINVALID {
					t.Fatalf("SnapshotPrices(%d, %d) = %d, %d, %v; want refused", c.size, c.perGB, h, m, err)
				}
				return
			}
			if err != nil || h != c.hourly || m != c.monthly {
				t.Fatalf("SnapshotPrices(%d, %d) = %d, %d, %v; want %d, %d", c.size, c.perGB, h, m, err, c.hourly, c.monthly)
			}
		})
	}
}

// snapshotOn records a snapshot of the rig's server, taken at taken, of
// size GB, on a provider priced perGB per GB-month.
func (r *rig) snapshotOn(t *testing.T, taken time.Time, size int, perGB int64) *webrana.Snapshot {
	t.Helper()
	ctx := context.Background()
	p, err := r.db.ProviderByType(ctx, webrana.DigitalOcean)
	must(t, err)
	s := &webrana.Snapshot{OwnerID: r.customer.ID, InstanceID: r.instance, ProviderType: webrana.DigitalOcean, Name: "golden",
		Region: "sgp1", ActionID: "action-" + taken.Format(time.RFC3339)}
	must(t, r.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSnapshotPrice(ctx, p.ID, perGB); err != nil {
			return err
		}
		if err := tx.CreateSnapshot(ctx, s); err != nil {
			return err
		}
		return tx.SnapshotTaken(ctx, s.ID, "170000001", size, "sgp1", taken)
	}))
	return s
}

// snapshotCharges sums the charges naming the snapshot.
func (r *rig) snapshotCharges(t *testing.T, s *webrana.Snapshot) (n int, total int64) {
	t.Helper()
	var entries []*webrana.LedgerEntry
	for page := 1; ; page++ {
		some, total, err := r.db.ListLedger(context.Background(), r.customer.ID, webrana.Page{Page: page, PerPage: 200})
		must(t, err)
		entries = append(entries, some...)
		if len(entries) >= total || len(some) == 0 {
			break
		}
	}
	for _, e := range entries {
		if e.Kind == webrana.LedgerCharge && strings.Contains(e.Note, s.ID) {
			if e.InstanceID != r.instance || !strings.Contains(e.Note, "snapshot golden") {
				t.Fatalf("snapshot charge %+v does not say which snapshot of which server", e)
			}
			n++
			total -= e.Amount
		}
	}
	return n, total
}

// runEvery runs the meter every step (twice each time: each hour is
// billed once however often it runs) until the clock reaches end.
func (r *rig) runEvery(t *testing.T, step time.Duration, end time.Time) {
	t.Helper()
	for r.clock.Now().Before(end) {
		r.clock.Advance(min(step, end.Sub(r.clock.Now())))
		for range 2 {
			if _, _, err := r.meter.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSnapshotMonth: a 20 GB snapshot at 0.73 a GB-month (monthly 14.60,
// hourly ⌈1460/730⌉ = 0.02) bills exactly what the rule says: the 25
// started hours of February it was kept (0.50), the whole of March capped
// at its monthly price (744 hours × 0.02 = 14.88 > 14.60), the first hour
// of April; a second snapshot deleted mid-March bills its 236 hours until
// the hour of its deletion (4.72), and nothing after.
func TestSnapshotMonth(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		start := time.Date(2031, 2, 20, 8, 0, 0, 0, time.UTC)
		r := newRig(t, db, start, 1, 600)
		taken := time.Date(2031, 2, 27, 23, 10, 0, 0, time.UTC)
		r.runEvery(t, 24*time.Hour, taken)
		kept := r.snapshotOn(t, taken, 20, 73)
		r.runEvery(t, 7*time.Hour, time.Date(2031, 3, 10, 14, 20, 0, 0, time.UTC))
		dropped := r.snapshotOn(t, r.clock.Now(), 20, 73)
		r.runEvery(t, 5*time.Hour, time.Date(2031, 3, 20, 9, 30, 0, 0, time.UTC))
		if _, err := db.DeletingSnapshot(context.Background(), dropped.ID); err != nil {
			t.Fatal(err)
		}
		r.runEvery(t, 11*time.Hour, time.Date(2031, 4, 1, 0, 30, 0, 0, time.UTC))

		n, total := r.snapshotCharges(t, kept)
		if want := int64(50 + 1460 + 2); total != want {
			t.Fatalf("kept snapshot charged %d in %d entries, want %d", total, n, want)
		}
		// March reached its cap: the hours after it are free, and written
		// as nothing (no entries of 0).
		if n != 25+730+1 {
			t.Fatalf("kept snapshot: %d charged hours, want %d", n, 25+730+1)
		}
		if n, total := r.snapshotCharges(t, dropped); total != 236*2 || n != 236 {
			t.Fatalf("deleted snapshot charged %d in %d entries, want %d in 236", total, n, 236*2)
		}
	})
}
