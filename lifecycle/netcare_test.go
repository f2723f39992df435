package lifecycle_test

import (
	"context"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool/pooltest"
)

// TestSetRDNSReachesTheProvider: set_rdns on each provider completes, the
// provider then reports the PTR (on DigitalOcean as the droplet's name, for
// both addresses), the server's label in Webrana is unchanged, and PTRs
// reads it back from the history.
func TestSetRDNSReachesTheProvider(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			w := newWorld(t, p)
			ctx := context.Background()
			s, err := w.client.GetInstance(ctx, w.in.ProviderID)
			must(t, err)
			a := w.settle(w.act(webrana.ActionSetRDNS, webrana.ActionParams{IP: s.IPv4, PTR: "mail.example.com"}), 1)
			if a.Status != webrana.ActionCompleted {
				t.Fatalf("set_rdns ended %s: %s", a.Status, a.Error)
			}
			ptrs, err := w.client.ReverseDNS(ctx, w.in.ProviderID)
			must(t, err)
			if ptrs[s.IPv4] != "mail.example.com" {
				t.Fatalf("PTRs at the provider: %v", ptrs)
			}
			after, err := w.client.GetInstance(ctx, w.in.ProviderID)
			must(t, err)
			byName := w.client.Capabilities().RDNS == cloud.RDNSServerName
			if byName != (after.Name == "mail.example.com") {
				t.Fatalf("server named %q at the provider (PTR by name: %v)", after.Name, byName)
			}
			in := w.instance()
			if in.Label != "web" {
				t.Fatalf("label in Webrana %q, want it unchanged", in.Label)
			}
			in.IPv4, in.IPv6 = s.IPv4, s.IPv6
			got := lifecycle.PTRs(in, []*webrana.InstanceAction{a})
			if got[s.IPv4] != "mail.example.com" || (s.IPv6 != "" && (got[s.IPv6] == "mail.example.com") != byName) {
				t.Fatalf("PTRs from the history %v", got)
			}
		})
	}
}

// TestResizeDiskReachesTheProvider: a resize's disk choice reaches the
// provider: on DigitalOcean disk:false keeps the 25 GB disk and disk:true
// grows it; on Linode the disk always follows the plan.
func TestResizeDiskReachesTheProvider(t *testing.T) {
	bigger := map[webrana.ProviderType]string{webrana.DigitalOcean: "s-1vcpu-2gb", webrana.Linode: "g6-standard-1"}
	for _, p := range webrana.ProviderTypes {
		for _, disk := range []bool{false, true} {
			if !disk && p == webrana.Linode {
				continue // refused before (CanResize, cloud.Client)
			}
			t.Run(string(p), func(t *testing.T) {
				w := newWorld(t, p)
				ctx := context.Background()
				if w.client.Capabilities().ResizeStopped {
					w.settle(w.act(webrana.ActionPowerOff, webrana.ActionParams{}), 1)
				}
				plan := &webrana.Plan{ProviderType: p, SizeSlug: bigger[p], Name: "Big", VCPUs: 1, MemoryMB: 2048, DiskGB: 50,
					PriceMonthly: 1200, PriceHourly: 2, Currency: "USD", Regions: []string{pooltest.Region(p)}, IsActive: true}
				must(t, w.DB.CreatePlan(ctx, plan))
				a := w.settle(w.act(webrana.ActionResize, webrana.ActionParams{PlanID: plan.ID, Disk: disk}), 1)
				if a.Status != webrana.ActionCompleted || !a.Params.Disk == disk {
					t.Fatalf("resize ended %s (%s), params %+v", a.Status, a.Error, a.Params)
				}
				s, err := w.client.GetInstance(ctx, w.in.ProviderID)
				must(t, err)
				want := 25
				if disk {
					want = 50
				}
				if s.Size != bigger[p] || s.DiskGB != want {
					t.Fatalf("after the resize (disk %v): size %s with %d GB, want %s with %d GB", disk, s.Size, s.DiskGB, bigger[p], want)
				}
				if w.instance().PlanID != plan.ID {
					t.Fatal("the instance is not on the new plan")
				}
			})
		}
	}
}
