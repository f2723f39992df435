package storetest

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// instancesInTx counts instances through the transaction's own handle.
func instancesInTx(t *testing.T, tx *store.Tx) int {
	t.Helper()
	var n int
	must(t, tx.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM instances`).Scan(&n))
	return n
}

var _ = register("PlaceOrder", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	in := newInstance(owner, plan)
	in.Options = webrana.InstanceOptions{Backups: true, StackScriptData: map[string]string{"k": "v"}}

	calls := 0
	order, err := db.PlaceOrder(ctx, store.NewOrder{Instance: in}, func(tx *store.Tx, o *webrana.Order) error {
		calls++
		if o.ID == "" || o.InstanceID != in.ID {
			t.Errorf("enqueue got order %+v for instance %s", o, in.ID)
		}
		if n := instancesInTx(t, tx); n != 1 {
			t.Errorf("enqueue sees %d instances in its transaction, want 1", n)
		}
		return tx.AppendAudit(ctx, &webrana.AuditEntry{Action: "order.enqueued", TargetID: o.ID})
	})
	must(t, err)
	if calls != 1 {
		t.Fatalf("enqueue called %d times", calls)
	}
	want := &webrana.Order{ID: order.ID, InstanceID: in.ID, UserID: owner.ID, Status: webrana.OrderPending,
		Step: webrana.StepQueued, Currency: "USD",
		CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	mustEqual(t, "placed order", order, want)

	byID, err := db.OrderByID(ctx, order.ID)
	must(t, err)
	mustEqual(t, "OrderByID", byID, want)
	byInstance, err := db.OrderByInstance(ctx, in.ID)
	must(t, err)
	mustEqual(t, "OrderByInstance", byInstance, want)
	gotIn, err := db.InstanceByID(ctx, in.ID)
	must(t, err)
	mustEqual(t, "ordered instance", gotIn, in)
	both, bothIn, err := db.OrderAndInstance(ctx, order.ID)
	must(t, err)
	mustEqual(t, "OrderAndInstance's order", both, want)
	mustEqual(t, "OrderAndInstance's instance", bothIn, in)
	entries, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "order.enqueued", TargetID: order.ID})
	must(t, err)
	if len(entries) != 1 {
		t.Fatalf("%d audit entries written by enqueue, want 1", len(entries))
	}

	_, err = db.OrderByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "OrderByID missing")
	_, err = db.OrderByInstance(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "OrderByInstance missing")
	_, _, err = db.OrderAndInstance(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "OrderAndInstance missing")
})

// PlaceOrderAtomic: when any step fails, nothing of the order is written.
var _ = register("PlaceOrderAtomic", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	mustInstance(t, db, newInstance(owner, plan))
	before := countInstances(t, db)

	queueDown := errors.New("queue down")
	var seen *webrana.Order
	order, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, func(tx *store.Tx, o *webrana.Order) error {
		seen = o
		if err := tx.AppendAudit(ctx, &webrana.AuditEntry{Action: "order.enqueued"}); err != nil {
			return err
		}
		return queueDown
	})
	if seen == nil {
		t.Fatal("enqueue was not called")
	}
	if !errors.Is(err, queueDown) || order != nil {
		t.Fatalf("PlaceOrder returned %+v, %v; want nil and the enqueue error", order, err)
	}
	if n := countInstances(t, db); n != before {
		t.Fatalf("%d instances after the failed order, want %d", n, before)
	}
	_, err = db.OrderByID(ctx, seen.ID)
	wantCode(t, err, webrana.ENOTFOUND, "order of the failed PlaceOrder")
	_, total, err := db.ListAudit(ctx, store.AuditFilter{Action: "order.enqueued"})
	must(t, err)
	if total != 0 {
		t.Fatalf("enqueue's audit entry survived the rollback")
	}

	bad := newInstance(owner, plan)
	bad.Status = "bogus"
	_, err = db.PlaceOrder(ctx, store.NewOrder{Instance: bad}, func(*store.Tx, *webrana.Order) error {
		t.Error("enqueue called for an invalid instance")
		return nil
	})
	wantCode(t, err, webrana.EINVALID, "PlaceOrder with a bad status")
	ghost := newInstance(&webrana.User{ID: "ghost"}, plan)
	_, err = db.PlaceOrder(ctx, store.NewOrder{Instance: ghost}, nil)
	wantCode(t, err, webrana.EINVALID, "PlaceOrder for an unknown owner")
	if n := countInstances(t, db); n != before {
		t.Fatalf("%d instances after the invalid orders, want %d", n, before)
	}

	order, err = db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, nil)
	must(t, err)
	if n := countInstances(t, db); n != before+1 || order == nil {
		t.Fatalf("PlaceOrder without enqueue: %d instances, order %v", n, order)
	}
})

var _ = register("OrderNames", func(t *testing.T, db *store.DB) {
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	hostname := regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	tags, names := map[string]bool{}, map[string]bool{}
	for range 3 {
		o, err := db.PlaceOrder(t.Context(), store.NewOrder{Instance: newInstance(owner, plan)}, nil)
		must(t, err)
		tag, name := o.Tag(), o.ServerName()
		if !strings.HasPrefix(tag, "webrana-order-") || !strings.HasSuffix(tag, o.ID) {
			t.Errorf("Tag %q does not name order %s", tag, o.ID)
		}
		if tags[tag] {
			t.Errorf("Tag %q repeats", tag)
		}
		tags[tag] = true
		// Orders placed back to back must not share a server name: Linode
		// labels are unique per account.
		if names[name] {
			t.Errorf("ServerName %q repeats for orders placed together", name)
		}
		names[name] = true
		if !strings.HasPrefix(name, "webrana-") || !strings.Contains(o.ID, strings.TrimPrefix(name, "webrana-")) ||
			!hostname.MatchString(name) {
			t.Errorf("ServerName %q of order %s is not a hostname derived from it", name, o.ID)
		}
	}
})

var _ = register("CreateOrderTwice", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner := mustUser(t, db)
	in := mustInstance(t, db, newInstance(owner, mustPlan(t, db, webrana.DigitalOcean, "Small")))
	must(t, db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateOrder(ctx, &webrana.Order{InstanceID: in.ID, UserID: owner.ID, Status: webrana.OrderPending})
	}))
	err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateOrder(ctx, &webrana.Order{InstanceID: in.ID, UserID: owner.ID, Status: webrana.OrderPending})
	})
	wantCode(t, err, webrana.ECONFLICT, "second order for one server")
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateOrder(ctx, &webrana.Order{InstanceID: "ghost", UserID: owner.ID, Status: webrana.OrderPending})
	})
	wantCode(t, err, webrana.EINVALID, "order for an unknown server")
})

var _ = register("OrderUpdate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	acc := mustAccount(t, db, webrana.DigitalOcean, "A")
	order, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, mustPlan(t, db, webrana.DigitalOcean, "Small"))}, nil)
	must(t, err)
	want := *order

	t1 := clk.Advance(time.Minute)
	got, err := db.UpdateOrder(ctx, order.ID, store.OrderUpdate{Status: ptr(webrana.OrderRunning), AccountID: &acc.ID})
	must(t, err)
	want.Status, want.AccountID, want.UpdatedAt = webrana.OrderRunning, acc.ID, t1
	mustEqual(t, "running order", got, &want)

	t2 := clk.Advance(time.Minute)
	got, err = db.UpdateOrder(ctx, order.ID, store.OrderUpdate{Status: ptr(webrana.OrderFailed), Error: ptr("no capacity")})
	must(t, err)
	want.Status, want.Error, want.UpdatedAt = webrana.OrderFailed, "no capacity", t2
	mustEqual(t, "failed order", got, &want)

	got, err = db.UpdateOrder(ctx, order.ID, store.OrderUpdate{AccountID: ptr("")})
	must(t, err)
	want.AccountID = ""
	mustEqual(t, "order without account", got, &want)

	_, err = db.UpdateOrder(ctx, order.ID, store.OrderUpdate{AccountID: ptr("ghost")})
	wantCode(t, err, webrana.EINVALID, "unknown account")
	_, err = db.UpdateOrder(ctx, "missing", store.OrderUpdate{Status: ptr(webrana.OrderHeld)})
	wantCode(t, err, webrana.ENOTFOUND, "UpdateOrder missing")
	stored, err := db.OrderByID(ctx, order.ID)
	must(t, err)
	mustEqual(t, "stored order", stored, &want)
})

var _ = register("OrderAttempts", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	a1, a2 := mustAccount(t, db, webrana.DigitalOcean, "A1"), mustAccount(t, db, webrana.DigitalOcean, "A2")
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	order, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, nil)
	must(t, err)
	other, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, nil)
	must(t, err)

	first, err := db.StartAttempt(ctx, order.ID, a1.ID)
	must(t, err)
	want1 := &webrana.Attempt{ID: first.ID, OrderID: order.ID, AccountID: a1.ID, Outcome: "started", StartedAt: epoch}
	mustEqual(t, "started attempt", first, want1)
	_, err = db.StartAttempt(ctx, other.ID, a1.ID)
	must(t, err)

	failedAt := clk.Advance(time.Second)
	must(t, db.FinishAttempt(ctx, first.ID, webrana.ECONFLICT, "limit reached"))
	want1.Outcome, want1.Error, want1.FinishedAt = webrana.ECONFLICT, "limit reached", &failedAt

	clk.Advance(time.Second)
	second, err := db.StartAttempt(ctx, order.ID, a2.ID)
	must(t, err)
	third, err := db.StartAttempt(ctx, order.ID, "") // same start time: ordered by id
	must(t, err)
	doneAt := clk.Advance(time.Minute)
	must(t, db.FinishAttempt(ctx, second.ID, "succeeded", ""))
	want2 := &webrana.Attempt{ID: second.ID, OrderID: order.ID, AccountID: a2.ID, Outcome: "succeeded",
		StartedAt: second.StartedAt, FinishedAt: &doneAt}
	want3 := &webrana.Attempt{ID: third.ID, OrderID: order.ID, Outcome: "started", StartedAt: second.StartedAt}
	if third.ID < second.ID {
		want2, want3 = want3, want2
	}
	got, err := db.ListAttempts(ctx, order.ID)
	must(t, err)
	mustEqual(t, "attempts", got, []*webrana.Attempt{want1, want2, want3})

	none, err := db.ListAttempts(ctx, "missing")
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("ListAttempts of a missing order: %#v, want an empty list", none)
	}
	wantCode(t, db.FinishAttempt(ctx, "missing", "succeeded", ""), webrana.ENOTFOUND, "FinishAttempt missing")
	_, err = db.StartAttempt(ctx, "ghost", a1.ID)
	wantCode(t, err, webrana.EINVALID, "attempt of an unknown order")
	_, err = db.StartAttempt(ctx, order.ID, "ghost")
	wantCode(t, err, webrana.EINVALID, "attempt on an unknown account")
})
