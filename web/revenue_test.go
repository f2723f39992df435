package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// revenueWorld is a month on the harness: two plans made through the API
// (one below DigitalOcean's 6.00 for its size, warned about), two
// customers' servers on two providers' accounts, their ledger; then ten
// hours pass.
type revenueWorld struct {
	cheap, nano string // plan ids
	ledger      int64  // the month's server charges less refunds
}

func newRevenueWorld(t *testing.T, h *harness) *revenueWorld {
	t.Helper()
	ctx := context.Background()
	admin := h.login("admin@example.com")
	w := &revenueWorld{}
	plan := func(body map[string]any, warned bool) string {
		t.Helper()
		res := admin.Do("POST", "/api/admin/plans", body)
		mustStatus(t, res, 201, "create plan")
		var p struct {
			ID       string
			Warnings []string
		}
		res.JSON(t, &p)
		if got := len(p.Warnings) == 1 && strings.Contains(p.Warnings[0], "below its provider's price"); got != warned {
			t.Fatalf("plan %v warnings %q, want one: %v", body["name"], p.Warnings, warned)
		}
		return p.ID
	}
	w.cheap = plan(map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb", "name": "Cheap",
		"price_monthly": 500, "price_hourly": 1, "regions": []string{"sgp1"}}, true)
	w.nano = plan(map[string]any{"provider_type": "linode", "size_slug": "g6-nanode-1", "name": "Nano",
		"price_monthly": 700, "price_hourly": 2, "regions": []string{"us-east"}}, false)

	// A price raised to the provider's clears the warning.
	res := admin.Do("PATCH", "/api/admin/plans/"+w.cheap, map[string]any{"price_monthly": 600})
	mustStatus(t, res, 200, "raise the price")
	if !strings.Contains(string(res.Body), `"warnings":[]`) {
		t.Fatalf("a plan at the provider's price is warned: %s", res.Body)
	}
	mustStatus(t, admin.Do("PATCH", "/api/admin/plans/"+w.cheap, map[string]any{"price_monthly": 500}), 200, "lower it again")

	ann, bob := h.user("ann@example.com", webrana.RoleCustomer), h.user("bob@example.com", webrana.RoleCustomer)
	account := func(p webrana.ProviderType, name string) string {
		a := &webrana.Account{ProviderType: p, Name: name, TokenCiphertext: "ct", IsActive: true, Limit: 25}
		if err := h.db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	now := h.clock.Now()
	gone := now.Add(3*time.Hour + 30*time.Minute)
	server := func(owner *webrana.User, p webrana.ProviderType, plan, acct string, deleted *time.Time) string {
		in := &webrana.Instance{OwnerID: owner.ID, ProviderType: p, AccountID: acct, PlanID: plan, Label: "web",
			Region: "sgp1", Image: "ubuntu", Status: webrana.StatusActive, ActiveAt: &now, DeletedAt: deleted}
		if err := h.db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) }); err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	s1 := server(ann, webrana.DigitalOcean, w.cheap, account(webrana.DigitalOcean, "do-main"), nil)
	s2 := server(bob, webrana.Linode, w.nano, account(webrana.Linode, "li-main"), &gone)
	for _, e := range []*webrana.LedgerEntry{
		{UserID: ann.ID, Kind: webrana.LedgerCredit, Amount: 1000},
		{UserID: bob.ID, Kind: webrana.LedgerCredit, Amount: 1000},
		{UserID: ann.ID, Kind: webrana.LedgerHold, Amount: -24, InstanceID: s1},
		{UserID: ann.ID, Kind: webrana.LedgerRelease, Amount: 24, InstanceID: s1},
		{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -24, InstanceID: s1},
		{UserID: ann.ID, Kind: webrana.LedgerRefund, Amount: 20, InstanceID: s1},
		{UserID: bob.ID, Kind: webrana.LedgerCharge, Amount: -48, InstanceID: s2},
	} {
		e.Currency = "USD"
		if _, err := h.db.AppendLedger(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.InstanceID != "" && (e.Kind == webrana.LedgerCharge || e.Kind == webrana.LedgerRefund) {
			w.ledger -= e.Amount
		}
	}
	h.clock.Advance(10 * time.Hour)
	return w
}

