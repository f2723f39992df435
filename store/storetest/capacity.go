package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// The capacity contract (store/capacity.go): every server at the provider
// is counted once — as Webrana's own, as foreign, as a stray, or by its
// order's reservation — whatever order syncs, creates and deletes happen in.

// orderOn is an order placed and holding a slot on one account.
type orderOn struct {
	order   *webrana.Order
	account string
}

// reservedOrder places an order and reserves a slot for it, which must land
// on account.
func reservedOrder(t *testing.T, db *store.DB, typ webrana.ProviderType, account string) orderOn {
	t.Helper()
	o := mustOrder(t, db, typ)
	r, err := db.Reserve(t.Context(), store.ReserveRequest{Provider: typ, OrderID: o.ID})
	must(t, err)
	if r.AccountID != account {
		t.Fatalf("reserved on %s, want %s", r.AccountID, account)
	}
	_, err = db.BeginAttempt(t.Context(), o.ID, account)
	must(t, err)
	return orderOn{order: o, account: account}
}

func listed(id, orderID string) store.ObservedServer {
	return store.ObservedServer{ID: id, OrderID: orderID}
}

func wantCounts(t *testing.T, db *store.DB, id string, active, reserved int, what string) {
	t.Helper()
	if a, r := accountCounts(t, db, id); a != active || r != reserved {
		t.Fatalf("%s: active %d, reserved %d; want %d and %d", what, a, r, active, reserved)
	}
}

// SyncSortsWhatTheProviderLists: own servers count once, tagged servers no
// instance records are strays (unless their order's reservation counts
// them), untagged ones are foreign, and a server removed since the list
// began is left out.
var _ = register("SyncSortsWhatTheProviderLists", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 20})
	a := ids["A"]

	own := reservedOrder(t, db, webrana.DigitalOcean, a)
	must(t, db.RecordServer(ctx, own.order.ID, a, "own-1"))
	creating := reservedOrder(t, db, webrana.DigitalOcean, a)
	failed := reservedOrder(t, db, webrana.DigitalOcean, a)
	must(t, db.RecordServer(ctx, failed.order.ID, a, "failed-3"))
	must(t, db.FailOrder(ctx, failed.order.ID, webrana.AttemptFailed, "never started", nil))
	wantCounts(t, db, a, 1, 1, "before any sync")

	listedAt := clk.Advance(time.Minute)
	// Deleted after the list began: the list may predate its removal.
	leaving := reservedOrder(t, db, webrana.DigitalOcean, a)
	must(t, db.RecordServer(ctx, leaving.order.ID, a, "leaving-4"))
	must(t, db.CompleteOrder(ctx, leaving.order.ID, store.Completion{IPv4: "192.0.2.4", IPv6: "", Prepaid: provisionDay, Charge: leaving.order.HoldAmount}))
	deleteServer(t, db, leaving.order.InstanceID, a)
	clk.Advance(time.Second)

	must(t, db.SyncServers(ctx, a, listedAt, []store.ObservedServer{
		listed("own-1", own.order.ID), listed("creating-2", creating.order.ID), listed("failed-3", failed.order.ID),
		listed("leaving-4", leaving.order.ID), listed("foreign-1", ""), listed("foreign-2", ""), listed("orphan-9", "ghost"),
	}))
	// own-1; foreign-1 and -2; strays failed-3 and orphan-9; creating-2 by
	// its reservation.
	wantCounts(t, db, a, 5, 1, "after the sync")
	got, err := db.AccountByID(ctx, a)
	must(t, err)
	if got.LastSyncAt == nil || !got.LastSyncAt.Equal(listedAt) {
		t.Fatalf("last sync %v, want the moment the list began %v", got.LastSyncAt, listedAt)
	}

	// The order under way records its server: still counted once.
	must(t, db.RecordServer(ctx, creating.order.ID, a, "creating-2"))
	wantCounts(t, db, a, 6, 0, "after recording the listed server")
	// A later list, taken after the delete, still shows the deleted server:
	// the provider has it, so it counts (a stray).
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Minute), []store.ObservedServer{
		listed("own-1", own.order.ID), listed("creating-2", creating.order.ID), listed("failed-3", failed.order.ID),
		listed("leaving-4", leaving.order.ID), listed("foreign-1", ""),
	}))
	wantCounts(t, db, a, 5, 0, "after a sync that lists the deleted server and one foreign server less")
	wantCode(t, db.SyncServers(ctx, "ghost", clk.Now(), nil), webrana.ENOTFOUND, "sync of an unknown account")
})

// deleteServer deletes an active instance as the delete job does.
func deleteServer(t *testing.T, db *store.DB, instanceID, accountID string) {
	t.Helper()
	act := &webrana.InstanceAction{InstanceID: instanceID, Type: webrana.ActionDelete}
	must(t, db.CreateAction(t.Context(), act, webrana.StatusDeleting, nil))
	must(t, db.DeleteFinished(t.Context(), act, accountID))
}

