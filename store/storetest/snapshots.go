package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// snapshotFixture is a customer's active server on an account, and a
// snapshot of it being taken.
func snapshotFixture(t *testing.T, db *store.DB) (*webrana.User, *webrana.Instance, *webrana.Snapshot) {
	t.Helper()
	owner := mustUser(t, db)
	acc := mustAccount(t, db, webrana.DigitalOcean, unique("acc"))
	in := newInstance(owner, mustPlan(t, db, webrana.DigitalOcean, unique("plan")))
	in.AccountID, in.ProviderID, in.Status = acc.ID, unique("do-"), webrana.StatusActive
	mustInstance(t, db, in)
	return owner, in, mustSnapshot(t, db, in, "before upgrade")
}

func mustSnapshot(t *testing.T, db *store.DB, in *webrana.Instance, name string) *webrana.Snapshot {
	t.Helper()
	s := &webrana.Snapshot{OwnerID: in.OwnerID, InstanceID: in.ID, AccountID: in.AccountID, ProviderType: in.ProviderType,
		Name: name, Region: in.Region, ActionID: unique("action")}
	must(t, db.InTx(t.Context(), func(tx *store.Tx) error { return tx.CreateSnapshot(t.Context(), s) }))
	return s
}

func countSnapshots(t *testing.T, db *store.DB, ownerID string) int {
	t.Helper()
	var n int
	must(t, db.InTx(t.Context(), func(tx *store.Tx) error {
		var err error
		n, err = tx.CountSnapshots(t.Context(), ownerID)
		return err
	}))
	return n
}

// SnapshotLifecycle: a snapshot is created creating, becomes available
// with what the provider took (billed from the start of its hour), is
// listed for its owner and its server, counts against the limit until it
// is deleting, and is deleted once.
var _ = register("SnapshotLifecycle", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner, in, s := snapshotFixture(t, db)
	got, err := db.SnapshotByID(ctx, s.ID)
	must(t, err)
	mustEqual(t, "created snapshot", got, s)
	if s.Status != webrana.SnapshotCreating || countSnapshots(t, db, owner.ID) != 1 {
		t.Fatalf("new snapshot %+v, counted %d", s, countSnapshots(t, db, owner.ID))
	}
	_, err = db.DeletingSnapshot(ctx, s.ID)
	wantCode(t, err, webrana.ECONFLICT, "deleting a snapshot still being taken")

	at := clk.Advance(90 * time.Minute)
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SnapshotTaken(ctx, s.ID, "1234", 3, "sgp1", at) }))
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SnapshotTaken(ctx, s.ID, "9999", 9, "nyc1", at) })) // changes nothing
	got, err = db.SnapshotByID(ctx, s.ID)
	must(t, err)
	if got.Status != webrana.SnapshotAvailable || got.ProviderID != "1234" || got.SizeGB != 3 || got.AvailableAt == nil ||
		!got.AvailableAt.Equal(at) {
		t.Fatalf("taken snapshot %+v", got)
	}
	bills, err := db.BillableSnapshots(ctx, "", at.Add(time.Hour), 10)
	must(t, err)
	if len(bills) != 1 || !bills[0].BilledUntil.Equal(at.Truncate(time.Hour)) || bills[0].SizeGB != 3 || bills[0].OwnerID != owner.ID ||
		bills[0].InstanceID != in.ID {
		t.Fatalf("billable snapshots %+v", bills)
	}

	for _, f := range []webrana.SnapshotFilter{{OwnerID: owner.ID}, {InstanceID: in.ID}, {OwnerID: owner.ID, InstanceID: in.ID}} {
		rows, total, err := db.ListSnapshotRows(ctx, f)
		must(t, err)
		if total != 1 || len(rows) != 1 || rows[0].ID != s.ID || rows[0].InstanceLabel != in.Label {
			t.Fatalf("list %+v: %d %+v", f, total, rows)
		}
	}
	other := mustUser(t, db)
	if _, total, err := db.ListSnapshotRows(ctx, webrana.SnapshotFilter{OwnerID: other.ID}); err != nil || total != 0 {
		t.Fatalf("another customer's list: %d, %v", total, err)
	}

	audited := false
	changed, err := db.DeletingSnapshot(ctx, s.ID, func(*store.Tx) error { audited = true; return nil })
	if err != nil || !changed || !audited {
		t.Fatalf("deleting: %v %v %v", changed, audited, err)
	}
	changed, err = db.DeletingSnapshot(ctx, s.ID, func(*store.Tx) error { t.Fatal("also ran twice"); return nil })
	if err != nil || changed {
		t.Fatalf("deleting again: %v, %v", changed, err)
	}
	if n := countSnapshots(t, db, owner.ID); n != 0 {
		t.Fatalf("a deleting snapshot counts: %d", n)
	}
	must(t, db.SnapshotDeleted(ctx, s.ID))
	got, err = db.SnapshotByID(ctx, s.ID)
	must(t, err)
	if got.Status != webrana.SnapshotDeleted || got.DeletedAt == nil {
		t.Fatalf("deleted snapshot %+v", got)
	}
	if _, total, _ := db.ListSnapshotRows(ctx, webrana.SnapshotFilter{OwnerID: owner.ID}); total != 0 {
		t.Fatalf("deleted snapshot still listed")
	}
	_, err = db.SnapshotByID(ctx, "nope")
	wantCode(t, err, webrana.ENOTFOUND, "unknown snapshot")
})

