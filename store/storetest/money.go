package storetest

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// wantField fails unless err is EINVALID on the field.
func wantField(t *testing.T, err error, field, what string) {
	t.Helper()
	wantCode(t, err, webrana.EINVALID, what)
	if got := webrana.ErrorField(err); got != field {
		t.Errorf("%s: error on %q, want %q", what, got, field)
	}
}

// creditTo brings a customer's balance up by total with store credits of
// at most webrana.MaxAmount each.
func creditTo(t *testing.T, db *store.DB, u *webrana.User, total int64) {
	t.Helper()
	for total > 0 {
		n := min(total, webrana.MaxAmount)
		credit(t, db, u, n)
		total -= n
	}
}

// PriceCase is a plan's prices and the field their refusal names.
type PriceCase struct {
	Name            string
	Monthly, Hourly int64
	Field           string
}

// PricesOutOfRange are prices every layer refuses (the store here, the API
// and forms in theirs), each with its field: a minor unit above the limit,
// the MaxInt64 plan, free and negative prices, hourly above monthly.
var PricesOutOfRange = []PriceCase{
	{"monthly one above", webrana.MaxAmount + 1, 1, "price_monthly"},
	{"hourly one above", webrana.MaxAmount, webrana.MaxAmount + 1, "price_hourly"},
	{"the issue's MaxInt64 plan", math.MaxInt64, math.MaxInt64, "price_monthly"},
	{"hourly MaxInt64", webrana.MaxAmount, math.MaxInt64, "price_hourly"},
	{"free", 0, 0, "price_monthly"},
	{"free hours", 600, 0, "price_hourly"},
	{"negative", math.MinInt64, 1, "price_monthly"},
	{"negative hours", 600, -1, "price_hourly"},
	{"hourly above monthly", 600, 601, "price_hourly"},
}

// PlanPricesBounded: the store, the last guard, keeps the largest prices
// exactly and refuses anything outside webrana.PriceRange, the issue's
// MaxInt64 plan first of all, on create and on update.
var _ = register("PlanPricesBounded", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	largest := mustPlan(t, db, webrana.DigitalOcean, "Largest", func(p *webrana.Plan) {
		p.PriceMonthly, p.PriceHourly = webrana.MaxAmount, webrana.MaxAmount
	})
	got, err := db.PlanByID(ctx, largest.ID)
	must(t, err)
	if got.PriceMonthly != webrana.MaxAmount || got.PriceHourly != webrana.MaxAmount {
		t.Fatalf("largest prices read back as %d/%d", got.PriceMonthly, got.PriceHourly)
	}
	for _, tc := range PricesOutOfRange {
		p := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: tc.Name, PriceMonthly: tc.Monthly,
			PriceHourly: tc.Hourly, Currency: "USD", Regions: []string{"sgp1"}}
		wantField(t, db.CreatePlan(ctx, p), tc.Field, "CreatePlan "+tc.Name)
		changed := *largest
		changed.PriceMonthly, changed.PriceHourly = tc.Monthly, tc.Hourly
		_, err := db.UpdatePlan(ctx, &changed)
		wantField(t, err, tc.Field, "UpdatePlan "+tc.Name)
	}
	plans, err := db.ListPlans(ctx, store.PlanFilter{})
	must(t, err)
	if len(plans) != 1 || plans[0].PriceMonthly != webrana.MaxAmount || plans[0].PriceHourly != webrana.MaxAmount {
		t.Fatalf("plans after refused writes: %+v", plans)
	}
})

// LedgerAmountsBounded: an entry moves at most webrana.MaxAmount either
// way; beyond that, and MinInt64 above all, it is refused on amount.
var _ = register("LedgerAmountsBounded", func(t *testing.T, db *store.DB) {
	u := mustUser(t, db)
	mustAppend(t, db, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: webrana.MaxAmount, Currency: "USD"})
	mustAppend(t, db, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCharge, Amount: -webrana.MaxAmount, Currency: "USD"})
	for _, e := range []webrana.LedgerEntry{
		{Kind: webrana.LedgerCredit, Amount: webrana.MaxAmount + 1},
		{Kind: webrana.LedgerRelease, Amount: math.MaxInt64},
		{Kind: webrana.LedgerRefund, Amount: webrana.MaxAmount + 1},
		{Kind: webrana.LedgerCharge, Amount: -webrana.MaxAmount - 1},
		{Kind: webrana.LedgerHold, Amount: math.MinInt64},
	} {
		e.UserID, e.Currency = u.ID, "USD"
		written, err := db.AppendLedger(t.Context(), &e)
		wantField(t, err, "amount", e.Kind+" out of range")
		if written {
			t.Errorf("%s of %d written", e.Kind, e.Amount)
		}
	}
	if b := balance(t, db, u.ID, "USD"); b != 0 {
		t.Fatalf("balance %d after refused entries, want 0", b)
	}
})

