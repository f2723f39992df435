package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

func ledgerID(e *webrana.LedgerEntry) string { return e.ID }

// mustAppend appends e and fails unless it was written.
func mustAppend(t *testing.T, db *store.DB, e *webrana.LedgerEntry) *webrana.LedgerEntry {
	t.Helper()
	written, err := db.AppendLedger(t.Context(), e)
	must(t, err)
	if !written {
		t.Fatalf("ledger entry %+v not written", e)
	}
	return e
}

// balance returns the user's balance in currency.
func balance(t *testing.T, db *store.DB, userID, currency string) int64 {
	t.Helper()
	m, err := db.Balance(t.Context(), userID, currency)
	must(t, err)
	if m.Currency != currency {
		t.Fatalf("Balance in %s came back in %q", currency, m.Currency)
	}
	return m.Amount
}

var _ = register("LedgerRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := mustUser(t, db)
	in := mustInstance(t, db, newInstance(u, mustPlan(t, db, webrana.DigitalOcean, "Small")))
	credit := mustAppend(t, db, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: 10000,
		Currency: "USD", Note: "top-up", IdempotencyKey: "topup-1"})
	if credit.ID == "" || !credit.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("AppendLedger set %+v", credit)
	}
	clk.Advance(time.Hour)
	charge := mustAppend(t, db, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCharge, Amount: -9,
		Currency: "USD", InstanceID: in.ID, Note: "1h of Small"})

	got, total, err := db.ListLedger(ctx, u.ID, webrana.Page{})
	must(t, err)
	if total != 2 {
		t.Fatalf("total %d, want 2", total)
	}
	mustEqual(t, "ledger", got, []*webrana.LedgerEntry{charge, credit})
	if got[1].InstanceID != "" || got[0].IdempotencyKey != "" {
		t.Fatalf("unset references read back as %q, %q", got[1].InstanceID, got[0].IdempotencyKey)
	}
})

var _ = register("LedgerSignRules", func(t *testing.T, db *store.DB) {
	u := mustUser(t, db)
	var want int64
	for _, tc := range []struct {
		kind     string
		amount   int64
		currency string
		code     string
	}{
		{webrana.LedgerCredit, 500, "USD", ""},
		{webrana.LedgerCredit, 0, "USD", webrana.EINVALID},
		{webrana.LedgerCredit, -500, "USD", webrana.EINVALID},
		{webrana.LedgerRefund, 200, "USD", ""},
		{webrana.LedgerRefund, -200, "USD", webrana.EINVALID},
		{webrana.LedgerRelease, 50, "USD", ""},
		{webrana.LedgerRelease, 0, "USD", webrana.EINVALID},
		{webrana.LedgerCharge, -300, "USD", ""},
		{webrana.LedgerCharge, 300, "USD", webrana.EINVALID},
		{webrana.LedgerPaymentRefund, -120, "USD", ""},
		{webrana.LedgerPaymentRefund, 120, "USD", webrana.EINVALID},
		{webrana.LedgerCharge, 0, "USD", webrana.EINVALID},
		{webrana.LedgerHold, -50, "USD", ""},
		{webrana.LedgerHold, 50, "USD", webrana.EINVALID},
		{"gift", 100, "USD", webrana.EINVALID},
		{"", 100, "USD", webrana.EINVALID},
		{webrana.LedgerCredit, 100, "US", webrana.EINVALID},
		{webrana.LedgerCredit, 100, "", webrana.EINVALID},
		{webrana.LedgerCredit, 100, "USDT", webrana.EINVALID},
	} {
		e := &webrana.LedgerEntry{UserID: u.ID, Kind: tc.kind, Amount: tc.amount, Currency: tc.currency}
		written, err := db.AppendLedger(t.Context(), e)
		what := fmt.Sprintf("%s of %d %s", tc.kind, tc.amount, tc.currency)
		wantCode(t, err, tc.code, what)
		if written != (tc.code == "") {
			t.Errorf("%s: written %v", what, written)
		}
		if tc.code == "" {
			want += tc.amount
		}
	}
	if got := balance(t, db, u.ID, "USD"); got != want {
		t.Errorf("balance %d, want %d", got, want)
	}
	_, total, err := db.ListLedger(t.Context(), u.ID, webrana.Page{})
	must(t, err)
	if total != 6 {
		t.Errorf("%d entries written, want 6", total)
	}
})

