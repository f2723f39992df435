package provision_test

import (
	"context"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// TestOrderInVPCIsPlacedOnItsAccount: an order in a customer's VPC is
// created on the VPC's account, though another account has more room, and
// in the VPC; when that account is full, the next such order is held
// rather than placed elsewhere.
func TestOrderInVPCIsPlacedOnItsAccount(t *testing.T) {
	w := newOrderWorld(t)
	ctx := context.Background()
	busy := w.Account(webrana.DigitalOcean, "B", 5, 3) // 3 of 5 used: spread prefers A (3 of 10)
	w.plan, w.owner = w.Plan(webrana.DigitalOcean), w.Customer(1000)
	pv, err := w.Client(busy).CreateVPC(ctx, cloud.VPCRequest{Name: "webrana-test", Region: w.plan.Regions[0]})
	w.Must(err)
	w.Must(w.DB.CreateVPC(ctx, &webrana.VPC{OwnerID: w.owner.ID, ProviderType: webrana.DigitalOcean, AccountID: busy.ID,
		UUID: pv.ID, Region: pv.Region, Name: "prod", Origin: webrana.VPCCreated}))
	order := func() *webrana.Order {
		sealed, err := w.Keys.Seal("Order-Test-Root-Pw-1!")
		w.Must(err)
		in := &webrana.Instance{OwnerID: w.owner.ID, ProviderType: webrana.DigitalOcean, PlanID: w.plan.ID, Label: "web",
			Region: w.plan.Regions[0], Image: pooltest.Image(webrana.DigitalOcean), Status: webrana.StatusPending,
			Options: webrana.InstanceOptions{VPCUUID: pv.ID}}
		o, err := w.DB.PlaceOrder(ctx, store.NewOrder{Instance: in, RootPassword: sealed,
			Hold: webrana.Money{Amount: 24, Currency: "USD"}}, nil)
		w.Must(err)
		return o
	}
	for i := range 2 {
		o := order()
		w.Must(w.run(o, 1))
		in := w.instance(o)
		if in.Status != webrana.StatusActive || in.AccountID != busy.ID {
			t.Fatalf("server %d in the VPC: %s on %s, want active on %s", i, in.Status, in.AccountID, busy.Name)
		}
		s, err := w.Client(busy).GetInstance(ctx, in.ProviderID)
		w.Must(err)
		if s.VPCUUID != pv.ID {
			t.Fatalf("server %d is in VPC %s, want %s", i, s.VPCUUID, pv.ID)
		}
	}
	o := order()
	if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
		t.Fatalf("an order whose VPC's account is full: %v, want it held (snoozing)", err)
	}
	got, err := w.DB.OrderByID(ctx, o.ID)
	w.Must(err)
	if got.Status != webrana.OrderHeld || w.instance(o).AccountID != "" || !strings.Contains(got.Error, "your VPC") {
		t.Fatalf("an order in a VPC whose account is full: %s on %q (%s), want held", got.Status, w.instance(o).AccountID, got.Error)
	}
}
