package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// credit gives a customer money.
func credit(t *testing.T, db *store.DB, u *webrana.User, amount int64) {
	t.Helper()
	mustAppend(t, db, &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: amount, Currency: "USD"})
}

func usd(amount int64) webrana.Money { return webrana.Money{Amount: amount, Currency: "USD"} }

func accountCounts(t *testing.T, db *store.DB, id string) (active, reserved int) {
	t.Helper()
	a, err := db.AccountByID(t.Context(), id)
	must(t, err)
	return a.Active, a.Reserved
}

func ledgerKinds(t *testing.T, db *store.DB, u *webrana.User) map[string]int64 {
	t.Helper()
	entries, _, err := db.ListLedger(t.Context(), u.ID, webrana.Page{PerPage: 200})
	must(t, err)
	out := map[string]int64{}
	for _, e := range entries {
		out[e.Kind] += e.Amount
	}
	return out
}

// PlaceOrderHoldsTheFirstPeriod: the hold is written with the order and
// counts against the balance; an order the balance does not cover is
// refused and leaves nothing behind.
var _ = register("PlaceOrderHoldsTheFirstPeriod", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	credit(t, db, owner, 1000)

	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(600), RootPassword: "sealed"}, nil)
	must(t, err)
	if o.HoldAmount != 600 || o.Currency != "USD" || o.RootPassword != "sealed" || o.Step != webrana.StepQueued {
		t.Fatalf("placed order %+v", o)
	}
	stored, err := db.OrderByID(ctx, o.ID)
	must(t, err)
	mustEqual(t, "stored order", stored, o)
	if b := balance(t, db, owner.ID, "USD"); b != 400 {
		t.Fatalf("balance %d after a 600 hold on 1000, want 400", b)
	}
	before := countInstances(t, db)
	_, err = db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(401)}, nil)
	wantCode(t, err, webrana.EPAYMENT, "order over the balance")
	if have := (webrana.Money{Amount: 400, Currency: "USD"}).String(); !strings.Contains(err.Error(), have) {
		t.Fatalf("the refusal %q does not give the balance before the order, %s", err, have)
	}
	if n := countInstances(t, db); n != before {
		t.Fatalf("%d instances after a refused order, want %d", n, before)
	}
	if b := balance(t, db, owner.ID, "USD"); b != 400 {
		t.Fatalf("balance %d after a refused order, want 400", b)
	}
})

// ConcurrentOrdersNeverOverdraw: orders of one customer placed at once hold
// together no more than the balance.
var _ = register("ConcurrentOrdersNeverOverdraw", func(t *testing.T, db *store.DB) {
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	credit(t, db, owner, 500)
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed, refused := 0, 0
	for range 12 {
		wg.Go(func() {
			_, err := db.PlaceOrder(t.Context(), store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(100)}, nil)
			mu.Lock()
			defer mu.Unlock()
			switch webrana.ErrorCode(err) {
			case "":
				placed++
			case webrana.EPAYMENT:
				refused++
			default:
				t.Errorf("PlaceOrder: %v", err)
			}
		})
	}
	wg.Wait()
	if placed != 5 || refused != 7 {
		t.Fatalf("%d placed and %d refused, want 5 and 7", placed, refused)
	}
	if b := balance(t, db, owner.ID, "USD"); b != 0 {
		t.Fatalf("balance %d, want 0", b)
	}
})

