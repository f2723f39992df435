package vpcs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/vpcs"
)

// TestCreateAdoptsALostAnswer: a VPC whose create answer is lost is found
// by its name at the provider and recorded, not made twice; it goes on
// the least used account; deleting it deletes it at the provider.
func TestCreateAdoptsALostAnswer(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, w *pooltest.World) {
		ctx := context.Background()
		w.Account(webrana.DigitalOcean, "Busy", 10, 8)
		quiet := w.Account(webrana.DigitalOcean, "Quiet", 10, 1)
		owner := w.Customer(0)
		svc := vpcs.New(w.DB, w.Pool)
		w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/v2/vpcs", Drop: true, Count: 1})
		v, err := svc.Create(ctx, webrana.Actor{User: owner}, vpcs.Request{Name: "prod", Region: "sgp1"})
		w.Must(err)
		if v.AccountID != quiet.ID || v.UUID == "" || v.Origin != webrana.VPCCreated {
			t.Fatalf("VPC %+v; want it on %s", v, quiet.Name)
		}
		list, err := w.Client(quiet).ListVPCs(ctx)
		w.Must(err)
		made := 0
		for _, pv := range list {
			if strings.HasPrefix(pv.Name, "webrana-") {
				made++
			}
		}
		if made != 1 {
			t.Fatalf("%d VPCs made at the provider, want 1", made)
		}
		w.Must(svc.Delete(ctx, webrana.Actor{User: owner}, owner, v.ID))
		list, err = w.Client(quiet).ListVPCs(ctx)
		w.Must(err)
		for _, pv := range list {
			if pv.ID == v.UUID {
				t.Fatal("the VPC is still at the provider after its deletion")
			}
		}
	})
}