// BalanceAtTheBound: credits bring a balance to exactly webrana.MaxBalance
// and no further (the same keyed credit again is still "already written",
// not refused); holds coming back may pass it, exactly; charges take
// another balance down to −MaxBalance, exactly.
var _ = register("BalanceAtTheBound", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	rich := mustUser(t, db)
	creditTo(t, db, rich, webrana.MaxBalance-1)
	last := &webrana.LedgerEntry{UserID: rich.ID, Kind: webrana.LedgerCredit, Amount: 1, Currency: "USD", IdempotencyKey: "last-cent"}
	mustAppend(t, db, last)
	if b := balance(t, db, rich.ID, "USD"); b != webrana.MaxBalance {
		t.Fatalf("balance %d, want %d", b, webrana.MaxBalance)
	}
	written, err := db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: rich.ID, Kind: webrana.LedgerCredit, Amount: 1, Currency: "USD"})
	wantField(t, err, "amount", "a cent above the largest balance")
	if written || !strings.Contains(webrana.ErrorMessage(err), webrana.FormatMajor(webrana.MaxBalance)) {
		t.Fatalf("refusal %q (written %v) does not give the bound", webrana.ErrorMessage(err), written)
	}
	again := *last
	again.ID = ""
	if written, err := db.AppendLedger(ctx, &again); err != nil || written {
		t.Fatalf("the last credit sent again: written %v, %v; want not written, no error", written, err)
	}
	mustAppend(t, db, &webrana.LedgerEntry{UserID: rich.ID, Kind: webrana.LedgerRelease, Amount: webrana.MaxAmount, Currency: "USD"})
	if b := balance(t, db, rich.ID, "USD"); b != webrana.MaxBalance+webrana.MaxAmount {
		t.Fatalf("balance %d after a release at the bound, want %d", b, webrana.MaxBalance+webrana.MaxAmount)
	}

	poor := mustUser(t, db)
	for range webrana.MaxBalance / webrana.MaxAmount {
		mustAppend(t, db, &webrana.LedgerEntry{UserID: poor.ID, Kind: webrana.LedgerCharge, Amount: -webrana.MaxAmount, Currency: "USD"})
	}
	if b := balance(t, db, poor.ID, "USD"); b != -webrana.MaxBalance {
		t.Fatalf("balance %d, want %d", b, -webrana.MaxBalance)
	}
	credit(t, db, poor, webrana.MaxAmount) // a deep negative balance leaves all the room
})

// CreditsRaceToTheBound: credits sent at once near the bound take turns
// (the customer's row is locked): exactly those that fit are written.
var _ = register("CreditsRaceToTheBound", func(t *testing.T, db *store.DB) {
	u := mustUser(t, db)
	creditTo(t, db, u, webrana.MaxBalance-1000) // room for one of them
	var wg sync.WaitGroup
	for range 12 { // open the connections first, so that the credits overlap instead of waiting for them
		wg.Go(func() {
			if _, err := db.Balance(t.Context(), u.ID, "USD"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var mu sync.Mutex
	written, refused := 0, 0
	start := make(chan struct{})
	for range 12 {
		wg.Go(func() {
			<-start
			ok, err := db.AppendLedger(t.Context(), &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: 1000, Currency: "USD"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && ok:
				written++
			case webrana.ErrorField(err) == "amount":
				refused++
			default:
				t.Errorf("AppendLedger: %v, written %v", err, ok)
			}
		})
	}
	close(start)
	wg.Wait()
	if written != 1 || refused != 11 {
		t.Fatalf("%d credits written and %d refused, want 1 and 11", written, refused)
	}
	if b := balance(t, db, u.ID, "USD"); b != webrana.MaxBalance {
		t.Fatalf("balance %d, want %d", b, webrana.MaxBalance)
	}
})

// PlaceOrderHoldsWithinRange: a hold of webrana.MaxAmount is placed; a
// negative hold (the issue's −24) or one above it writes nothing and
// enqueues nothing.
var _ = register("PlaceOrderHoldsWithinRange", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Largest", func(p *webrana.Plan) { p.PriceMonthly, p.PriceHourly = webrana.MaxAmount, 1 })
	creditTo(t, db, owner, webrana.MaxAmount+1)
	before := countInstances(t, db)
	for _, hold := range []int64{-24, -1, webrana.MaxAmount + 1, math.MaxInt64, math.MinInt64} {
		_, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(hold)}, func(*store.Tx, *webrana.Order) error {
			t.Errorf("enqueue called for a hold of %d", hold)
			return nil
		})
		wantCode(t, err, webrana.EINVALID, "hold out of range")
	}
	if n := countInstances(t, db); n != before {
		t.Fatalf("%d instances after refused holds, want %d", n, before)
	}
	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(webrana.MaxAmount)}, nil)
	must(t, err)
	if o.HoldAmount != webrana.MaxAmount {
		t.Fatalf("hold %d, want %d", o.HoldAmount, webrana.MaxAmount)
	}
	if b := balance(t, db, owner.ID, "USD"); b != 1 {
		t.Fatalf("balance %d after the largest hold, want 1", b)
	}
})