// PlaceOrderOncePerKey: an order placed again with its customer's
// idempotency key, one after the other or at once, writes nothing and
// returns the first order, even when the balance would refuse it now or
// the order asks for something else; another customer's key, another key
// and no key place orders of their own.
var _ = register("PlaceOrderOncePerKey", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner, other := mustUser(t, db), mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	credit(t, db, owner, 1000)
	credit(t, db, other, 1000)
	enqueued := 0
	enqueue := func(*store.Tx, *webrana.Order) error { enqueued++; return nil }

	first, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(300), IdempotencyKey: "k-1"}, enqueue)
	must(t, err)
	before := countInstances(t, db)
	for _, hold := range []int64{300, 900} { // 900: more than the balance left
		again := newInstance(owner, plan)
		o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: again, Hold: usd(hold), IdempotencyKey: "k-1"}, enqueue)
		must(t, err)
		mustEqual(t, "order placed again", o, first)
		if again.ID != "" {
			t.Fatalf("the instance of an order placed again got id %q; nothing of it is written", again.ID)
		}
	}
	if n := countInstances(t, db); n != before || enqueued != 1 {
		t.Fatalf("%d instances (want %d) and %d jobs (want 1) after placing an order again", n, before, enqueued)
	}
	if b := balance(t, db, owner.ID, "USD"); b != 700 {
		t.Fatalf("balance %d after one hold of 300 on 1000, want 700", b)
	}
	got, err := db.OrderByIdempotencyKey(ctx, owner.ID, "k-1")
	must(t, err)
	mustEqual(t, "order by key", got, first)
	_, err = db.OrderByIdempotencyKey(ctx, other.ID, "k-1")
	wantCode(t, err, webrana.ENOTFOUND, "another customer's key")

	// Another customer's key, another key, no key: orders of their own.
	theirs, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(other, plan), Hold: usd(300), IdempotencyKey: "k-1"}, nil)
	must(t, err)
	second, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), IdempotencyKey: "k-2"}, nil)
	must(t, err)
	var unkeyed []string
	for range 2 {
		o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, nil)
		must(t, err)
		unkeyed = append(unkeyed, o.InstanceID)
	}
	if ids := []string{first.InstanceID, theirs.InstanceID, second.InstanceID, unkeyed[0], unkeyed[1]}; len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 5 {
		t.Fatalf("instances %v: want five different ones", ids)
	}
	if n := countInstances(t, db); n != before+4 {
		t.Fatalf("%d instances, want %d", n, before+4)
	}
	if b := balance(t, db, other.ID, "USD"); b != 700 {
		t.Fatalf("the other customer's balance is %d, want 700", b)
	}

	// At once: one order, which every caller gets.
	before = countInstances(t, db)
	var wg sync.WaitGroup
	placed := make([]*webrana.Order, 8)
	for i := range placed {
		wg.Go(func() {
			o, err := db.PlaceOrder(t.Context(), store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(100), IdempotencyKey: "at-once"}, nil)
			if err != nil {
				t.Errorf("PlaceOrder at once: %v", err)
			}
			placed[i] = o
		})
	}
	wg.Wait()
	for _, o := range placed {
		if o == nil || o.ID != placed[0].ID {
			t.Fatalf("orders placed at once with one key: %v and %v", o, placed[0])
		}
	}
	if n := countInstances(t, db); n != before+1 {
		t.Fatalf("%d instances after placing one key at once, want %d", n, before+1)
	}
	if b := balance(t, db, owner.ID, "USD"); b != 600 {
		t.Fatalf("balance %d after holds of 300 and 100 on 1000, want 600", b)
	}
})

// OrderSucceeds: attempt, server recorded (the reservation becomes a
// running server), completion (the hold becomes the charge), each once.
var _ = register("OrderSucceeds", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 5, active: 1})
	owner := mustUser(t, db)
	credit(t, db, owner, 1000)
	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, mustPlan(t, db, webrana.DigitalOcean, "S")),
		Hold: usd(300), RootPassword: "sealed"}, nil)
	must(t, err)
	r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: o.ID})
	must(t, err)
	if got, err := db.ReservationOf(ctx, o.ID); err != nil || got == nil || got.ID != r.ID {
		t.Fatalf("ReservationOf = %+v, %v; want %s", got, err, r.ID)
	}
	_, err = db.BeginAttempt(ctx, o.ID, ids["A"])
	must(t, err)
	got, err := db.OrderByID(ctx, o.ID)
	must(t, err)
	if got.Status != webrana.OrderRunning || got.Step != webrana.StepCreating || got.AccountID != ids["A"] {
		t.Fatalf("order after BeginAttempt: %+v", got)
	}
	must(t, db.RecordServer(ctx, o.ID, ids["A"], "42"))
	if active, reserved := accountCounts(t, db, ids["A"]); active != 2 || reserved != 0 {
		t.Fatalf("account at %d active, %d reserved after the server was recorded; want 2, 0", active, reserved)
	}
	if got, err := db.ReservationOf(ctx, o.ID); err != nil || got != nil {
		t.Fatalf("ReservationOf after conversion = %+v, %v; want none", got, err)
	}
	for range 2 { // completing twice charges once
		must(t, db.CompleteOrder(ctx, o.ID, store.Completion{IPv4: "203.0.113.7", IPv6: "2001:db8::7", Prepaid: provisionDay, Charge: o.HoldAmount}))
	}
	in, err := db.InstanceByID(ctx, o.InstanceID)
	must(t, err)
	if in.Status != webrana.StatusActive || in.ProviderID != "42" || in.IPv4 != "203.0.113.7" || in.ActiveAt == nil || in.AccountID != ids["A"] {
		t.Fatalf("instance after completion: %+v", in)
	}
	got, err = db.OrderByID(ctx, o.ID)
	must(t, err)
	if got.Status != webrana.OrderSucceeded || got.Step != webrana.StepDone || got.RootPassword != "" {
		t.Fatalf("order after completion: %+v (the root password must be erased)", got)
	}
	attempts, err := db.ListAttempts(ctx, o.ID)
	must(t, err)
	if len(attempts) != 1 || attempts[0].Outcome != webrana.AttemptSucceeded || attempts[0].FinishedAt == nil {
		t.Fatalf("attempts %+v, want one succeeded", attempts)
	}
	mustEqual(t, "ledger by kind", ledgerKinds(t, db, owner), map[string]int64{
		webrana.LedgerCredit: 1000, webrana.LedgerHold: -300, webrana.LedgerRelease: 300, webrana.LedgerCharge: -300})
	if b := balance(t, db, owner.ID, "USD"); b != 700 {
		t.Fatalf("balance %d, want 700", b)
	}
})

