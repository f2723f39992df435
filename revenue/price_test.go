package revenue

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/store"
)

func TestPriceOf(t *testing.T) {
	for _, tc := range []struct {
		name            string
		monthly, hourly float64
		want            SizePrice
		ok              bool
	}{
		{"DigitalOcean's five decimals", 6, 0.00893, SizePrice{Hourly: 8930, Monthly: 600}, true},
		{"Linode's three", 5, 0.0075, SizePrice{Hourly: 7500, Monthly: 500}, true},
		{"an hourly price below half a millionth is none", 12.345, 0.0000004, SizePrice{}, false}, // an hourly price below a millionth is none
		{"monthly rounded half away from zero", 0.125, 0.001, SizePrice{Hourly: 1000, Monthly: 13}, true},
		{"float noise", 0.1 + 0.2, 0.1 + 0.2, SizePrice{Hourly: 300000, Monthly: 30}, true},
		{"missing monthly", 0, 0.01, SizePrice{}, false},
		{"missing hourly", 5, 0, SizePrice{}, false},
		{"negative", -5, 0.01, SizePrice{}, false},
		{"not a number", math.NaN(), 0.01, SizePrice{}, false},
		{"infinite", math.Inf(1), 0.01, SizePrice{}, false},
		{"beyond the largest amount", 2e9, 0.01, SizePrice{}, false},
		{"the largest amount", 1e9, 1e9, SizePrice{Hourly: webrana.MaxAmount * MicrosPerMinor, Monthly: webrana.MaxAmount}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := PriceOf(&cloud.Size{PriceMonthly: tc.monthly, PriceHourly: tc.hourly})
			if got != tc.want || ok != tc.ok {
				t.Errorf("PriceOf(%v, %v) = %+v, %v; want %+v, %v", tc.monthly, tc.hourly, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestHours(t *testing.T) {
	june := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	july := june.AddDate(0, 1, 0)
	at := func(day, hour, minute int) time.Time { return time.Date(2031, 6, day, hour, minute, 0, 0, time.UTC) }
	far := july.AddDate(1, 0, 0)
	for _, tc := range []struct {
		name       string
		start, end time.Time
		want       int64
	}{
		{"the whole month", june.AddDate(0, -2, 0), far, 720},
		{"from the month's first instant", june, far, 720},
		{"started the month before at half past", june.Add(-90 * time.Minute), far, 720}, // hours start at :30; 23:30 on the 30th is June's
		{"started on the last day at half past", at(30, 23, 30), far, 1},
		{"a few hours inside", at(10, 12, 15), at(10, 15, 0), 3},
		{"a started hour counts whole", at(10, 12, 0), at(10, 12, 0).Add(time.Second), 1},
		{"whole hours exactly", at(10, 12, 0), at(10, 14, 0), 2},
		{"to now, in the month", at(1, 0, 0), at(15, 0, 30), 14*24 + 1},
		{"deleted at the month's start", june.AddDate(0, 0, -3), june, 0},
		{"deleted the month before", june.AddDate(0, 0, -3), june.Add(-time.Hour), 0},
		{"started the month after", july, far, 0},
		{"crossing out of the month", at(30, 20, 0), july.Add(5 * time.Hour), 4},
		{"crossing in, its first June hour starts at 00:20", june.Add(-40 * time.Minute), june.Add(3 * time.Hour), 3},
		{"no time at all", at(5, 0, 0), at(5, 0, 0), 0},
		{"ended before it started", at(5, 0, 0), at(4, 0, 0), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Hours(tc.start, tc.end, june, july); got != tc.want {
				t.Errorf("Hours(%s, %s) = %d, want %d", tc.start, tc.end, got, tc.want)
			}
		})
	}
	// Every hour a server runs is counted in exactly one month.
	start, end := time.Date(2031, 1, 31, 17, 43, 0, 0, time.UTC), time.Date(2031, 4, 2, 3, 1, 0, 0, time.UTC)
	var sum int64
	for m := webrana.MonthOf(start); m.Before(end); m = m.AddDate(0, 1, 0) {
		sum += Hours(start, end, m, m.AddDate(0, 1, 0))
	}
	if want := ceilHours(end.Sub(start)); sum != want {
		t.Errorf("the months' hours add up to %d, want %d", sum, want)
	}
}

func TestCost(t *testing.T) {
	do := SizePrice{Hourly: 8930, Monthly: 600} // s-1vcpu-1gb: 0.00893 an hour, 6.00 a month
	for _, tc := range []struct {
		name  string
		hours int64
		price SizePrice
		want  int64
		err   bool
	}{
		{"no hours", 0, do, 0, false},
		{"one hour rounds up to a cent", 1, do, 1, false}, // 0.893 cents
		{"five tenths of a cent make a cent", 5, SizePrice{Hourly: 1000, Monthly: 600}, 1, false},
		{"49 hours at 0.0075, half up", 49, SizePrice{Hourly: 7500, Monthly: 500}, 37, false}, // 36.75 cents
		{"just below a half rounds down", 1, SizePrice{Hourly: 4999, Monthly: 500}, 0, false},
		{"a half rounds up", 1, SizePrice{Hourly: 5000, Monthly: 500}, 1, false},
		{"under the cap", 600, do, 536, false},   // 535.8 cents
		{"the monthly cap", 720, do, 600, false}, // 642.96 capped
		{"a month of the dearest size", 744, SizePrice{Hourly: webrana.MaxAmount * MicrosPerMinor, Monthly: webrana.MaxAmount}, webrana.MaxAmount, false},
		{"overflow is an error", math.MaxInt64 / 1000, SizePrice{Hourly: 1_000_000, Monthly: 1}, 0, true},
		{"negative hours", -1, do, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Cost(tc.hours, tc.price)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("Cost(%d, %+v) = %d, %v; want %d (error %v)", tc.hours, tc.price, got, err, tc.want, tc.err)
			}
			if tc.err && tc.hours > 0 && !errors.Is(err, webrana.ErrOverflow) {
				t.Errorf("overflow error %v is not ErrOverflow", err)
			}
		})
	}
}

func TestBelowCost(t *testing.T) {
	do := SizePrice{Hourly: 8930, Monthly: 600}
	plan := func(monthly, hourly int64, currency string) *webrana.Plan {
		return &webrana.Plan{Name: "Small", ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", PriceMonthly: monthly, PriceHourly: hourly, Currency: currency}
	}
	for _, tc := range []struct {
		name              string
		plan              *webrana.Plan
		below, comparable bool
	}{
		{"above both", plan(800, 2, "USD"), false, true},
		{"the provider's own monthly price", plan(600, 1, "USD"), false, true},
		{"monthly below", plan(599, 2, "USD"), true, true},
		{"hourly below", plan(800, 0, "USD"), true, true},
		{"another currency", plan(100, 1, "IDR"), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			below, comparable := BelowCost(tc.plan, do)
			if below != tc.below || comparable != tc.comparable {
				t.Errorf("BelowCost = %v, %v; want %v, %v", below, comparable, tc.below, tc.comparable)
			}
			w := Warning(tc.plan, do)
			if (w != "") != tc.below {
				t.Errorf("Warning = %q, want one: %v", w, tc.below)
			}
		})
	}
	if w := Warning(plan(500, 1, "USD"), do); !strings.Contains(w, "5.00 USD a month") || !strings.Contains(w, "6.00 USD a month and 0.00893 an hour") {
		t.Errorf("warning %q does not give both prices", w)
	}
}

func TestFormatMicros(t *testing.T) {
	for v, want := range map[int64]string{8930: "0.00893", 7500: "0.0075", 10000: "0.01", 1_000_000: "1.00", 1_234_567: "1.234567", 0: "0.00"} {
		if got := formatMicros(v); got != want {
			t.Errorf("formatMicros(%d) = %q, want %q", v, got, want)
		}
	}
}

// TestBuild: groups, unknown costs (null, never zero, counted), margins,
// flags, and sums that refuse to overflow.
func TestBuild(t *testing.T) {
	june := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	july := june.AddDate(0, 1, 0)
	now := july.Add(time.Hour)
	ran := june.AddDate(0, -1, 0)
	server := func(id, plan, size string, p webrana.ProviderType, acct string, revenue int64, active *time.Time) *store.RevenueServer {
		return &store.RevenueServer{InstanceID: id, OwnerID: "u-" + acct, OwnerEmail: acct + "@example.com", PlanID: plan, PlanName: plan, SizeSlug: size, PriceHourly: 1, PriceMonthly: 500,
			Currency: "USD", ProviderType: p, ProviderName: string(p), AccountID: acct, AccountName: acct, ActiveAt: active, Revenue: revenue}
	}
	prices := map[sizeKey]SizePrice{{webrana.DigitalOcean, "s-1"}: {Hourly: 8930, Monthly: 600}}
	servers := []*store.RevenueServer{
		server("a", "small", "s-1", webrana.DigitalOcean, "do-1", 500, &ran),
		server("b", "small", "s-1", webrana.DigitalOcean, "do-2", 300, &ran),
		server("c", "gone", "s-old", webrana.DigitalOcean, "do-1", 40, &ran), // a size the catalog does not price
		server("d", "nano", "g6", webrana.Linode, "", 70, nil),               // charged, never ran: no cost
	}
	r, err := build(servers, prices, "USD", june, july, now)
	if err != nil {
		t.Fatal(err)
	}
	i := func(v int64) *int64 { return &v }
	check := func(what string, f Figures, revenue int64, cost, margin *int64, unknown, n int, hours int64) {
		t.Helper()
		same := func(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
		if f.Revenue != revenue || !same(f.Cost, cost) || !same(f.Margin, margin) || f.UnknownCost != unknown || f.Servers != n || f.Hours != hours {
			t.Errorf("%s: %+v (cost %v, margin %v); want revenue %d cost %v margin %v unknown %d servers %d hours %d",
				what, f, deref(f.Cost), deref(f.Margin), revenue, deref(cost), deref(margin), unknown, n, hours)
		}
	}
	check("totals", r.Totals, 910, nil, nil, 1, 4, 3*720)
	if len(r.Plans) != 3 || len(r.Providers) != 2 || len(r.Accounts) != 3 {
		t.Fatalf("%d plans, %d providers, %d accounts; want 3, 2, 3", len(r.Plans), len(r.Providers), len(r.Accounts))
	}
	// Plans by provider, then name: gone, small (digitalocean), nano (linode).
	check("plan gone", r.Plans[0].Figures, 40, nil, nil, 1, 1, 720)
	check("plan small", r.Plans[1].Figures, 800, i(1200), i(-400), 0, 2, 1440)
	check("plan nano", r.Plans[2].Figures, 70, i(0), i(70), 0, 1, 0)
	if !r.Plans[1].BelowCost || r.Plans[0].BelowCost || r.Plans[0].ProviderPriceMonthly != nil || *r.Plans[1].ProviderPriceMonthly != 600 {
		t.Errorf("plan flags: small below %v, gone below %v with provider price %v", r.Plans[1].BelowCost, r.Plans[0].BelowCost, r.Plans[0].ProviderPriceMonthly)
	}
	if !r.Plans[1].Negative() || r.Plans[2].Negative() || r.Plans[0].Negative() {
		t.Error("only a known margin below zero is negative")
	}
	check("provider digitalocean", r.Providers[0].Figures, 840, nil, nil, 1, 3, 2160)
	check("provider linode", r.Providers[1].Figures, 70, i(0), i(70), 0, 1, 0)
	check("account do-1", r.Accounts[0].Figures, 540, nil, nil, 1, 2, 1440)
	check("account do-2", r.Accounts[1].Figures, 300, i(600), i(-300), 0, 1, 720)
	check("no account", r.Accounts[2].Figures, 70, i(0), i(70), 0, 1, 0)
	// Customers (here one per account) by e-mail.
	if len(r.Customers) != 3 || r.Customers[0].Email != "@example.com" || r.Customers[1].ID != "u-do-1" {
		t.Fatalf("customers %+v", r.Customers)
	}
	check("customer of do-1", r.Customers[1].Figures, 540, nil, nil, 1, 2, 1440)
	check("customer of do-2", r.Customers[2].Figures, 300, i(600), i(-300), 0, 1, 720)

	// A report in another currency than the providers' knows no cost.
	r, err = build(servers[:1], prices, "IDR", june, july, now)
	if err != nil {
		t.Fatal(err)
	}
	check("IDR totals", r.Totals, 500, nil, nil, 1, 1, 720)

	// Sums beyond int64 are errors, never wrapped numbers.
	huge := []*store.RevenueServer{server("x", "small", "s-1", webrana.DigitalOcean, "do-1", math.MaxInt64-10, nil),
		server("y", "small", "s-1", webrana.DigitalOcean, "do-1", 11, nil)}
	if _, err := build(huge, prices, "USD", june, july, now); !errors.Is(err, webrana.ErrOverflow) {
		t.Errorf("overflowing revenue: %v, want ErrOverflow", err)
	}
	negative := []*store.RevenueServer{server("x", "small", "s-1", webrana.DigitalOcean, "do-1", math.MinInt64+10, &ran)}
	if _, err := build(negative, prices, "USD", june, july, now); !errors.Is(err, webrana.ErrOverflow) {
		t.Errorf("overflowing margin: %v, want ErrOverflow", err)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
