package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web/webtest"
)

var planSeq atomic.Int32

// plan creates an active plan of the provider's smallest simulated size.
func (h *harness) plan(t *testing.T, p webrana.ProviderType) *webrana.Plan {
	t.Helper()
	size, regions := "s-1vcpu-1gb", []string{"sgp1", "nyc3"}
	if p == webrana.Linode {
		size, regions = "g6-nanode-1", []string{"us-east"}
	}
	plan := &webrana.Plan{ProviderType: p, SizeSlug: size, Name: fmt.Sprintf("Small %s %d", p, planSeq.Add(1)), PriceMonthly: 600, PriceHourly: 1,
		Currency: "USD", Regions: regions, IsActive: true}
	if err := h.db.CreatePlan(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	return plan
}

// credit gives the client's user money.
func (h *harness) credit(t *testing.T, c *webtest.Client, amount int64) {
	t.Helper()
	var me struct{ ID string }
	c.Do("GET", "/api/me", nil).JSON(t, &me)
	if _, err := h.db.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: me.ID, Kind: webrana.LedgerCredit,
		Amount: amount, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
}

type instanceJSON struct {
	ID           string
	Status       string
	Label        string
	ProviderName string `json:"provider_name"`
	PlanName     string `json:"plan_name"`
	AccountID    string `json:"account_id"`
	Progress     *struct {
		Status, Step string
		Hold         webrana.Money
	}
}

// order places a DigitalOcean order as the client, with money to pay for it.
func (h *harness) order(t *testing.T, c *webtest.Client) instanceJSON {
	t.Helper()
	plan := h.plan(t, webrana.DigitalOcean)
	h.credit(t, c, 1000)
	res := c.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": "sgp1",
		"image": "ubuntu-24-04-x64", "label": "web-1", "root_password": "Kx9!mQ2#vLp7"})
	mustStatus(t, res, 202, "order")
	var in instanceJSON
	res.JSON(t, &in)
	return in
}

// TestOrderIsAcceptedWithItsHold: an order answers 202 with the instance
// provisioning, its progress queued, and the first day held.
func TestOrderIsAcceptedWithItsHold(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("a@example.com", webrana.RoleCustomer)
		alice := h.login("a@example.com")
		in := h.order(t, alice)
		if in.Status != "provisioning" || in.Progress == nil || in.Progress.Step != "queued" || in.Progress.Hold.Amount != 24 {
			t.Fatalf("accepted order: %+v", in)
		}
		if in.ProviderName != "Digitalocean" || !strings.HasPrefix(in.PlanName, "Small digitalocean") || in.AccountID != "" {
			t.Fatalf("instance names: %+v", in)
		}
		var bill struct{ Balance webrana.Money }
		alice.Do("GET", "/api/billing", nil).JSON(t, &bill)
		if bill.Balance.Amount != 1000-24 {
			t.Fatalf("balance %d after the order, want %d", bill.Balance.Amount, 1000-24)
		}
		var list struct {
			Total int
			Items []instanceJSON
		}
		alice.Do("GET", "/api/vps?provider=digitalocean&status=provisioning", nil).JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != in.ID {
			t.Fatalf("list: %+v", list)
		}
		alice.Do("GET", "/api/vps?provider=linode", nil).JSON(t, &list)
		if list.Total != 0 {
			t.Fatalf("linode filter: %+v", list)
		}
	})
}

