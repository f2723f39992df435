package web_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web/webtest"
)

// rangeSentence is what every out-of-range price says: the range, in major
// units and in minor units.
const rangeSentence = "from 0.01 to 1000000000.00 (1 to 100000000000 in minor units"

// mustRefuse fails unless res is a 400 on the field whose message holds
// every snippet.
func mustRefuse(t *testing.T, res *webtest.Response, what, field string, snippets ...string) {
	t.Helper()
	if res.Status != 400 || res.ErrorField() != field {
		t.Fatalf("%s: %d %s, want 400 on %s", what, res.Status, res.Body, field)
	}
	for _, s := range snippets {
		if !strings.Contains(res.ErrorMessage(), s) {
			t.Fatalf("%s: message %q lacks %q", what, res.ErrorMessage(), s)
		}
	}
}

// TestPlanPricesAreBounded: the largest price is accepted, one minor unit
// more is refused on its field with the range, and so are the issue's
// MaxInt64 plan and numbers JSON holds but an amount cannot be.
func TestPlanPricesAreBounded(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")
	body := func(name string, monthly, hourly any) string {
		return fmt.Sprintf(`{"provider_type":"digitalocean","size_slug":"s-1vcpu-1gb","name":%q,"price_monthly":%v,"price_hourly":%v,"regions":["sgp1"]}`,
			name, monthly, hourly)
	}

	res := admin.Do("POST", "/api/admin/plans", body("Largest", webrana.MaxAmount, webrana.MaxAmount))
	mustStatus(t, res, 201, "the largest prices")
	var p webrana.Plan
	res.JSON(t, &p)
	if p.PriceMonthly != webrana.MaxAmount || p.PriceHourly != webrana.MaxAmount {
		t.Fatalf("stored %d/%d, want %d for both", p.PriceMonthly, p.PriceHourly, webrana.MaxAmount)
	}
	for _, tc := range storetest.PricesOutOfRange {
		res := admin.Do("POST", "/api/admin/plans", body(tc.Name, tc.Monthly, tc.Hourly))
		mustRefuse(t, res, tc.Name, tc.Field, tc.Field)
	}
	for _, tc := range []struct { // numbers JSON holds but an int64 cannot
		name, monthly, hourly, field string
	}{
		{"beyond int64", "9223372036854775808", "1", "price_monthly"},
		{"far below int64", "600", "-99999999999999999999999", "price_hourly"},
		{"a fraction", "12.5", "1", "price_monthly"},
		{"an exponent", "600", "1e3", "price_hourly"},
	} {
		res := admin.Do("POST", "/api/admin/plans", body(tc.name, tc.monthly, tc.hourly))
		mustRefuse(t, res, tc.name, tc.field, tc.field+" must be "+rangeSentence)
	}
	res = admin.Do("POST", "/api/admin/plans", body("above", webrana.MaxAmount+1, 1))
	mustRefuse(t, res, "one above", "price_monthly", "price_monthly must be "+rangeSentence)
	res = admin.Do("PATCH", "/api/admin/plans/"+p.ID, `{"price_hourly":9223372036854775807}`)
	mustRefuse(t, res, "patch to MaxInt64", "price_hourly", rangeSentence)
	res = admin.Do("PATCH", "/api/admin/plans/"+p.ID, fmt.Sprintf(`{"price_monthly":%d}`, webrana.MaxAmount+1))
	mustRefuse(t, res, "patch one above", "price_monthly", rangeSentence)
	if got, err := h.db.PlanByID(t.Context(), p.ID); err != nil || got.PriceMonthly != webrana.MaxAmount || got.PriceHourly != webrana.MaxAmount {
		t.Fatalf("after refused patches: %+v, %v", got, err)
	}
}

