package main

import (
	"context"
	"testing"

	"github.com/webrana/webrana"
)

// TestLargestPriceOrderBecomesActive: a plan at the largest prices an
// operator may set is ordered through the API, created by the worker and
// charged its first day — the monthly price, exactly — on both engines.
func TestLargestPriceOrderBecomesActive(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		res := r.admin.Do("POST", "/api/admin/plans", map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb",
			"name": "Largest", "price_monthly": webrana.MaxAmount, "price_hourly": webrana.MaxAmount, "regions": []string{"sgp1"}})
		if res.Status != 201 {
			t.Fatalf("largest plan: %d %s", res.Status, res.Body)
		}
		var plan webrana.Plan
		res.JSON(t, &plan)
		var me struct{ ID string }
		r.customer.Do("GET", "/api/me", nil).JSON(t, &me)
		if _, err := r.DB.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: me.ID, Kind: webrana.LedgerCredit,
			Amount: webrana.MaxAmount, Currency: "USD", Note: "for the largest plan"}); err != nil {
			t.Fatal(err)
		}
		before := r.balance()
		v := r.order(map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": "sgp1", "image": "ubuntu-24-04-x64",
			"label": "largest-1", "root_password": "Kx9!mQ2#vLp7"})
		if v = r.waitFor(v.ID, "active", "failed"); v.Status != "active" || v.IPv4 == "" {
			t.Fatalf("order at the largest price: %+v, want active", v)
		}
		if got := r.balance(); got != before-webrana.MaxAmount {
			t.Fatalf("balance %d after the first day, want %d", got, before-webrana.MaxAmount)
		}
		entries, _, err := r.DB.ListLedger(context.Background(), me.ID, webrana.Page{})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int64{}
		for _, e := range entries {
			if e.InstanceID == v.ID {
				kinds[e.Kind] += e.Amount
			}
		}
		if kinds[webrana.LedgerHold] != -webrana.MaxAmount || kinds[webrana.LedgerRelease] != webrana.MaxAmount || kinds[webrana.LedgerCharge] != -webrana.MaxAmount {
			t.Fatalf("the server's entries %v, want a hold, release and first-day charge of %d", kinds, webrana.MaxAmount)
		}
	})
}