// ChargeHourWithinRange: the store is the last guard of what an hour
// charges: an entry beyond webrana.MaxAmount, a credit written as a
// charge, or a position that does not move forward or counts beyond what a
// month can be charged is refused before anything is written.
var _ = register("ChargeHourWithinRange", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 5})
	o := reservedOrder(t, db, webrana.DigitalOcean, ids["A"])
	must(t, db.RecordServer(t.Context(), o.order.ID, ids["A"], "srv-1"))
	must(t, db.CompleteOrder(t.Context(), o.order.ID, store.Completion{IPv4: "192.0.2.1"})) // billed from now
	hour := clk.Now()
	owner, in := &webrana.User{ID: o.order.UserID}, &webrana.Instance{ID: o.order.InstanceID, Label: "web"}
	b := &store.Billable{InstanceID: in.ID, OwnerID: owner.ID, Label: in.Label, PriceHourly: 1, PriceMonthly: 600, Currency: "USD",
		BillingPosition: store.BillingPosition{BilledUntil: hour, BillingMonth: webrana.MonthOf(hour)}}
	next := store.BillingPosition{BilledUntil: hour.Add(time.Hour), BillingMonth: webrana.MonthOf(hour), MonthCharged: 1}
	entry := func(amount int64) *webrana.LedgerEntry {
		return &webrana.LedgerEntry{UserID: owner.ID, Kind: webrana.LedgerCharge, Amount: amount, Currency: "USD", InstanceID: in.ID,
			IdempotencyKey: fmt.Sprint("meter:test:", amount)}
	}
	for _, c := range []struct {
		what  string
		next  store.BillingPosition
		entry *webrana.LedgerEntry
	}{
		{"a charge beyond the largest amount", next, entry(-(webrana.MaxAmount + 1))},
		{"a charge of the most negative int64", next, entry(math.MinInt64)},
		{"a charge that credits", next, entry(1)},
		{"a position that does not move", b.BillingPosition, entry(-1)},
		{"a month counting beyond two largest prices", store.BillingPosition{BilledUntil: hour.Add(time.Hour), BillingMonth: webrana.MonthOf(hour),
			MonthCharged: 2*webrana.MaxAmount + 1}, entry(-1)},
	} {
		ok, err := db.ChargeHour(t.Context(), b, c.next, c.entry)
		wantCode(t, err, webrana.EINVALID, c.what)
		if ok || !b.BilledUntil.Equal(hour) {
			t.Fatalf("%s: billed %v, position %v", c.what, ok, b.BilledUntil)
		}
	}
	if b := balance(t, db, owner.ID, "USD"); b != 0 {
		t.Fatalf("balance %d after refused hours, want 0", b)
	}
	// A valid hour is charged, once.
	for range 2 {
		_, err := db.ChargeHour(t.Context(), &store.Billable{InstanceID: in.ID, OwnerID: owner.ID, Currency: "USD",
			BillingPosition: store.BillingPosition{BilledUntil: hour, BillingMonth: webrana.MonthOf(hour)}}, next, entry(-1))
		must(t, err)
	}
	if b := balance(t, db, owner.ID, "USD"); b != -1 {
		t.Fatalf("balance %d after one valid hour charged twice, want -1", b)
	}
})

// BalanceNeverWraps: a ledger whose sum leaves int64 (only writable behind
// the store's back: each entry is bounded) makes Balance fail, on both
// engines, rather than answer a wrapped number.
var _ = register("BalanceNeverWraps", func(t *testing.T, db *store.DB) {
	u := mustUser(t, db)
	for i, amount := range []int64{math.MaxInt64, 1} {
		if _, err := db.SQL().ExecContext(t.Context(), fmt.Sprintf(`INSERT INTO ledger_entries (id, user_id, kind, amount, currency, note, created_at)
			VALUES ('wrap-%d', '%s', 'credit', %d, 'USD', '', CURRENT_TIMESTAMP)`, i, u.ID, amount)); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := db.Balance(t.Context(), u.ID, "USD"); err == nil {
		t.Fatalf("a sum beyond int64 read as %v, want an error", b)
	}
})