// TestLargestPriceWorksEndToEnd: a plan at the largest price is ordered (the
// hold is that price), completed (the first day charged) and metered into
// the next month, on both engines, every amount exact.
func TestLargestPriceWorksEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := t.Context()
		h.user("admin@example.com", webrana.RoleAdmin)
		h.user("c@example.com", webrana.RoleCustomer)
		admin, customer := h.login("admin@example.com"), h.login("c@example.com")
		res := admin.Do("POST", "/api/admin/plans", map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb",
			"name": "Largest", "price_monthly": webrana.MaxAmount, "price_hourly": webrana.MaxAmount, "regions": []string{"sgp1"}})
		mustStatus(t, res, 201, "largest plan")
		var p webrana.Plan
		res.JSON(t, &p)
		h.credit(t, customer, webrana.MaxAmount)

		res = customer.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": p.ID, "region": "sgp1",
			"image": "ubuntu-24-04-x64", "label": "big-1", "root_password": "Kx9!mQ2#vLp7"})
		mustStatus(t, res, 202, "order at the largest price")
		var in instanceJSON
		res.JSON(t, &in)
		if in.Progress == nil || in.Progress.Hold.Amount != webrana.MaxAmount {
			t.Fatalf("hold %+v, want the monthly price %d (a day at the hourly price is more)", in.Progress, webrana.MaxAmount)
		}
		if got := customerBalance(t, customer); got != 0 {
			t.Fatalf("balance %d after the hold, want 0", got)
		}
		o, err := h.db.OrderByInstance(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.db.CompleteOrder(ctx, o.ID, store.Completion{IPv4: "203.0.113.9", IPv6: "", Prepaid: provision.PrepaidSpan, Charge: o.HoldAmount}); err != nil {
			t.Fatal(err)
		}
		// May 1st 09:00: the first day is the month's whole cap, so May's
		// hours cost nothing; June's first hour costs the cap again.
		h.clock.Advance(time.Date(2031, 6, 1, 0, 30, 0, 0, time.UTC).Sub(h.clock.Now()))
		meter := billing.NewMeter(h.db, &billing.MeterConfig{Now: h.clock.Now})
		if _, charged, err := meter.Run(context.Background()); err != nil || charged != webrana.MaxAmount {
			t.Fatalf("metered %d, %v; want June's first hour at %d", charged, err, webrana.MaxAmount)
		}
		customer = h.login("c@example.com") // a month on: the session has expired
		if got := customerBalance(t, customer); got != -webrana.MaxAmount {
			t.Fatalf("balance %d, want %d: the first day and June's cap charged, the hold released", got, -webrana.MaxAmount)
		}
	})
}

func customerBalance(t *testing.T, c *webtest.Client) int64 {
	t.Helper()
	var bill struct{ Balance webrana.Money }
	c.Do("GET", "/api/billing", nil).JSON(t, &bill)
	return bill.Balance.Amount
}

// TestOrderRefusesAHoldThatIsNotPositive: plans stored before prices were
// bounded (the MaxInt64 plan, whose day wrapped to −24, and a free
// one) cannot be ordered: 400 on plan_id, nothing written, no job.
func TestOrderRefusesAHoldThatIsNotPositive(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("c@example.com", webrana.RoleCustomer)
		customer := h.login("c@example.com")
		h.credit(t, customer, 1000)
		for _, tc := range []struct {
			name            string
			hourly, monthly int64
		}{
			{"the issue's MaxInt64 plan", math.MaxInt64, math.MaxInt64},
			{"a day above MaxInt64", math.MaxInt64 / 2, math.MaxInt64},
			{"a free plan", 0, 0},
			{"a monthly price above the limit", 1, webrana.MaxAmount + 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				plan := h.plan(t, webrana.DigitalOcean)
				if _, err := h.db.SQL().ExecContext(t.Context(), rebind(h, `UPDATE plans SET price_hourly = ?, price_monthly = ? WHERE id = ?`),
					tc.hourly, tc.monthly, plan.ID); err != nil {
					t.Fatal(err)
				}
				before := moneyRows(t, h)
				res := customer.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": "sgp1",
					"image": "ubuntu-24-04-x64", "label": "web-1", "root_password": "Kx9!mQ2#vLp7"})
				mustRefuse(t, res, tc.name, "plan_id", "cannot be ordered")
				if after := moneyRows(t, h); after != before {
					t.Fatalf("rows %v after a refused order, were %v", after, before)
				}
				if got := customerBalance(t, customer); got != 1000 {
					t.Fatalf("balance %d, want 1000: nothing held", got)
				}
			})
		}
	})
}