// TestOrderValidation: every bad order is refused with a 4xx naming the
// field, and nothing is written or held.
func TestOrderValidation(t *testing.T) {
	h := sqliteHarness(t)
	h.user("a@example.com", webrana.RoleCustomer)
	h.user("b@example.com", webrana.RoleCustomer)
	alice, bob := h.login("a@example.com"), h.login("b@example.com")
	do, lin := h.plan(t, webrana.DigitalOcean), h.plan(t, webrana.Linode)
	h.credit(t, alice, 1000)
	res := bob.Do("POST", "/api/ssh-keys", map[string]string{"name": "bob", "public_key": testKey(t, 90)})
	mustStatus(t, res, 201, "bob's key")
	var bobsKey struct{ ID string }
	res.JSON(t, &bobsKey)

	good := func(edit func(map[string]any)) map[string]any {
		o := map[string]any{"provider_type": "digitalocean", "plan_id": do.ID, "region": "sgp1", "image": "ubuntu-24-04-x64",
			"label": "web-1", "root_password": "Kx9!mQ2#vLp7"}
		edit(o)
		return o
	}
	linode := func(edit func(map[string]any)) map[string]any {
		o := map[string]any{"provider_type": "linode", "plan_id": lin.ID, "region": "us-east", "image": "linode/ubuntu24.04",
			"label": "lin-1", "root_password": "Kx9!mQ2#vLp7"}
		edit(o)
		return o
	}
	cases := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"no provider", good(func(o map[string]any) { delete(o, "provider_type") }), 400, "provider_type"},
		{"unknown provider id", good(func(o map[string]any) { delete(o, "provider_type"); o["provider_id"] = "nope" }), 400, "provider_id"},
		{"plan of another provider", good(func(o map[string]any) { o["plan_id"] = lin.ID }), 400, "plan_id"},
		{"unknown plan", good(func(o map[string]any) { o["plan_id"] = "nope" }), 400, "plan_id"},
		{"region outside the plan", good(func(o map[string]any) { o["region"] = "fra1" }), 400, "region"},
		{"unknown image", good(func(o map[string]any) { o["image"] = "windows-95" }), 400, "image"},
		{"unknown app", good(func(o map[string]any) { delete(o, "image"); o["app"] = "nope" }), 400, "app"},
		{"stackscript on digitalocean", good(func(o map[string]any) { o["stackscript_id"] = 10079 }), 400, "stackscript_id"},
		{"bad label", good(func(o map[string]any) { o["label"] = "-no" }), 400, "label"},
		{"label with spaces", good(func(o map[string]any) { o["label"] = "my server" }), 400, "label"},
		{"weak password", good(func(o map[string]any) { o["root_password"] = "alllowercase1" }), 400, "root_password"},
		{"short password", good(func(o map[string]any) { o["root_password"] = "Ab1!" }), 400, "root_password"},
		{"no way in", good(func(o map[string]any) { delete(o, "root_password") }), 400, "root_password"},
		{"someone else's key", good(func(o map[string]any) { o["ssh_key_ids"] = []string{bobsKey.ID} }), 400, "ssh_key_ids"},
		{"bad vpc", good(func(o map[string]any) { o["vpc_uuid"] = "vpc-1" }), 400, "vpc_uuid"},
		{"linode without password", linode(func(o map[string]any) { delete(o, "root_password") }), 400, "root_password"},
		{"linode monitoring", linode(func(o map[string]any) { o["monitoring"] = true }), 400, "monitoring"},
		{"unknown stackscript", linode(func(o map[string]any) { o["stackscript_id"] = 999999 }), 400, "stackscript_id"},
		{"stackscript field unknown", linode(func(o map[string]any) {
			o["stackscript_id"] = 10079
			o["stackscript_data"] = map[string]string{"nope": "x"}
		}), 400, "stackscript_data"},
		{"stackscript on an image it does not run on", linode(func(o map[string]any) {
			o["stackscript_id"] = 401697
			o["image"] = "linode/debian12"
		}), 400, "image"},
		{"unknown field", good(func(o map[string]any) { o["colour"] = "blue" }), 400, "colour"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := alice.Do("POST", "/api/vps", c.body)
			if res.Status != c.status || res.ErrorField() != c.field {
				t.Fatalf("status %d field %q (%s), want %d on %q", res.Status, res.ErrorField(), res.Body, c.status, c.field)
			}
		})
	}
	var list struct{ Total int }
	alice.Do("GET", "/api/vps", nil).JSON(t, &list)
	if list.Total != 0 {
		t.Fatalf("%d instances after refused orders, want 0", list.Total)
	}
	// A balance short of the first day is 402, and nothing is held.
	res = bob.Do("POST", "/api/vps", good(func(o map[string]any) {}))
	if res.Status != 402 || res.ErrorCode() != "payment_required" || !strings.Contains(res.ErrorMessage(), "0.24 USD") {
		t.Fatalf("order without balance: %d %s, want 402 naming the 0.24 USD needed", res.Status, res.Body)
	}
}

// TestListVPSByCursor: next_cursor walks the whole list, each server once,
// in the order pages give; a made-up cursor is refused.
func TestListVPSByCursor(t *testing.T) {
	h := sqliteHarness(t)
	h.user("a@example.com", webrana.RoleCustomer)
	alice := h.login("a@example.com")
	want := map[string]bool{}
	for range 7 {
		want[h.order(t, alice).ID] = true
	}
	type page struct {
		Total      int
		Items      []struct{ ID string }
		NextCursor string `json:"next_cursor"`
	}
	var walked []string
	path := "/api/vps?per_page=3"
	for range 10 {
		var p page
		alice.Do("GET", path, nil).JSON(t, &p)
		if p.Total != 7 {
			t.Fatalf("total %d, want 7", p.Total)
		}
		for _, it := range p.Items {
			walked = append(walked, it.ID)
		}
		if p.NextCursor == "" {
			break
		}
		path = "/api/vps?per_page=3&cursor=" + p.NextCursor
	}
	if len(walked) != 7 {
		t.Fatalf("walked %d servers, want 7: %v", len(walked), walked)
	}
	for _, id := range walked {
		if !want[id] {
			t.Fatalf("walked %s twice or from elsewhere", id)
		}
		delete(want, id)
	}
	if res := alice.Do("GET", "/api/vps?cursor=bm90LWEtY3Vyc29y", nil); res.Status != 400 || res.ErrorField() != "cursor" {
		t.Fatalf("made-up cursor: %d %s", res.Status, res.Body)
	}
}
