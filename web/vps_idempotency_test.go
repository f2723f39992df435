package web_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// holds counts the hold entries in a customer's ledger.
func holds(t *testing.T, h *harness, userID string) int {
	t.Helper()
	entries, _, err := h.db.ListLedger(context.Background(), userID, webrana.Page{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Kind == webrana.LedgerHold {
			n++
		}
	}
	return n
}

// TestCreateVPSIdempotencyKey: an order sent again with its Idempotency-Key
// (later, with another body, or at the same time) places one server and
// one hold, answering 200 with that server; another customer's or another
// key orders anew.
func TestCreateVPSIdempotencyKey(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		alice := h.user("a@example.com", webrana.RoleCustomer)
		h.user("b@example.com", webrana.RoleCustomer)
		ac, bc := h.login("a@example.com"), h.login("b@example.com")
		plan := h.plan(t, webrana.DigitalOcean)
		h.credit(t, ac, 1000)
		h.credit(t, bc, 1000)
		body := func(label string) map[string]any {
			return map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": "sgp1",
				"image": "ubuntu-24-04-x64", "label": label, "root_password": "Kx9!mQ2#vLp7"}
		}
		keyed := ac.WithHeader("Idempotency-Key", "order-77")

		res := keyed.Do("POST", "/api/vps", body("web-1"))
		mustStatus(t, res, 202, "keyed order")
		var first instanceJSON
		res.JSON(t, &first)
		for _, label := range []string{"web-1", "another-body"} {
			res = keyed.Do("POST", "/api/vps", body(label))
			mustStatus(t, res, 200, "keyed order sent again")
			var again instanceJSON
			res.JSON(t, &again)
			if again.ID != first.ID || again.Label != "web-1" || res.Header.Get("Location") != "/api/vps/"+first.ID {
				t.Fatalf("order sent again answered %+v at %q, want %s", again, res.Header.Get("Location"), first.ID)
			}
		}
		if _, n, err := h.db.ListInstances(context.Background(), webrana.InstanceFilter{OwnerID: alice.ID}); err != nil || n != 1 {
			t.Fatalf("%d instances after one keyed order sent three times (%v), want 1", n, err)
		}
		if n := holds(t, h, alice.ID); n != 1 {
			t.Fatalf("%d holds after one keyed order sent three times, want 1", n)
		}
		if b, err := h.db.Balance(context.Background(), alice.ID, "USD"); err != nil || b.Amount != 1000-24 {
			t.Fatalf("balance %v (%v), want %d", b, err, 1000-24)
		}
		if entries, _, err := h.db.ListAudit(context.Background(), store.AuditFilter{Action: "vps.ordered"}); err != nil || len(entries) != 1 {
			t.Fatalf("%d vps.ordered audit entries (%v), want 1", len(entries), err)
		}

		// Another customer's key and another key are orders of their own.
		mustStatus(t, bc.WithHeader("Idempotency-Key", "order-77").Do("POST", "/api/vps", body("web-1")), 202, "bob's order, same key")
		mustStatus(t, ac.WithHeader("Idempotency-Key", "order-78").Do("POST", "/api/vps", body("web-2")), 202, "another key")
		res = ac.WithHeader("Idempotency-Key", strings.Repeat("k", 101)).Do("POST", "/api/vps", body("web-3"))
		if res.Status != 400 || res.ErrorField() != "Idempotency-Key" {
			t.Fatalf("a 101-character key: %d %s, want 400 on Idempotency-Key", res.Status, res.Body)
		}

		// Sent at the same time: one order, every answer its server.
		atOnce := ac.WithHeader("Idempotency-Key", "at-once")
		var wg sync.WaitGroup
		got := make([]instanceJSON, 6)
		statuses := make([]int, len(got))
		for i := range got {
			wg.Go(func() {
				res := atOnce.Do("POST", "/api/vps", body("web-4"))
				statuses[i] = res.Status
				if res.Status == 200 || res.Status == 202 {
					res.JSON(t, &got[i])
				}
			})
		}
		wg.Wait()
		accepted := 0
		for i, in := range got {
			if statuses[i] == 202 {
				accepted++
			}
			if in.ID == "" || in.ID != got[0].ID {
				t.Fatalf("orders sent at once with one key: answers %v, ids %q and %q", statuses, in.ID, got[0].ID)
			}
		}
		if accepted != 1 {
			t.Fatalf("orders sent at once with one key: answers %v, want one 202", statuses)
		}
		if n := holds(t, h, alice.ID); n != 3 {
			t.Fatalf("%d holds after the keys order-77, order-78 and at-once, want 3", n)
		}
	})
}