// SnapshotFailedIsNeverBilled: a snapshot that was not taken leaves the
// list and the count, and has nothing to bill.
var _ = register("SnapshotFailedIsNeverBilled", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner, in, s := snapshotFixture(t, db)
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SnapshotFailed(ctx, s.ID) }))
	if countSnapshots(t, db, owner.ID) != 0 {
		t.Fatal("a failed snapshot counts against the limit")
	}
	bills, err := db.BillableSnapshots(ctx, "", time.Now().Add(1000*time.Hour), 10)
	must(t, err)
	if len(bills) != 0 {
		t.Fatalf("failed snapshot billable: %+v", bills)
	}
	var left []*webrana.Snapshot
	must(t, db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		left, err = tx.SnapshotsOfInstance(ctx, in.ID)
		return err
	}))
	if len(left) != 0 {
		t.Fatalf("failed snapshot among the server's: %+v", left)
	}
})

// SnapshotHourChargedOnce: an hour of a snapshot is charged once; the
// position moves; a concurrent second charge of the same hour writes
// nothing; a snapshot deleting stops being billable after its deletion.
var _ = register("SnapshotHourChargedOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner, _, s := snapshotFixture(t, db)
	at := clk.Now()
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SnapshotTaken(ctx, s.ID, "77", 10, "sgp1", at) }))
	bills, err := db.BillableSnapshots(ctx, "", at.Add(time.Hour), 10)
	must(t, err)
	b := bills[0]
	hour := b.BilledUntil
	next := store.BillingPosition{BilledUntil: hour.Add(time.Hour), BillingMonth: webrana.MonthOf(hour), MonthCharged: 2}
	entry := func() *webrana.LedgerEntry {
		return &webrana.LedgerEntry{UserID: owner.ID, Kind: webrana.LedgerCharge, Amount: -2, Currency: webrana.BillingCurrency,
			Note: "snapshot hour", IdempotencyKey: "meter-snapshot:" + s.ID + ":" + hour.Format(time.RFC3339)}
	}
	stale := *b
	ok, err := db.ChargeSnapshotHour(ctx, b, next, entry())
	if err != nil || !ok {
		t.Fatalf("charge: %v, %v", ok, err)
	}
	ok, err = db.ChargeSnapshotHour(ctx, &stale, next, entry())
	if err != nil || ok {
		t.Fatalf("charged twice: %v, %v", ok, err)
	}
	bal := balanceOf(ctx, t, db, owner.ID)
	if bal != -2 {
		t.Fatalf("balance %d, want -2", bal)
	}
	clk.Advance(30 * time.Minute)
	if _, err := db.DeletingSnapshot(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	bills, err = db.BillableSnapshots(ctx, "", at.Add(10*time.Hour), 10)
	must(t, err)
	if len(bills) != 0 {
		t.Fatalf("deleted snapshot billable past its deletion: %+v", bills)
	}
})

func balanceOf(ctx context.Context, t *testing.T, db *store.DB, userID string) int64 {
	t.Helper()
	b, err := db.Balance(ctx, userID, webrana.BillingCurrency)
	must(t, err)
	return b.Amount
}
