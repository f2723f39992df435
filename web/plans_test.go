package web_test

import (
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

type planItem struct {
	ID, Name, Currency string
	SizeSlug           string `json:"size_slug"`
	VCPUs              int
	MemoryMB           int   `json:"memory_mb"`
	PriceMonthly       int64 `json:"price_monthly"`
	IsActive           bool  `json:"is_active"`
	Regions            []string
}

func TestPlans(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	h.user("c@example.com", webrana.RoleCustomer)
	admin, customer := h.login("admin@example.com"), h.login("c@example.com")

	good := map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb", "name": "Starter",
		"price_monthly": 700, "price_hourly": 1, "currency": "usd", "regions": []string{"sgp1", "nyc3"}}
	res := admin.Do("POST", "/api/admin/plans", good)
	mustStatus(t, res, 201, "create plan")
	var p planItem
	res.JSON(t, &p)
	if p.VCPUs != 1 || p.MemoryMB != 1024 || p.Currency != "USD" || !p.IsActive || p.PriceMonthly != 700 {
		t.Fatalf("created %+v; want resources from the catalog and USD", p)
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m["name"] = "Other"
		m[k] = v
		return m
	}
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{with("size_slug", "s-64vcpu-1tb"), "size_slug"},
		{with("regions", []string{"sgp1", "atlantis1"}), "regions"},
		{with("regions", []string{}), "regions"},
		{with("price_monthly", 0), "price_monthly"},
		{with("price_hourly", 900), "price_hourly"},
		{with("currency", "US"), "currency"},
		{with("provider_type", "aws"), "provider_type"},
		{with("name", ""), "name"},
	} {
		res := admin.Do("POST", "/api/admin/plans", bad.body)
		if res.Status != 400 || !strings.Contains(string(res.Body), `"field":"`+bad.field+`"`) {
			t.Errorf("plan %v: %d %s; want 400 on %s", bad.body, res.Status, res.Body, bad.field)
		}
	}
	if res := admin.Do("POST", "/api/admin/plans", good); res.Status != 409 {
		t.Fatalf("duplicate plan name: %d", res.Status)
	}

	var offered struct{ Items []planItem }
	customer.Do("GET", "/api/plans?provider=digitalocean", nil).JSON(t, &offered)
	if len(offered.Items) != 1 || offered.Items[0].ID != p.ID {
		t.Fatalf("customer plans %+v", offered.Items)
	}
	if res := customer.Do("GET", "/api/admin/plans", nil); res.Status != 403 {
		t.Fatalf("customer on admin plans: %d", res.Status)
	}
	res = admin.Do("PATCH", "/api/admin/plans/"+p.ID, map[string]any{"is_active": false, "price_monthly": 800})
	mustStatus(t, res, 200, "deactivate")
	customer.Do("GET", "/api/plans", nil).JSON(t, &offered)
	if len(offered.Items) != 0 {
		t.Fatalf("an inactive plan is offered: %+v", offered.Items)
	}
	var all struct{ Items []planItem }
	admin.Do("GET", "/api/admin/plans?provider=digitalocean", nil).JSON(t, &all)
	if len(all.Items) != 1 || all.Items[0].PriceMonthly != 800 || all.Items[0].IsActive {
		t.Fatalf("admin plans %+v", all.Items)
	}
	if res := admin.Do("PATCH", "/api/admin/plans/"+p.ID, map[string]any{"provider_type": "linode"}); res.Status != 400 {
		t.Fatalf("moving a plan to another provider: %d", res.Status)
	}
	if res := admin.Do("PATCH", "/api/admin/plans/"+p.ID, map[string]any{"regions": []string{"atlantis1"}}); res.Status != 400 {
		t.Fatalf("patching in a region the size lacks: %d", res.Status)
	}
	mustStatus(t, admin.Do("DELETE", "/api/admin/plans/"+p.ID, nil), 204, "delete plan")
	mustStatus(t, admin.Do("GET", "/api/admin/plans/"+p.ID, nil), 404, "deleted plan")
	var audit struct{ Items []struct{ Action string } }
	admin.Do("GET", "/api/admin/audit?target_type=plan", nil).JSON(t, &audit)
	if len(audit.Items) != 3 {
		t.Fatalf("plan audit entries %+v; want created, updated, deleted", audit.Items)
	}
}
