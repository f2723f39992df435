package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/doapi/dotest"
)

// TestDropletAndVPSOrdersAreIndistinguishable (issue 20): an order placed
// through /v2/droplets with godo and one placed through /api/vps, for the
// same plan, region, image and key, take the same path: both become
// active on a pool account, each with one order, one attempt, the same
// hold and charges in the ledger, the same audit entry, and their servers
// tagged at the provider as Webrana's; deleting each frees its slot.
func TestDropletAndVPSOrdersAreIndistinguishable(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		ctx := context.Background()
		planID := r.plan(webrana.DigitalOcean, "s-1vcpu-1gb")
		plan, err := r.DB.PlanByID(ctx, planID)
		if err != nil {
			t.Fatal(err)
		}
		res := r.customer.Do("POST", "/api/tokens", map[string]any{"name": "terraform"})
		var tok struct{ Token string }
		res.JSON(t, &tok)
		spec := dotest.NewTransport(t)
		do, err := godo.New(&http.Client{Transport: spec}, godo.SetBaseURL("http://"+r.Addr()+"/"),
			godo.SetRequestHeaders(map[string]string{"Authorization": "Bearer " + tok.Token}))
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := do.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "laptop",
			PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFditr6sWr51U+imyeNdG5pcPtXRW/Cl9tV6/KHNsx7Z same@example"})
		if err != nil {
			t.Fatal(err)
		}
		var keys struct {
			Items []struct{ ID, Fingerprint string }
		}
		r.customer.Do("GET", "/api/ssh-keys", nil).JSON(t, &keys)
		if len(keys.Items) != 1 || keys.Items[0].Fingerprint != key.Fingerprint {
			t.Fatalf("the key added through /v2/ in Webrana's API: %+v", keys)
		}
		activeBefore := r.activeOn(webrana.DigitalOcean)

		viaAPI := r.order(map[string]any{"provider_type": "digitalocean", "plan_id": planID, "region": "sgp1",
			"image": "ubuntu-24-04-x64", "label": "same-1", "ssh_key_ids": []string{keys.Items[0].ID}})
		d, _, err := do.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "same-2", Region: "sgp1", Size: plan.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: key.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		viaDO, err := r.DB.RefOfNumber(ctx, int64(d.ID))
		if err != nil {
			t.Fatal(err)
		}
		r.waitFor(viaAPI.ID, "active")
		r.waitFor(viaDO, "active")
		got, _, err := do.Droplets.Get(ctx, d.ID)
		if err != nil || got.Status != "active" {
			t.Fatalf("the droplet once active: %+v %v", got, err)
		}
		if ip, err := got.PublicIPv4(); err != nil || ip == "" {
			t.Fatalf("the active droplet's address: %q %v", ip, err)
		}

		a, b := r.orderTrail(viaAPI.ID), r.orderTrail(viaDO)
		if a.instance.AccountID == "" || b.instance.AccountID == "" {
			t.Fatalf("not placed in the pool: %+v %+v", a.instance, b.instance)
		}
		a.instance.AccountID, b.instance.AccountID = "", "" // placement spreads them over the accounts
		if !slices.Equal(a.facts(), b.facts()) {
			t.Errorf("/api/vps order:\n%v\n/v2/droplets order:\n%v", a.facts(), b.facts())
		}
		if got := r.activeOn(webrana.DigitalOcean); got != activeBefore+2 {
			t.Errorf("pool: %d active after the two orders, want %d", got, activeBefore+2)
		}
		for _, o := range []string{a.order.ID, b.order.ID} {
			if n := r.serversTagged(webrana.DigitalOcean, o); n != 1 {
				t.Errorf("order %s: %d servers tagged at the provider, want 1", o, n)
			}
		}

		if _, err := do.Droplets.Delete(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if res := r.customer.Do("DELETE", "/api/vps/"+viaAPI.ID, nil); res.Status != 202 {
			t.Fatalf("delete via /api/vps: %d %s", res.Status, res.Body)
		}
		r.waitFor(viaAPI.ID, "deleted")
		r.waitFor(viaDO, "deleted")
		if got := r.activeOn(webrana.DigitalOcean); got != activeBefore {
			t.Errorf("pool: %d active after deleting both, want %d", got, activeBefore)
		}
	})
}

// trail is what an order left in the store.
type trail struct {
	instance *webrana.Instance
	order    *webrana.Order
	attempts []*webrana.Attempt
	ledger   []*webrana.LedgerEntry
	audit    []*webrana.AuditEntry
}

func (r *orderRig) orderTrail(instanceID string) trail {
	r.t.Helper()
	ctx := context.Background()
	var tr trail
	var err error
	if tr.instance, err = r.DB.InstanceByID(ctx, instanceID); err != nil {
		r.t.Fatal(err)
	}
	if tr.order, err = r.DB.OrderByInstance(ctx, instanceID); err != nil {
		r.t.Fatal(err)
	}
	if tr.attempts, err = r.DB.ListAttempts(ctx, tr.order.ID); err != nil {
		r.t.Fatal(err)
	}
	entries, _, err := r.DB.ListLedger(ctx, tr.instance.OwnerID, webrana.Page{Page: 1, PerPage: 200})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, e := range entries {
		if e.InstanceID == instanceID {
			tr.ledger = append(tr.ledger, e)
		}
	}
	if tr.audit, _, err = r.DB.ListAudit(ctx, store.AuditFilter{TargetID: instanceID, Page: webrana.Page{Page: 1, PerPage: 50}}); err != nil {
		r.t.Fatal(err)
	}
	return tr
}

// facts are the parts of a trail that say how the order went, without
// its ids, label and times.
func (tr trail) facts() []string {
	in, o := tr.instance, tr.order
	out := []string{
		"instance " + string(in.ProviderType) + " " + in.PlanID + " " + in.Region + " " + in.Image + " " + string(in.Status),
		"options " + boolText(in.Options.IPv6, in.Options.Monitoring, in.Options.Backups) +
			" " + in.Options.VPCUUID + " " + strings.Join(in.Options.SSHKeyIDs, ","),
		"order " + o.Status + " " + o.Step + " " + webrana.FormatMajor(o.HoldAmount) + " " + o.Currency,
	}
	for _, a := range tr.attempts {
		out = append(out, "attempt "+a.Outcome)
	}
	for _, e := range tr.ledger {
		out = append(out, "ledger "+e.Kind+" "+webrana.FormatMajor(e.Amount)+" "+e.Currency)
	}
	for _, e := range tr.audit {
		out = append(out, "audit "+e.Action+" "+e.ActorID)
	}
	slices.Sort(out)
	return out
}

func boolText(bs ...bool) string {
	s := ""
	for _, b := range bs {
		if b {
			s += "1"
		} else {
			s += "0"
		}
	}
	return s
}

// activeOn is how many servers the pool counts active on the provider's
// accounts.
func (r *orderRig) activeOn(p webrana.ProviderType) int {
	r.t.Helper()
	accounts, err := r.DB.ListAccounts(context.Background(), p)
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	for _, a := range accounts {
		n += a.Active
	}
	return n
}