type revenueFigures struct {
	Revenue     int64
	Cost        *int64
	Margin      *int64
	UnknownCost int `json:"unknown_cost_servers"`
	Servers     int
	Hours       int64
}

func (f revenueFigures) String() string {
	show := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return fmt.Sprintf("revenue %d cost %v margin %v unknown %d servers %d hours %d", f.Revenue, show(f.Cost), show(f.Margin), f.UnknownCost, f.Servers, f.Hours)
}

// TestRevenueAPI: the month's report answers the ledger's revenue, the
// simulator catalog's costs (DigitalOcean's 0.00893 an hour for 10 hours:
// 9 cents; Linode's 0.0075 for 4 started hours: 3 cents), the margins and
// the below-cost flag, as openapi.yaml describes; administrators only; a
// month written wrong or not begun is the month field's 400.
func TestRevenueAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		w := newRevenueWorld(t, h)
		admin := h.login("admin@example.com")

		res := admin.Do("GET", "/api/admin/revenue", nil) // the current month: May 2031
		mustStatus(t, res, 200, "revenue")
		var r struct {
			Month, Currency string
			Totals          revenueFigures
			Plans           []struct {
				revenueFigures
				ID        string
				BelowCost bool `json:"below_cost"`
			}
			Providers []struct {
				revenueFigures
				ProviderType string `json:"provider_type"`
			}
			Accounts []struct {
				revenueFigures
				Name string
			}
			Customers []struct {
				revenueFigures
				Email string
			}
		}
		res.JSON(t, &r)
		if r.Month != "2031-05" || r.Currency != "USD" {
			t.Fatalf("month %q currency %q", r.Month, r.Currency)
		}
		if r.Totals.Revenue != w.ledger || w.ledger != 4+48 {
			t.Errorf("revenue %d, the ledger's %d", r.Totals.Revenue, w.ledger)
		}
		want := func(what string, got revenueFigures, revenue, cost int64, servers int, hours int64) {
			t.Helper()
			if got.Revenue != revenue || got.Cost == nil || *got.Cost != cost || got.Margin == nil || *got.Margin != revenue-cost ||
				got.Servers != servers || got.Hours != hours || got.UnknownCost != 0 {
				t.Errorf("%s: %s; want revenue %d cost %d servers %d hours %d", what, got, revenue, cost, servers, hours)
			}
		}
		want("totals", r.Totals, 52, 12, 2, 14)
		if len(r.Plans) != 2 || len(r.Providers) != 2 || len(r.Accounts) != 2 {
			t.Fatalf("%d plans, %d providers, %d accounts", len(r.Plans), len(r.Providers), len(r.Accounts))
		}
		want("plan Cheap", r.Plans[0].revenueFigures, 4, 9, 1, 10)
		want("plan Nano", r.Plans[1].revenueFigures, 48, 3, 1, 4)
		if r.Plans[0].ID != w.cheap || !r.Plans[0].BelowCost || r.Plans[1].BelowCost {
			t.Errorf("below-cost flags: %+v", r.Plans)
		}
		want("provider digitalocean", r.Providers[0].revenueFigures, 4, 9, 1, 10)
		want("account li-main", r.Accounts[1].revenueFigures, 48, 3, 1, 4)
		if len(r.Customers) != 2 || r.Customers[0].Email != "ann@example.com" {
			t.Fatalf("customers %+v", r.Customers)
		}
		want("customer ann", r.Customers[0].revenueFigures, 4, 9, 1, 10)

		res = admin.Do("GET", "/api/admin/revenue?month=2031-04", nil)
		mustStatus(t, res, 200, "an empty month")
		if !strings.Contains(string(res.Body), `"plans":[]`) || !strings.Contains(string(res.Body), `"revenue":0`) {
			t.Errorf("April: %s", res.Body)
		}
		for _, bad := range []string{"2031-06", "2031-5", "May", "2031-13"} {
			res := admin.Do("GET", "/api/admin/revenue?month="+bad, nil)
			if res.Status != 400 || res.ErrorField() != "month" {
				t.Errorf("month %q: %d %s; want 400 on month", bad, res.Status, res.Body)
			}
		}

		// The operators' plan list flags the plan below cost; customers'
		// list says nothing of it.
		res = admin.Do("GET", "/api/admin/plans", nil)
		mustStatus(t, res, 200, "plans")
		var list struct {
			Items []struct {
				ID       string
				Warnings []string
			}
		}
		res.JSON(t, &list)
		for _, p := range list.Items {
			if (len(p.Warnings) == 1) != (p.ID == w.cheap) {
				t.Errorf("plan %s warnings %q", p.ID, p.Warnings)
			}
		}
		h.user("c@example.com", webrana.RoleCustomer)
		customer := h.login("c@example.com")
		res = customer.Do("GET", "/api/plans", nil)
		mustStatus(t, res, 200, "customer's plans")
		if strings.Contains(string(res.Body), "warnings") {
			t.Errorf("a customer is told of warnings: %s", res.Body)
		}
		mustStatus(t, customer.Do("GET", "/api/admin/revenue", nil), 403, "a customer")
		mustStatus(t, h.client().Do("GET", "/api/admin/revenue", nil), 401, "anonymous")
	})
}

