package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// BenchmarkListVPS measures GET /api/vps through the whole HTTP stack
// (authentication, the page with its total, provider, plan and account
// names) with 100,000 instances over 100 customers: a customer's first
// page (1,000 servers of theirs), the admin's first page, and the admin's
// page 1,000. It reports the median and 99th percentile. The admin's
// unfiltered pages answer PostgreSQL's estimate of the total (the seed is
// analysed), the customer's a count.
func BenchmarkListVPS(b *testing.B) {
	benchEngines(b, func(b *testing.B, bh *benchHarness) {
		cursor := benchCursor(b, bh.h, bh.admin, "/api/vps?per_page=50&page=999")
		bh.run(b, []benchCase{
			{"customer/page1", "/api/vps?per_page=50", false, false},
			{"admin/page1", "/api/vps?per_page=50", true, false},
			{"admin/page1000", "/api/vps?per_page=50&page=1000", true, false},
			{"admin/cursor-page1000", "/api/vps?per_page=50&cursor=" + cursor, true, false},
		})
	})
}

// BenchmarkPages measures the HTML pages over the same 100,000 instances:
// what a customer and an operator open most, and the server page's live
// poll (every 2 s while something moves). Rendering is on the server
// (templ), so this is the whole cost of a page but the browser's.
func BenchmarkPages(b *testing.B) {
	benchEngines(b, func(b *testing.B, bh *benchHarness) {
		ctx := context.Background()
		two, _, err := bh.h.db.ListInstances(ctx, webrana.InstanceFilter{OwnerID: bh.customerID, Page: webrana.Page{PerPage: 2}})
		if err != nil || len(two) != 2 {
			b.Fatalf("two servers of the customer: %v", err)
		}
		// The first is rebooting: its page polls the light fragment. The
		// second is settled: its fragment is the last poll's, with the
		// history, cost and action choices.
		busy := &webrana.InstanceAction{InstanceID: two[0].ID, UserID: bh.customerID, Type: webrana.ActionReboot}
		if err := bh.h.db.CreateAction(ctx, busy, "", func(*store.Tx, *webrana.InstanceAction) error { return nil }); err != nil {
			b.Fatal(err)
		}
		moving, settled := "/servers/"+two[0].ID, "/servers/"+two[1].ID
		bh.run(b, []benchCase{
			{"customer/dashboard", "/", false, false},
			{"customer/servers", "/servers", false, false},
			{"customer/server", settled, false, false},
			{"customer/server-live-poll", moving + "/live", false, true},
			{"customer/server-settling-poll", settled + "/live", false, true},
			{"admin/all-servers", "/admin/servers", true, false},
			{"admin/accounts", "/admin/accounts", true, false},
			{"admin/plans", "/admin/plans", true, false},
		})
	})
}

// benchHarness is a server with 100,000 instances over 100 customers,
// signed in as the admin and as customer c7 (1,000 servers of theirs).
type benchHarness struct {
	h               *harness
	admin, customer string // tokens
	customerID      string
}

// benchCase is one request measured: a path, as whom, and whether htmx asks.
type benchCase struct {
	name, path  string
	admin, htmx bool
}

// benchOn runs fn on a fresh harness over SQLite and over PostgreSQL.
func benchOn(b *testing.B, fn func(b *testing.B, h *harness)) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(e.name, func(b *testing.B) { fn(b, newHarness(b, e.open(b), auth.ThrottlePolicy{})) })
	}
}

// benchEngines runs fn on a seeded harness over SQLite and PostgreSQL.
func benchEngines(b *testing.B, fn func(b *testing.B, bh *benchHarness)) {
	const total, owners = 100_000, 100
	benchOn(b, func(b *testing.B, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		users := make([]*webrana.User, owners)
		for i := range users {
			users[i] = h.user(fmt.Sprintf("c%d@example.com", i), webrana.RoleCustomer)
		}
		plan := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: "Basic", PriceMonthly: 600,
			PriceHourly: 1, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
		if err := h.db.CreatePlan(context.Background(), plan); err != nil {
			b.Fatal(err)
		}
		storetest.SeedInstances(b, h.db, users, plan, total)
		fn(b, &benchHarness{h: h, admin: benchToken(b, h, "admin@example.com"), customer: benchToken(b, h, "c7@example.com"),
			customerID: users[7].ID})
	})
}