var _ = register("LedgerIdempotency", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := mustUser(t, db)
	entry := func(key string) *webrana.LedgerEntry {
		return &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCharge, Amount: -700, Currency: "USD", IdempotencyKey: key}
	}
	for i, want := range []bool{true, false, false} {
		e := entry("charge:inst-1:2031-05")
		written, err := db.AppendLedger(ctx, e)
		must(t, err)
		if written != want {
			t.Fatalf("append %d: written %v, want %v", i+1, written, want)
		}
		if (e.ID != "") != written {
			t.Fatalf("append %d: ID %q set on an entry written=%v", i+1, e.ID, written)
		}
	}
	if got := balance(t, db, u.ID, "USD"); got != -700 {
		t.Fatalf("balance %d after a retried charge, want -700", got)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		written, err := tx.AppendLedger(ctx, entry("charge:inst-1:2031-05"))
		if written {
			t.Error("tx.AppendLedger wrote a duplicate key")
		}
		return err
	})
	must(t, err)
	// Entries without a key are never deduplicated.
	mustAppend(t, db, entry(""))
	mustAppend(t, db, entry(""))
	mustAppend(t, db, entry("charge:inst-1:2031-06"))
	if got := balance(t, db, u.ID, "USD"); got != -4*700 {
		t.Fatalf("balance %d, want %d", got, -4*700)
	}
	_, total, err := db.ListLedger(ctx, u.ID, webrana.Page{})
	must(t, err)
	if total != 4 {
		t.Fatalf("%d entries, want 4", total)
	}
})

var _ = register("LedgerBalance", func(t *testing.T, db *store.DB) {
	ann, bob := mustUser(t, db), mustUser(t, db)
	want := map[[2]string]int64{}
	for _, e := range []struct {
		user     *webrana.User
		kind     string
		amount   int64
		currency string
	}{
		{ann, webrana.LedgerCredit, 10000, "USD"}, {ann, webrana.LedgerCharge, -1234, "USD"},
		{ann, webrana.LedgerCredit, 500000, "IDR"}, {ann, webrana.LedgerRefund, 34, "USD"},
		{bob, webrana.LedgerCredit, 999, "USD"}, {bob, webrana.LedgerCharge, -5000, "EUR"},
	} {
		mustAppend(t, db, &webrana.LedgerEntry{UserID: e.user.ID, Kind: e.kind, Amount: e.amount, Currency: e.currency})
		want[[2]string{e.user.ID, e.currency}] += e.amount
	}
	for _, u := range []*webrana.User{ann, bob} {
		for _, cur := range []string{"USD", "IDR", "EUR", "GBP"} {
			if got := balance(t, db, u.ID, cur); got != want[[2]string{u.ID, cur}] {
				t.Errorf("%s in %s: %d, want %d", u.Email, cur, got, want[[2]string{u.ID, cur}])
			}
		}
	}
	if got := balance(t, db, "nobody", "USD"); got != 0 {
		t.Errorf("balance of nobody: %d", got)
	}
})

var _ = register("LedgerReferences", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := mustUser(t, db)
	_, err := db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: "ghost", Kind: webrana.LedgerCredit, Amount: 1, Currency: "USD"})
	wantCode(t, err, webrana.EINVALID, "entry of an unknown user")
	_, err = db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCharge, Amount: -1, Currency: "USD", InstanceID: "ghost"})
	wantCode(t, err, webrana.EINVALID, "entry of an unknown server")
	if got := balance(t, db, u.ID, "USD"); got != 0 {
		t.Fatalf("balance %d after refused entries", got)
	}
})

