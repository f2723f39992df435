package web_test

import (
	"context"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store/storetest"
)

// TestNoChangeWithoutItsAudit: an order, an action, a deletion and a
// credit are audited in their own transaction. When the audit log cannot be written
// the request fails and nothing happened: no server ordered, no money
// held, no action queued, no server deleting, no money credited. (Before, the audit came
// after: the order was placed and the customer was told 500.)
func TestNoChangeWithoutItsAudit(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		owner := h.user("a@example.com", webrana.RoleCustomer)
		alice := h.login("a@example.com")
		h.user("admin@example.com", webrana.RoleAdmin)
		admin := h.login("admin@example.com").Unchecked()
		plan := h.plan(t, webrana.DigitalOcean)
		h.credit(t, alice, 1000)
		running := h.server(t, owner, plan, "running", webrana.StatusActive)
		storetest.RefuseAudits(t, h.db)
		alice = alice.Unchecked() // the API's document describes no failing database

		res := alice.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": "sgp1",
			"image": "ubuntu-24-04-x64", "label": "web-1", "root_password": "Kx9!mQ2#vLp7"})
		mustStatus(t, res, 500, "order without its audit")
		if _, total, err := h.db.ListInstances(ctx, webrana.InstanceFilter{OwnerID: owner.ID}); err != nil || total != 1 {
			t.Fatalf("servers after a refused order: %d, %v; want the running one only", total, err)
		}
		if b, err := h.db.Balance(ctx, owner.ID, "USD"); err != nil || b.Amount != 1000 {
			t.Fatalf("balance after a refused order: %v, %v; want nothing held", b, err)
		}

		mustStatus(t, alice.Do("POST", "/api/vps/"+running.ID+"/actions", map[string]string{"type": "reboot"}), 500, "action without its audit")
		mustStatus(t, alice.Do("DELETE", "/api/vps/"+running.ID, nil), 500, "deletion without its audit")
		if actions, _, err := h.db.ListActions(ctx, running.ID, webrana.Page{}); err != nil || len(actions) != 0 {
			t.Fatalf("actions after refused audits: %+v, %v", actions, err)
		}
		if in, err := h.db.InstanceByID(ctx, running.ID); err != nil || in.Status != webrana.StatusActive {
			t.Fatalf("server after a refused deletion: %+v, %v; want it active", in, err)
		}

		mustStatus(t, admin.Do("POST", "/api/admin/customers/"+owner.ID+"/credit", map[string]any{"amount": 500, "note": "Goodwill"}),
			500, "credit without its audit")
		if b, err := h.db.Balance(ctx, owner.ID, "USD"); err != nil || b.Amount != 1000 {
			t.Fatalf("balance after a refused credit: %v, %v; want it unchanged", b, err)
		}
	})
}
