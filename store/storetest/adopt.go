package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// adoptable is an unsaved active instance of owner recording the server
// id on account.
func adoptable(owner *webrana.User, plan *webrana.Plan, account, id string) *webrana.Instance {
	in := newInstance(owner, plan)
	in.AccountID, in.ProviderID, in.Status = account, id, webrana.StatusActive
	return in
}

// AdoptServersCountsOnce: servers adopted from an account stop counting as
// foreign as they start counting as Webrana's own, in one transaction; a
// second adoption of the same servers adopts nothing; a server of an
// order still holding its slot stays counted by the reservation; an
// instance of another account is refused and changes nothing.
var _ = register("AdoptServersCountsOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 20}, poolAccount{name: "B", limit: 20})
	a := ids["A"]
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, unique("Kept "))
	creating := reservedOrder(t, db, webrana.DigitalOcean, a)
	servers := []store.ObservedServer{listed("foreign-1", ""), listed("foreign-2", ""), listed("foreign-3", ""),
		listed("creating-4", creating.order.ID)}
	must(t, db.SyncServers(ctx, a, clk.Advance(time.Minute), servers))
	wantCounts(t, db, a, 3, 1, "after the sync")

	adopted, err := db.AdoptServers(ctx, a, clk.Advance(time.Minute), servers,
		[]*webrana.Instance{adoptable(owner, plan, a, "foreign-1"), adoptable(owner, plan, a, "foreign-2")}, nil)
	must(t, err)
	if len(adopted) != 2 || adopted[0].ID == "" {
		t.Fatalf("adopted %v, want the two instances saved", adopted)
	}
	wantCounts(t, db, a, 3, 1, "after adopting two foreign servers")

	audited := 0
	again, err := db.AdoptServers(ctx, a, clk.Advance(time.Minute), servers,
		[]*webrana.Instance{adoptable(owner, plan, a, "foreign-1"), adoptable(owner, plan, a, "foreign-3")},
		func(*store.Tx, *webrana.Instance) error { audited++; return nil })
	must(t, err)
	if len(again) != 1 || again[0].ProviderID != "foreign-3" || audited != 1 {
		t.Fatalf("a second adoption adopted %v (%d audited), want foreign-3 only", again, audited)
	}
	wantCounts(t, db, a, 3, 1, "after adopting the third")
	if n := countInstances(t, db); n != 4 { // the reserved order's own instance, and three adopted
		t.Fatalf("%d instances, want 4", n)
	}

	_, err = db.AdoptServers(ctx, a, clk.Advance(time.Minute), servers,
		[]*webrana.Instance{adoptable(owner, plan, ids["B"], "foreign-9")}, nil)
	wantCode(t, err, webrana.EINVALID, "an instance of another account")
	if n := countInstances(t, db); n != 4 {
		t.Fatalf("%d instances after a refused adoption, want 4", n)
	}
})