// ReserveAndBegin: a reservation that begins the order's attempt leaves the
// order running on the account reserved, its server there and one attempt
// open, as BeginAttempt would; a full pool, or an order that does not
// exist, leaves no slot taken and nothing begun.
var _ = register("ReserveAndBegin", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 2, active: 1})
	o := mustOrder(t, db, webrana.DigitalOcean)
	r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: o.ID, Begin: true})
	must(t, err)
	if r.AccountID != ids["A"] {
		t.Fatalf("reserved on %s, want %s", r.AccountID, ids["A"])
	}
	got, err := db.OrderByID(ctx, o.ID)
	must(t, err)
	if got.Status != webrana.OrderRunning || got.Step != webrana.StepCreating || got.AccountID != ids["A"] {
		t.Fatalf("order after a reservation that begins it: %+v", got)
	}
	in, err := db.InstanceByID(ctx, o.InstanceID)
	must(t, err)
	if in.AccountID != ids["A"] || in.Status != webrana.StatusProvisioning {
		t.Fatalf("server after a reservation that begins it: account %q, %s", in.AccountID, in.Status)
	}
	attempts, err := db.ListAttempts(ctx, o.ID)
	must(t, err)
	if len(attempts) != 1 || attempts[0].AccountID != ids["A"] || attempts[0].Outcome != webrana.AttemptStarted || attempts[0].FinishedAt != nil {
		t.Fatalf("attempts %+v, want one open on A", attempts)
	}
	if active, reserved := accountCounts(t, db, ids["A"]); active != 1 || reserved != 1 {
		t.Fatalf("account at %d active, %d reserved; want 1, 1", active, reserved)
	}

	full := mustOrder(t, db, webrana.DigitalOcean)
	_, err = db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: full.ID, Begin: true})
	if !errors.Is(err, webrana.ErrAllAccountsFull) {
		t.Fatalf("a full pool: %v, want ErrAllAccountsFull", err)
	}
	if got, err := db.OrderByID(ctx, full.ID); err != nil || got.Status != webrana.OrderPending || got.AccountID != "" {
		t.Fatalf("order the full pool had no room for: %+v, %v", got, err)
	}
	if attempts, err := db.ListAttempts(ctx, full.ID); err != nil || len(attempts) != 0 {
		t.Fatalf("attempts of the order the full pool had no room for: %+v, %v", attempts, err)
	}

	must(t, db.EndAttempt(ctx, o.ID, webrana.AttemptInterrupted, "")) // room again
	_, err = db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: "no-such-order", Begin: true})
	wantCode(t, err, webrana.ENOTFOUND, "a reservation that begins an order that does not exist")
	if active, reserved := accountCounts(t, db, ids["A"]); active != 1 || reserved != 0 {
		t.Fatalf("account at %d active, %d reserved after an order that does not exist; want 1, 0", active, reserved)
	}
})