// SyncInterleavingsCountOnce: a create, a lost answer adopted after its slot
// expired, and overlapping syncs, in the orders that used to count a server
// twice or miss one.
var _ = register("SyncInterleavingsCountOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 20, active: 3})
	a := ids["A"]
	foreign := []store.ObservedServer{listed("f-1", ""), listed("f-2", ""), listed("f-3", "")}

	// The list begins before the create and is applied after the server
	// was recorded: the list lacks it, the instance counts it.
	first := reservedOrder(t, db, webrana.DigitalOcean, a)
	listedAt := clk.Advance(time.Second)
	must(t, db.RecordServer(ctx, first.order.ID, a, "s-1"))
	must(t, db.SyncServers(ctx, a, listedAt, foreign))
	wantCounts(t, db, a, 4, 0, "a server recorded while the provider was listed")

	// A create whose answer was lost: a sync lists the server while its
	// order still holds the slot; the slot expires before the order comes
	// back for it; the order then adopts it.
	lost := reservedOrder(t, db, webrana.DigitalOcean, a)
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Second), append(slices.Clone(foreign),
		listed("s-1", first.order.ID), listed("s-2", lost.order.ID))))
	wantCounts(t, db, a, 4, 1, "a listed server whose order holds its slot")
	clk.Advance(store.DefaultReservationTTL + time.Second)
	n, err := db.ReleaseExpiredReservations(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("released %d expired reservations, want 1", n)
	}
	wantCounts(t, db, a, 5, 0, "the slot expired: the listed server still counts")
	must(t, db.RecordServer(ctx, lost.order.ID, a, "s-2"))
	wantCounts(t, db, a, 5, 0, "the order adopted its server")

	// Two syncs overlap: the newer list is applied first; the older one,
	// which lacks a foreign server made in between, changes nothing.
	older := clk.Advance(time.Second)
	newer := clk.Advance(time.Second)
	all := append(slices.Clone(foreign), listed("s-1", first.order.ID), listed("s-2", lost.order.ID))
	must(t, db.SyncServers(ctx, a, newer, append(all, listed("f-4", ""))))
	wantCounts(t, db, a, 6, 0, "the newer list")
	must(t, db.SyncServers(ctx, a, older, all))
	wantCounts(t, db, a, 6, 0, "an older list applied after a newer one")
})

// HeldOrdersWakeWhenCapacityAppears: a change that leaves a provider with
// room wakes its held orders' jobs in the same transaction; one that leaves
// it full, or gains no room (a slot becoming its server), does not.
var _ = register("HeldOrdersWakeWhenCapacityAppears", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	var mu sync.Mutex
	var woken []int64
	db.WakeJobs = func(_ context.Context, _ *store.Tx, ids []int64) error {
		mu.Lock()
		defer mu.Unlock()
		woken = append(woken, ids...)
		return nil
	}
	took := func(what string, want ...int64) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(woken, want) {
			t.Fatalf("%s woke jobs %v, want %v", what, woken, want)
		}
		woken = nil
	}
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 2})
	mustPool(t, db, webrana.Linode, poolAccount{name: "L", limit: 0})
	a := ids["A"]
	busy := reservedOrder(t, db, webrana.DigitalOcean, a)
	must(t, db.RecordServer(ctx, busy.order.ID, a, "s-1"))
	must(t, db.CompleteOrder(ctx, busy.order.ID, store.Completion{IPv4: "192.0.2.1", IPv6: "", Prepaid: provisionDay, Charge: busy.order.HoldAmount}))
	other := reservedOrder(t, db, webrana.DigitalOcean, a)
	held, linode := mustOrder(t, db, webrana.DigitalOcean), mustOrder(t, db, webrana.Linode)
	must(t, db.HoldOrder(ctx, held.ID, "full", 41, nil))
	must(t, db.HoldOrder(ctx, linode.ID, "full", 99, nil))
	must(t, db.StillHeld(ctx, linode.ID, 100)) // run again by another job
	must(t, db.StillHeld(ctx, held.ID, 41))
	took("holding orders")

	name := "A2"
	_, err := db.UpdateAccount(ctx, a, store.AccountUpdate{Name: &name})
	must(t, err)
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Second), []store.ObservedServer{listed("s-1", busy.order.ID)}))
	took("a rename and a sync of a full account")

	must(t, db.EndAttempt(ctx, other.order.ID, webrana.AttemptInterrupted, ""))
	took("a slot given back", 41)
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Second), []store.ObservedServer{listed("s-1", busy.order.ID), listed("f", "")}))
	took("a foreign server filling the account")
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Second), []store.ObservedServer{listed("s-1", busy.order.ID)}))
	took("a foreign server gone", 41)
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Second), []store.ObservedServer{listed("s-1", busy.order.ID), listed("f", "")}))
	took("the account full again")
	deleteServer(t, db, busy.order.InstanceID, a)
	took("a server deleted", 41)
	limit := 1
	_, err = db.UpdateAccount(ctx, a, store.AccountUpdate{Limit: &limit})
	must(t, err)
	took("a limit lowered to the count")
	limit = 3
	_, err = db.UpdateAccount(ctx, a, store.AccountUpdate{Limit: &limit})
	must(t, err)
	took("a limit raised", 41)
	degraded, healthy := webrana.HealthDegraded, webrana.HealthHealthy
	_, err = db.UpdateAccount(ctx, a, store.AccountUpdate{Health: &degraded})
	must(t, err)
	took("an account with room judged DEGRADED (no order is placed there)")
	_, err = db.UpdateAccount(ctx, a, store.AccountUpdate{Health: &healthy})
	must(t, err)
	took("an account healthy again", 41)
	recorded := reservedOrder(t, db, webrana.DigitalOcean, a)
	took("a slot reserved")
	must(t, db.RecordServer(ctx, recorded.order.ID, a, "s-9"))
	took("a slot becoming its server, which leaves the room there was")
	mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "B", limit: 5})
	took("an account added", 41)
	mustPool(t, db, webrana.Linode, poolAccount{name: "L2", limit: 1})
	took("a Linode account added", 100)
})