// run measures each case and reports its median and 99th percentile.
func (bh *benchHarness) run(b *testing.B, cases []benchCase) {
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			token := bh.customer
			if c.admin {
				token = bh.admin
			}
			req, err := http.NewRequest("GET", bh.h.url+c.path, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if c.htmx {
				req.Header.Set("HX-Request", "true")
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				took = append(took, time.Since(start))
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d", c.path, res.StatusCode)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// benchToken signs in over plain HTTP: the benchmark measures the server,
// not the test client's validation of every answer.
func benchToken(b *testing.B, h *harness, email string) string {
	body, _ := json.Marshal(map[string]string{"email": email, "password": testPassword})
	res, err := http.Post(h.url+"/api/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		b.Fatalf("login %s: %d %v", email, res.StatusCode, err)
	}
	return out.Token
}

// benchCursor returns the next_cursor of a page.
func benchCursor(b *testing.B, h *harness, token, path string) string {
	req, _ := http.NewRequest("GET", h.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.NextCursor == "" {
		b.Fatalf("%s: no next_cursor (%v)", path, err)
	}
	return out.NextCursor
}

// BenchmarkListViews measures the list views whose names and balances
// used to cost a query per row or whole tables per request: the servers
// API's page beside 1,000 plans and 1,000 accounts (their names were read
// by loading both tables whole on every request), and the operator's
// customers page of 200 customers with 20 ledger entries each (a balance
// query per customer). Both are now one query with joins for the page,
// and the time no longer grows with the tables beside it.
func BenchmarkListViews(b *testing.B) {
	benchOn(b, func(b *testing.B, h *harness) {
		seedListViews(b, h)
		bh := &benchHarness{h: h, admin: benchToken(b, h, "admin@example.com"), customer: benchToken(b, h, "c7@example.com")}
		bh.run(b, []benchCase{
			{"admin/api-vps-page", "/api/vps?per_page=50", true, false},
			{"admin/customers-page", "/admin/customers?per_page=200", true, false},
		})
	})
}

// seedListViews makes 200 customers with 20 ledger entries each, 1,000
// plans, 1,000 accounts, and 5,000 servers over the accounts.
func seedListViews(b *testing.B, h *harness) {
	ctx := context.Background()
	h.user("admin@example.com", webrana.RoleAdmin)
	users := make([]*webrana.User, 200)
	for i := range users {
		users[i] = h.user(fmt.Sprintf("c%d@example.com", i), webrana.RoleCustomer)
		for j := range 20 {
			if _, err := h.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: users[i].ID, Kind: webrana.LedgerCredit,
				Amount: int64(100 + j), Currency: "USD"}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var plan *webrana.Plan
	for i := range 1000 {
		plan = &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: fmt.Sprintf("Plan %d", i),
			PriceMonthly: 600, PriceHourly: 1, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
		if err := h.db.CreatePlan(ctx, plan); err != nil {
			b.Fatal(err)
		}
	}
	accounts := make([]*webrana.Account, 1000)
	for i := range accounts {
		accounts[i] = &webrana.Account{ProviderType: webrana.DigitalOcean, Name: fmt.Sprintf("Account %d", i),
			TokenCiphertext: "x", IsActive: true, Limit: 25}
		if err := h.db.CreateAccount(ctx, accounts[i]); err != nil {
			b.Fatal(err)
		}
	}
	err := h.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 5000 {
			in := &webrana.Instance{OwnerID: users[i%len(users)].ID, ProviderType: webrana.DigitalOcean, PlanID: plan.ID,
				AccountID: accounts[i%len(accounts)].ID, ProviderID: fmt.Sprint(i), Label: fmt.Sprintf("web-%d", i),
				Region: "sgp1", Image: "ubuntu-24-04-x64", Status: webrana.StatusActive}
			if err := tx.CreateInstance(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