var _ = register("LedgerInTx", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := mustUser(t, db)
	credit := func(key string) *webrana.LedgerEntry {
		return &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: 100, Currency: "USD", IdempotencyKey: key}
	}
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AppendLedger(ctx, credit("a")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx: %v", err)
	}
	if got := balance(t, db, u.ID, "USD"); got != 0 {
		t.Fatalf("balance %d after a rolled-back credit", got)
	}
	must(t, db.InTx(ctx, func(tx *store.Tx) error {
		written, err := tx.AppendLedger(ctx, credit("a")) // the key is free again
		if !written {
			t.Error("tx.AppendLedger did not write")
		}
		return err
	}))
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AppendLedger(ctx, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: -1, Currency: "USD"})
		return err
	})
	wantCode(t, err, webrana.EINVALID, "tx.AppendLedger with a bad sign")
	if got := balance(t, db, u.ID, "USD"); got != 100 {
		t.Fatalf("balance %d, want 100", got)
	}
})

var _ = register("LedgerPaging", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	u, other := mustUser(t, db), mustUser(t, db)
	mustAppend(t, db, &webrana.LedgerEntry{UserID: other.ID, Kind: webrana.LedgerCredit, Amount: 1, Currency: "USD"})
	checkPaging(t, clk, false,
		func(i int) string {
			return mustAppend(t, db, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: int64(i + 1), Currency: "USD"}).ID
		},
		func(p webrana.Page) ([]string, int, error) {
			got, total, err := db.ListLedger(t.Context(), u.ID, p)
			return ids(got, ledgerID), total, err
		})
})

// InstanceCost: a server's cost since a moment is its charges less its
// refunds in that currency, nothing of other servers, customers or kinds.
var _ = register("InstanceCost", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ann, bob := mustUser(t, db), mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	in, other := mustInstance(t, db, newInstance(ann, plan)), mustInstance(t, db, newInstance(ann, plan))
	bobs := mustInstance(t, db, newInstance(bob, plan))
	month := webrana.MonthOf(clk.Now())
	clk.Set(month.Add(-time.Hour)) // last month: not counted
	mustAppend(t, db, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -500, Currency: "USD", InstanceID: in.ID})
	clk.Set(month)
	for _, e := range []*webrana.LedgerEntry{
		{UserID: ann.ID, Kind: webrana.LedgerCredit, Amount: 10000, Currency: "USD"},
		{UserID: ann.ID, Kind: webrana.LedgerHold, Amount: -24, Currency: "USD", InstanceID: in.ID},
		{UserID: ann.ID, Kind: webrana.LedgerRelease, Amount: 24, Currency: "USD", InstanceID: in.ID},
		{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -24, Currency: "USD", InstanceID: in.ID},
		{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -7, Currency: "USD", InstanceID: other.ID},
		{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -3, Currency: "EUR", InstanceID: in.ID},
		{UserID: bob.ID, Kind: webrana.LedgerCharge, Amount: -9, Currency: "USD", InstanceID: bobs.ID},
	} {
		mustAppend(t, db, e)
	}
	clk.Advance(time.Hour)
	mustAppend(t, db, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -1, Currency: "USD", InstanceID: in.ID})
	mustAppend(t, db, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerRefund, Amount: 5, Currency: "USD", InstanceID: in.ID})
	for _, tc := range []struct {
		owner, instance, currency string
		since                     time.Time
		want                      int64
	}{
		{ann.ID, in.ID, "USD", month, 24 + 1 - 5},
		{ann.ID, in.ID, "USD", month.Add(-time.Hour), 500 + 24 + 1 - 5},
		{ann.ID, in.ID, "USD", month.Add(time.Minute), 1 - 5},
		{ann.ID, in.ID, "EUR", month, 3},
		{ann.ID, other.ID, "USD", month, 7},
		{bob.ID, bobs.ID, "USD", month, 9},
		{bob.ID, in.ID, "USD", month, 0}, // not bob's server
		{ann.ID, "missing", "USD", month, 0},
	} {
		got, err := db.InstanceCost(ctx, tc.owner, tc.instance, tc.currency, tc.since)
		must(t, err)
		if got.Amount != tc.want || got.Currency != tc.currency {
			t.Errorf("InstanceCost(%s since %s in %s) = %v, want %d", tc.instance, tc.since, tc.currency, got, tc.want)
		}
	}
})
