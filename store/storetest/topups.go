package storetest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// paidTopUp records a top-up of amount and settles it paid.
func paidTopUp(t *testing.T, db *store.DB, u *webrana.User, amount int64) *webrana.TopUp {
	t.Helper()
	tu := &webrana.TopUp{UserID: u.ID, Amount: amount, Currency: "USD", Gateway: "stripe"}
	must(t, db.CreateTopUp(t.Context(), tu))
	must(t, db.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := tx.SettleTopUp(t.Context(), tu.ID, webrana.TopUpPaid, "pi_1", db.Now())
		return err
	}))
	return tu
}

// A pending top-up is settled once: a second settlement, of either
// outcome, changes nothing; a failed one (its checkout seemed not to
// start) is settled when paid after all.
var _ = register("TopUpSettlesOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	useClock(db)
	u := mustUser(t, db)
	tu := paidTopUp(t, db, u, 1000)
	var again bool
	must(t, db.InTx(ctx, func(tx *store.Tx) (err error) {
		again, err = tx.SettleTopUp(ctx, tu.ID, webrana.TopUpMismatch, "pi_2", db.Now())
		return err
	}))
	got, err := db.TopUpByID(ctx, tu.ID)
	must(t, err)
	if again || got.Status != webrana.TopUpPaid || got.PaymentID != "pi_1" || got.PaidAt == nil {
		t.Fatalf("settled twice (%v): %+v", again, got)
	}
	failed := &webrana.TopUp{UserID: u.ID, Amount: 500, Currency: "USD", Gateway: "stripe"}
	must(t, db.CreateTopUp(ctx, failed))
	must(t, db.FailTopUp(ctx, failed.ID, "gateway down"))
	must(t, db.InTx(ctx, func(tx *store.Tx) (err error) {
		again, err = tx.SettleTopUp(ctx, failed.ID, webrana.TopUpPaid, "pi_3", db.Now())
		return err
	}))
	if !again {
		t.Fatal("a failed top-up paid after all was not settled")
	}
	if _, err := db.TopUpByID(ctx, "no-such"); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("unknown top-up: %v", err)
	}
})

// Refund reservations never pass the amount paid, even at once; a
// released one gives its amount back.
var _ = register("TopUpRefundReservations", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	useClock(db)
	u := mustUser(t, db)
	tu := paidTopUp(t, db, u, 1000)
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.ReserveRefund(ctx, tu.ID, 300, ""); err == nil {
				ok.Add(1)
			} else if webrana.ErrorCode(err) != webrana.ECONFLICT {
				t.Errorf("reserve: %v", err)
			}
		}()
	}
	wg.Wait()
	got, err := db.TopUpByID(ctx, tu.ID)
	must(t, err)
	if ok.Load() != 3 || got.Refunded != 900 {
		t.Fatalf("%d reservations, %d reserved; want 3 and 900", ok.Load(), got.Refunded)
	}
	refunds, err := db.RefundsOf(ctx, tu.ID)
	must(t, err)
	must(t, db.ReleaseRefund(ctx, refunds[0], "refused"))
	if err := db.ReleaseRefund(ctx, refunds[0], "again"); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("released twice: %v", err)
	}
	got, err = db.TopUpByID(ctx, tu.ID)
	must(t, err)
	if got.Refunded != 600 {
		t.Fatalf("after a release %d reserved, want 600", got.Refunded)
	}
	if _, err := db.ReserveRefund(ctx, tu.ID, 401, ""); webrana.ErrorCode(err) != webrana.ECONFLICT {
		t.Fatalf("over the rest: %v", err)
	}
	if _, err := db.ReserveRefund(ctx, tu.ID, 400, ""); err != nil {
		t.Fatal(err)
	}
})