// moneyRows counts what an order writes: instances, orders, ledger
// entries and River jobs.
func moneyRows(t *testing.T, h *harness) [4]int {
	t.Helper()
	var n [4]int
	for i, table := range []string{"instances", "orders", "ledger_entries", "river_job"} {
		if err := h.db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+table).Scan(&n[i]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// rebind writes ? placeholders as the engine wants them.
func rebind(h *harness, q string) string {
	if h.db.Engine() != store.Postgres {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}

// TestCreditsStopAtTheLargestBalance: a customer's balance at exactly the
// largest one a credit may bring reads back exact; one cent more is refused
// on amount with the range, and so are amounts JSON holds but money cannot.
func TestCreditsStopAtTheLargestBalance(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		ann := h.user("ann@example.com", webrana.RoleCustomer)
		admin, annC := h.login("admin@example.com"), h.login("ann@example.com")
		for range webrana.MaxBalance / webrana.MaxAmount {
			h.credit(t, annC, webrana.MaxAmount)
		}
		credit := func(amount any) *webtest.Response {
			return admin.Do("POST", "/api/admin/customers/"+ann.ID+"/credit", fmt.Sprintf(`{"amount":%v,"note":"top-up"}`, amount))
		}
		mustRefuse(t, credit(1), "a cent above the largest balance", "amount", webrana.FormatMajor(webrana.MaxBalance))
		if got := customerBalance(t, annC); got != webrana.MaxBalance {
			t.Fatalf("balance %d, want %d", got, webrana.MaxBalance)
		}
		for _, amount := range []string{"0", "10000001", "9223372036854775807", "9223372036854775808", "1e30", "12.5", "-9223372036854775808"} {
			mustRefuse(t, credit(amount), "credit "+amount, "amount", "from 0.01 to 100000.00 (1 to 10000000 in minor units")
		}
	})
}

// TestUIMoneyFormsGiveTheRange: the plan and credit forms take amounts in
// major units up to the limits; above them, however many digits are typed,
// the field says the range (the same sentence as the API's).
func TestUIMoneyFormsGiveTheRange(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	for _, tc := range []struct{ field, value string }{
		{"price_monthly", "1000000000.01"},
		{"price_monthly", "99999999999999999999999999.99"},
		{"price_hourly", "92233720368547758.08"},
	} {
		res := admin.PostForm("/admin/plans", opPlanForm(csrf, tc.field, tc.value))
		if res.Status != 400 {
			t.Fatalf("%s %s: %d, want 400", tc.field, tc.value, res.Status)
		}
		mustContain(t, res, tc.field+" "+tc.value, `id="`+tc.field+`-error"`, tc.field+" must be "+rangeSentence, `value="`+tc.value+`"`)
	}
	mustStatus(t, admin.PostForm("/admin/plans", opPlanForm(csrf, "price_monthly", "1000000000.00", "price_hourly", "1000000000.00")), 303, "the largest prices")
	if p := opStoredPlans(t, h); len(p) != 1 || p[0].PriceMonthly != webrana.MaxAmount || p[0].PriceHourly != webrana.MaxAmount {
		t.Fatalf("stored %+v, want one plan at the largest prices", p)
	}

	c := h.user("c@example.com", webrana.RoleCustomer)
	for _, amount := range []string{"100000.01", "99999999999999999999999"} {
		res := admin.PostForm("/admin/customers/"+c.ID+"/credit", url.Values{"csrf_token": {csrf}, "amount": {amount}, "note": {"Bank transfer"}})
		if res.Status != 400 {
			t.Fatalf("credit %s: %d, want 400", amount, res.Status)
		}
		mustContain(t, res, "credit "+amount, `id="amount-error-`+c.ID+`"`, "amount must be from 0.01 to 100000.00")
	}
	res := admin.PostForm("/admin/customers/"+c.ID+"/credit", url.Values{"csrf_token": {csrf}, "amount": {"100000.00"}, "note": {"Bank transfer"}})
	mustStatus(t, res, 303, "the largest credit")
	if b, err := h.db.Balance(t.Context(), c.ID, "USD"); err != nil || b.Amount != webrana.MaxCredit {
		t.Fatalf("balance %v, %v; want %d", b, err, webrana.MaxCredit)
	}
}

// TestUIOrderRefusesAPlanOutOfRange: the wizard refuses, at the plan step,
// a plan stored with prices out of range (the MaxInt64 plan), with
// the same sentence as the API.
func TestUIOrderRefusesAPlanOutOfRange(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, _, _ := orderCustomer(t, h, "a@example.com", 1000)
	plan := h.plan(t, webrana.DigitalOcean)
	if _, err := h.db.SQL().ExecContext(t.Context(), `UPDATE plans SET price_hourly = ?, price_monthly = ? WHERE id = ?`,
		int64(math.MaxInt64), int64(math.MaxInt64), plan.ID); err != nil {
		t.Fatal(err)
	}
	step2 := wizard(t, c, c.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	res := wizard(t, c, step2, "next", url.Values{"label": {"web-1"}, "plan_id": {plan.ID}})
	atStep(t, res, 400, 2, "plan out of range")
	mustContain(t, res, "plan out of range", `role="alert"`, `id="err-plan_id"`, "cannot be ordered until an operator corrects its prices")
}
