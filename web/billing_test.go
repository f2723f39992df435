package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
)

func TestCreditsAndBilling(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		ann := h.user("ann@example.com", webrana.RoleCustomer)
		h.user("bob@example.com", webrana.RoleCustomer)
		admin, annC, bobC := h.login("admin@example.com"), h.login("ann@example.com"), h.login("bob@example.com")

		res := admin.Do("POST", "/api/admin/customers/"+ann.ID+"/credit", map[string]any{"amount": 2500, "note": "welcome credit"})
		mustStatus(t, res, 201, "credit")
		h.clock.Advance(time.Minute)
		// The same Idempotency-Key twice credits once.
		keyed := admin.WithHeader("Idempotency-Key", "bank-transfer-77")
		mustStatus(t, keyed.Do("POST", "/api/admin/customers/"+ann.ID+"/credit", map[string]any{"amount": 1000, "note": "transfer"}), 201, "keyed credit")
		res = keyed.Do("POST", "/api/admin/customers/"+ann.ID+"/credit", map[string]any{"amount": 1000, "note": "transfer"})
		mustStatus(t, res, 200, "retried keyed credit")
		if !strings.Contains(string(res.Body), `"credited":false`) {
			t.Fatalf("retried credit: %s", res.Body)
		}
		for _, bad := range []struct {
			id    string
			body  map[string]any
			code  int
			field string
		}{
			{ann.ID, map[string]any{"amount": 0, "note": "x"}, 400, "amount"},
			{ann.ID, map[string]any{"amount": -5, "note": "x"}, 400, "amount"},
			{ann.ID, map[string]any{"amount": 100_000_001, "note": "x"}, 400, "amount"},
			{ann.ID, map[string]any{"amount": 5}, 400, "note"},
			{"no-such-user", map[string]any{"amount": 5, "note": "x"}, 404, ""},
		} {
			res := admin.Do("POST", "/api/admin/customers/"+bad.id+"/credit", bad.body)
			if res.Status != bad.code || (bad.field != "" && !strings.Contains(string(res.Body), `"field":"`+bad.field+`"`)) {
				t.Errorf("credit %v: %d %s", bad.body, res.Status, res.Body)
			}
		}
		if res := annC.Do("POST", "/api/admin/customers/"+ann.ID+"/credit", map[string]any{"amount": 5, "note": "self"}); res.Status != 403 {
			t.Fatalf("a customer crediting themselves: %d", res.Status)
		}

		var bill struct {
			Balance struct {
				Amount   int64
				Currency string
			}
			Items []struct {
				Kind   string
				Amount int64
				Note   string
			}
			Total int
		}
		annC.Do("GET", "/api/billing", nil).JSON(t, &bill)
		if bill.Balance.Amount != 3500 || bill.Balance.Currency != "USD" || bill.Total != 2 || bill.Items[0].Note != "transfer" {
			t.Fatalf("ann's billing %+v", bill)
		}
		bill.Items, bill.Total = nil, 0
		bobC.Do("GET", "/api/billing", nil).JSON(t, &bill)
		if bill.Balance.Amount != 0 || bill.Total != 0 {
			t.Fatalf("bob sees %+v; a customer sees only their own ledger", bill)
		}
	})
}