// TestUIRevenue: the Revenue page shows the month's three tables with the
// negative margin highlighted and the below-cost plan flagged; the plans
// page flags it too; a plan saved below cost says so; a bad month is
// shown with its reason; customers are refused.
func TestUIRevenue(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	w := newRevenueWorld(t, h)

	res := admin.Do("GET", "/admin/revenue", nil)
	mustStatus(t, res, 200, "revenue page")
	mustContain(t, res, "revenue page", `href="/admin/revenue"`, `id="revenue-month"`, `value="2031-05"`, `max="2031-05"`,
		`id="revenue-providers"`, `id="revenue-accounts"`, "li-main")
	opInRegion(t, res, "revenue-customers", "customers", "ann@example.com", "bob@example.com", `class="margin negative">-0.05 USD`)
	opInRegion(t, res, "revenue-totals", "totals", "0.52 USD", "0.12 USD", "0.40 USD")
	cheap := elementByID(t, res, "revenue-plans")
	for _, s := range []string{`data-plan-id="` + w.cheap + `" class="below-cost"`, ">below cost</span>", `class="margin negative">-0.05 USD`, "6.00 USD/mo"} {
		if !strings.Contains(cheap, s) {
			t.Errorf("plans table lacks %q:\n%s", s, cheap)
		}
	}
	if strings.Count(cheap, "below cost</span>") != 1 || strings.Count(cheap, "margin negative") != 1 {
		t.Errorf("only Cheap is below cost and in loss:\n%s", cheap)
	}

	res = admin.Do("GET", "/admin/revenue?month=2031-07", nil)
	mustStatus(t, res, 400, "a month not begun")
	mustContain(t, res, "a month not begun", `id="list-error"`, "has not begun", `value="2031-05"`)

	res = admin.Do("GET", "/admin/plans", nil)
	mustStatus(t, res, 200, "plans page")
	if plans := elementByID(t, res, "plans"); strings.Count(plans, "below-cost") != 1 || !strings.Contains(plans, "below its provider&#39;s price") {
		t.Errorf("plans page flags:\n%s", plans)
	}

	mustContain(t, admin.Do("GET", "/admin/plans/"+w.cheap+"/edit", nil), "the plan's form", `class="banner bad plan-warning"`, "sells below its provider&#39;s price")
	if strings.Contains(string(admin.Do("GET", "/admin/plans/"+w.nano+"/edit", nil).Body), "plan-warning") {
		t.Error("a plan above cost is warned about on its form")
	}

	res = admin.PostForm("/admin/plans", opPlanForm(csrf, "name", "Bargain", "price_monthly", "5.99", "price_hourly", "0.01"))
	mustStatus(t, res, 303, "save a plan below cost")
	mustContain(t, admin.Do("GET", "/admin/plans", nil), "flash", "Plan &#34;Bargain&#34; saved. Warning: Plan &#34;Bargain&#34; sells below")

	h.user("c@example.com", webrana.RoleCustomer)
	res = signIn(t, h, "c@example.com").Do("GET", "/admin/revenue", nil)
	mustStatus(t, res, 403, "a customer")
	if strings.Contains(string(res.Body), "revenue-plans") {
		t.Error("a customer sees the report")
	}
}
