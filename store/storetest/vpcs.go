package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// A customer's VPC is theirs: found by id and by the provider's id for its
// owner only, listed for them (and for everyone with no owner); a provider
// VPC belongs to one customer, names are unique per customer; the audit
// written with it commits with it.
var _ = register("VPCsAreOwned", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	alice, bob := mustUser(t, db), mustUser(t, db)
	acc := mustAccount(t, db, webrana.DigitalOcean, "A")
	v := &webrana.VPC{OwnerID: alice.ID, ProviderType: webrana.DigitalOcean, AccountID: acc.ID,
		UUID: "5a4981aa-9653-4bd1-bef5-d6bff52042e4", Region: "sgp1", Name: "prod", IPRange: "10.100.0.0/20", Origin: webrana.VPCCreated}
	must(t, db.CreateVPC(ctx, v, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, &webrana.AuditEntry{ActorID: alice.ID, Action: "vpc.created", TargetType: "vpc", TargetID: v.ID})
	}))
	got, err := db.VPCByID(ctx, alice.ID, v.ID)
	must(t, err)
	mustEqual(t, "VPC", got, v)
	if got, err := db.VPCByUUID(ctx, alice.ID, v.UUID); err != nil || got.ID != v.ID {
		t.Fatalf("by uuid: %+v, %v", got, err)
	}
	_, err = db.VPCByID(ctx, bob.ID, v.ID)
	wantCode(t, err, webrana.ENOTFOUND, "another customer's VPC by id")
	_, err = db.VPCByUUID(ctx, bob.ID, v.UUID)
	wantCode(t, err, webrana.ENOTFOUND, "another customer's VPC by uuid")
	if got, err := db.VPCByID(ctx, "", v.ID); err != nil || got.ID != v.ID {
		t.Fatalf("by id for the operator: %+v, %v", got, err)
	}
	taken := *v
	taken.ID, taken.OwnerID, taken.Name = "", bob.ID, "theirs"
	wantCode(t, db.CreateVPC(ctx, &taken), webrana.ECONFLICT, "a VPC of another customer")
	same := *v
	same.ID, same.UUID = "", "6b4981aa-9653-4bd1-bef5-d6bff52042e4"
	wantCode(t, db.CreateVPC(ctx, &same), webrana.ECONFLICT, "a second VPC of the same name")
	bobs := &webrana.VPC{OwnerID: bob.ID, ProviderType: webrana.DigitalOcean, AccountID: acc.ID,
		UUID: "7c4981aa-9653-4bd1-bef5-d6bff52042e4", Region: "sgp1", Name: "prod", Origin: webrana.VPCAssigned}
	clk.Advance(time.Second)
	must(t, db.CreateVPC(ctx, bobs))
	mine, err := db.ListVPCs(ctx, alice.ID)
	must(t, err)
	mustEqual(t, "alice's VPCs", ids(mine, func(v *webrana.VPC) string { return v.ID }), []string{v.ID})
	all, err := db.ListVPCs(ctx, "")
	must(t, err)
	mustEqual(t, "every VPC", ids(all, func(v *webrana.VPC) string { return v.ID }), []string{v.ID, bobs.ID})
	audit, n, err := db.ListAudit(ctx, store.AuditFilter{Action: "vpc.created", TargetID: v.ID})
	if err != nil || n != 1 || audit[0].TargetID != v.ID {
		t.Fatalf("the VPC's audit: %v, %d, %v", audit, n, err)
	}
})

// A VPC with a server in it (being made, running or deleting) cannot be
// deleted; once its servers failed or are deleted it can, by its owner
// only.
var _ = register("VPCDeleteRefusedWhileInUse", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	useClock(db)
	alice, bob := mustUser(t, db), mustUser(t, db)
	acc := mustAccount(t, db, webrana.DigitalOcean, "A")
	plan := mustPlan(t, db, webrana.DigitalOcean, "small")
	v := &webrana.VPC{OwnerID: alice.ID, ProviderType: webrana.DigitalOcean, AccountID: acc.ID,
		UUID: "5a4981aa-9653-4bd1-bef5-d6bff52042e4", Region: "sgp1", Name: "prod", Origin: webrana.VPCCreated}
	must(t, db.CreateVPC(ctx, v))
	in := newInstance(alice, plan)
	in.Options.VPCUUID = v.UUID
	in.Status = webrana.StatusProvisioning
	mustInstance(t, db, in)
	other := newInstance(alice, plan)
	other.Options.VPCUUID = "6b4981aa-9653-4bd1-bef5-d6bff52042e4"
	mustInstance(t, db, other)
	if n, err := db.VPCServers(ctx, v.UUID); err != nil || n != 1 {
		t.Fatalf("servers in the VPC: %d, %v", n, err)
	}
	wantCode(t, db.DeleteVPC(ctx, alice.ID, v.ID), webrana.ECONFLICT, "deleting a VPC a server is being made in")
	wantCode(t, db.DeleteVPC(ctx, bob.ID, v.ID), webrana.ENOTFOUND, "deleting another customer's VPC")
	deleted := webrana.StatusDeleted
	_, err := db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{Status: &deleted})
	must(t, err)
	must(t, db.DeleteVPC(ctx, alice.ID, v.ID))
	_, err = db.VPCByID(ctx, alice.ID, v.ID)
	wantCode(t, err, webrana.ENOTFOUND, "a deleted VPC")
})

// A VPC goes on the least used active, healthy account of its provider
// with room, as a placement would; none is ErrAllAccountsFull.
var _ = register("VPCAccountChosenLikeAPlacement", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	useClock(db)
	mustAccount(t, db, webrana.DigitalOcean, "busy", func(a *webrana.Account) { a.Limit, a.Active = 10, 8 })
	quiet := mustAccount(t, db, webrana.DigitalOcean, "quiet", func(a *webrana.Account) { a.Limit, a.Active = 10, 2 })
	mustAccount(t, db, webrana.DigitalOcean, "off", func(a *webrana.Account) { a.Limit, a.IsActive = 10, false })
	got, err := db.VPCAccount(ctx, webrana.DigitalOcean)
	if err != nil || got.ID != quiet.ID {
		t.Fatalf("VPC account %+v, %v; want %s", got, err, quiet.Name)
	}
	_, err = db.VPCAccount(ctx, webrana.Linode)
	if err != webrana.ErrAllAccountsFull {
		t.Fatalf("no Linode account: %v", err)
	}
})

// An order pinned to an account (its VPC's) reserves a slot there and
// nowhere else, even where another account has more room; when that account
// is full the pool is full for the order.
var _ = register("ReservePinnedToAccount", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	useClock(db)
	mustAccount(t, db, webrana.DigitalOcean, "roomy", func(a *webrana.Account) { a.Limit, a.Active = 10, 0 })
	pinned := mustAccount(t, db, webrana.DigitalOcean, "pinned", func(a *webrana.Account) { a.Limit, a.Active = 2, 1 })
	r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: "order-1", AccountID: pinned.ID})
	if err != nil || r.AccountID != pinned.ID {
		t.Fatalf("pinned reservation %+v, %v; want one on %s", r, err, pinned.Name)
	}
	_, err = db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: "order-2", AccountID: pinned.ID})
	if err != webrana.ErrAllAccountsFull {
		t.Fatalf("pinned to a full account: %v, want ErrAllAccountsFull", err)
	}
	if r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: "order-3"}); err != nil || r.AccountID == pinned.ID {
		t.Fatalf("an order without a VPC: %+v, %v", r, err)
	}
})