// AnUnknownOutcomeKeepsItsSlot: while a create's outcome is unknown (the
// attempt closed, its tag to be looked up again) the order's reservation
// outlives its first expiry, so a server that was made stays counted.
var _ = register("AnUnknownOutcomeKeepsItsSlot", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 20})
	o := reservedOrder(t, db, webrana.DigitalOcean, ids["A"])
	clk.Advance(store.DefaultReservationTTL - time.Minute)
	must(t, db.CloseAttempt(ctx, o.order.ID, webrana.AttemptUnavailable, "the provider did not answer"))
	clk.Advance(5 * time.Minute)
	n, err := db.ReleaseExpiredReservations(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("released %d reservations of an order whose outcome is unknown, want 0", n)
	}
	wantCounts(t, db, ids["A"], 0, 1, "while the outcome is unknown")
})

// ConcurrentCapacityIsExact: orders create, record and delete servers
// while syncs list the account at the same time; when they are done the
// account counts exactly what the provider has, with no sync after.
var _ = register("ConcurrentCapacityIsExact", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	const orders, foreign = 24, 5
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 100, active: foreign})
	a := ids["A"]

	// provider is the servers the account has, as a provider would list them.
	var mu sync.Mutex
	provider := map[string]string{} // server id → order id
	for i := range foreign {
		provider[fmt.Sprint("foreign-", i)] = ""
	}
	list := func() []store.ObservedServer {
		mu.Lock()
		defer mu.Unlock()
		out := []store.ObservedServer{}
		for id, o := range provider {
			out = append(out, listed(id, o))
		}
		return out
	}
	set := func(id, order string, exists bool) {
		mu.Lock()
		defer mu.Unlock()
		if exists {
			provider[id] = order
		} else {
			delete(provider, id)
		}
	}
	placed := make([]orderOn, orders)
	for i := range placed {
		placed[i] = reservedOrder(t, db, webrana.DigitalOcean, a)
	}

	done := make(chan struct{})
	var syncs sync.WaitGroup
	for range 3 {
		syncs.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				listedAt := webrana.Now()
				if err := db.SyncServers(ctx, a, listedAt, list()); err != nil {
					t.Errorf("sync: %v", err)
					return
				}
			}
		})
	}
	var work sync.WaitGroup
	for i, o := range placed {
		work.Go(func() {
			id := fmt.Sprint("srv-", i)
			set(id, o.order.ID, true) // the provider made it
			if err := db.RecordServer(ctx, o.order.ID, a, id); err != nil {
				t.Errorf("record: %v", err)
				return
			}
			if i%3 != 0 {
				return
			}
			if err := db.CompleteOrder(ctx, o.order.ID, store.Completion{IPv4: "192.0.2.1", IPv6: "", Prepaid: provisionDay, Charge: o.order.HoldAmount}); err != nil {
				t.Errorf("complete: %v", err)
				return
			}
			act := &webrana.InstanceAction{InstanceID: o.order.InstanceID, Type: webrana.ActionDelete}
			if err := db.CreateAction(ctx, act, webrana.StatusDeleting, nil); err != nil {
				t.Errorf("delete: %v", err)
				return
			}
			set(id, "", false) // the provider removed it
			if err := db.DeleteFinished(ctx, act, a); err != nil {
				t.Errorf("delete finished: %v", err)
			}
		})
	}
	work.Wait()
	close(done)
	syncs.Wait()
	want := len(list())
	wantCounts(t, db, a, want, 0, fmt.Sprintf("after %d orders (a third deleted) raced syncs", orders))
})