// CompleteOrdersAtOnce: the orders one look found running complete in one
// call, each as CompleteOrder would, one completed already passed over; an
// order that cannot be read leaves every other as it was.
var _ = register("CompleteOrdersAtOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 10})
	owner := mustUser(t, db)
	credit(t, db, owner, 1000)
	plan := mustPlan(t, db, webrana.DigitalOcean, "S")
	var orders []*webrana.Order
	for i := range 3 {
		o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan), Hold: usd(100)}, nil)
		must(t, err)
		_, err = db.BeginAttempt(ctx, o.ID, ids["A"])
		must(t, err)
		must(t, db.RecordServer(ctx, o.ID, ids["A"], fmt.Sprint(100+i)))
		orders = append(orders, o)
	}
	done := func(o *webrana.Order, ip string, told *int) store.OrderCompletion {
		return store.OrderCompletion{OrderID: o.ID, Completion: store.Completion{IPv4: ip, Prepaid: provisionDay, Charge: o.HoldAmount},
			Also: []func(*store.Tx) error{func(*store.Tx) error { *told++; return nil }}}
	}
	var told [3]int
	must(t, db.CompleteOrder(ctx, orders[0].ID, store.Completion{IPv4: "192.0.2.10", Prepaid: provisionDay, Charge: orders[0].HoldAmount}))

	// An order unknown fails the whole call: nothing of the others is written.
	gone := &webrana.Order{ID: "no-such-order"}
	err := db.CompleteOrders(ctx, []store.OrderCompletion{done(orders[1], "192.0.2.11", &told[1]), done(gone, "192.0.2.99", new(int))})
	if webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("CompleteOrders with an unknown order: %v, want not found", err)
	}
	if o, err := db.OrderByID(ctx, orders[1].ID); err != nil || o.Done() {
		t.Fatalf("order after a failed CompleteOrders: %+v, %v; want still booting", o, err)
	}

	must(t, db.CompleteOrders(ctx, []store.OrderCompletion{done(orders[2], "192.0.2.12", &told[2]),
		done(orders[0], "192.0.2.90", &told[0]), done(orders[1], "192.0.2.11", &told[1]), done(orders[1], "192.0.2.91", &told[1])}))
	if told != [3]int{0, 1, 1} {
		t.Fatalf("steps run %v, want none for the order completed before and one for each other, given twice or not", told)
	}
	for i, ip := range []string{"192.0.2.10", "192.0.2.11", "192.0.2.12"} {
		in, err := db.InstanceByID(ctx, orders[i].InstanceID)
		must(t, err)
		if in.Status != webrana.StatusActive || in.IPv4 != ip || in.ActiveAt == nil {
			t.Fatalf("server %d after CompleteOrders: %+v; want active at %s", i, in, ip)
		}
		o, err := db.OrderByID(ctx, orders[i].ID)
		must(t, err)
		if o.Status != webrana.OrderSucceeded || o.RootPassword != "" {
			t.Fatalf("order %d after CompleteOrders: %+v", i, o)
		}
	}
	mustEqual(t, "ledger by kind", ledgerKinds(t, db, owner), map[string]int64{
		webrana.LedgerCredit: 1000, webrana.LedgerHold: -300, webrana.LedgerRelease: 300, webrana.LedgerCharge: -300})
	if active, reserved := accountCounts(t, db, ids["A"]); active != 3 || reserved != 0 {
		t.Fatalf("account at %d active, %d reserved; want 3, 0", active, reserved)
	}
})

// OrderFailsOverAndFails: a refused attempt gives the slot back; a failed
// order releases its hold and reservation, erases the password, and runs
// the caller's extra step in its transaction.
var _ = register("OrderFailsOverAndFails", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 5}, poolAccount{name: "B", limit: 5, active: 3})
	owner := mustUser(t, db)
	credit(t, db, owner, 1000)
	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, mustPlan(t, db, webrana.DigitalOcean, "S")),
		Hold: usd(300), RootPassword: "sealed"}, nil)
	must(t, err)
	r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: o.ID})
	must(t, err)
	_, err = db.BeginAttempt(ctx, o.ID, r.AccountID)
	must(t, err)
	must(t, db.EndAttempt(ctx, o.ID, webrana.AttemptQuotaExceeded, "limit reached"))
	if _, reserved := accountCounts(t, db, r.AccountID); reserved != 0 {
		t.Fatalf("refused account still has %d reserved", reserved)
	}
	r2, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: o.ID})
	must(t, err)
	if r2.AccountID == r.AccountID {
		t.Fatal("failover chose the account that refused")
	}
	_, err = db.BeginAttempt(ctx, o.ID, r2.AccountID)
	must(t, err)

	must(t, db.HoldOrder(ctx, o.ID, "waiting", 7, nil))
	held, err := db.HeldOrders(ctx)
	must(t, err)
	mustEqual(t, "held orders", held, map[webrana.ProviderType]int{webrana.DigitalOcean: 1})

	extra := 0
	for range 2 { // failing twice releases once
		must(t, db.FailOrder(ctx, o.ID, webrana.AttemptInvalid, "The provider refused the image.", func(tx *store.Tx) error {
			extra++
			return nil
		}))
	}
	if extra != 1 {
		t.Fatalf("FailOrder ran its extra step %d times, want 1", extra)
	}
	for _, id := range []string{ids["A"], ids["B"]} {
		if _, reserved := accountCounts(t, db, id); reserved != 0 {
			t.Fatalf("account %s has %d reserved after the order failed", id, reserved)
		}
	}
	in, err := db.InstanceByID(ctx, o.InstanceID)
	must(t, err)
	got, err := db.OrderByID(ctx, o.ID)
	must(t, err)
	if in.Status != webrana.StatusFailed || in.Error != "The provider refused the image." || got.Status != webrana.OrderFailed || got.RootPassword != "" {
		t.Fatalf("after failure: instance %+v, order %+v", in, got)
	}
	attempts, err := db.ListAttempts(ctx, o.ID)
	must(t, err)
	if len(attempts) != 2 || attempts[0].Outcome != webrana.AttemptQuotaExceeded || attempts[1].Outcome != webrana.AttemptInvalid {
		t.Fatalf("attempts %+v", attempts)
	}
	if b := balance(t, db, owner.ID, "USD"); b != 1000 {
		t.Fatalf("balance %d after a failed order, want all 1000 back", b)
	}
	held, err = db.HeldOrders(ctx)
	must(t, err)
	if len(held) != 0 {
		t.Fatalf("held orders after failure: %v", held)
	}
})

var _ = register("AccountSSHKeys", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustAccount(t, db, webrana.DigitalOcean, "A")
	id, err := db.AccountSSHKey(ctx, a.ID, "SHA256:x")
	if err != nil || id != "" {
		t.Fatalf("unknown key: %q, %v", id, err)
	}
	must(t, db.RememberSSHKey(ctx, a.ID, "SHA256:x", "11"))
	must(t, db.RememberSSHKey(ctx, a.ID, "SHA256:x", "12"))
	if id, err = db.AccountSSHKey(ctx, a.ID, "SHA256:x"); err != nil || id != "12" {
		t.Fatalf("remembered key: %q, %v; want 12", id, err)
	}
	must(t, db.ForgetSSHKey(ctx, a.ID, "SHA256:x"))
	if id, _ = db.AccountSSHKey(ctx, a.ID, "SHA256:x"); id != "" {
		t.Fatalf("forgotten key still %q", id)
	}
	wantCode(t, db.RememberSSHKey(ctx, "ghost", "SHA256:x", "1"), webrana.EINVALID, "key of an unknown account")
})

// KnownServerIgnoresEndedInstances: a server whose instance is failed or
// deleted is not known, so reconciliation reports it if it still runs.
var _ = register("KnownServerIgnoresEndedInstances", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustAccount(t, db, webrana.DigitalOcean, "A")
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "S")
	for _, c := range []struct {
		status webrana.InstanceStatus
		known  bool
	}{{webrana.StatusActive, true}, {webrana.StatusOff, true}, {webrana.StatusFailed, false}, {webrana.StatusDeleted, false}} {
		in := newInstance(owner, plan)
		in.AccountID, in.ProviderID, in.Status = a.ID, "srv-"+string(c.status), c.status
		mustInstance(t, db, in)
		known, err := db.KnownServer(ctx, a.ID, in.ProviderID)
		must(t, err)
		if known != c.known {
			t.Errorf("a server whose instance is %s: known %v, want %v", c.status, known, c.known)
		}
	}
})
