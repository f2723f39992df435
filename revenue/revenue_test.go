package revenue_test

import (
	"context"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/revenue"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

func engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenPostgres(t)) })
}

// clock is a time the test sets (one goroutine).
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// sizes is the providers' catalog: the provider edge, faked. A provider
// missing from it cannot be read.
type sizes map[webrana.ProviderType][]*cloud.Size

func (s sizes) GetSizes(_ context.Context, p webrana.ProviderType) (catalog.Result[*cloud.Size], error) {
	items, ok := s[p]
	if !ok {
		return catalog.Result[*cloud.Size]{}, webrana.Errorf(webrana.EUNAVAILABLE, "The %s catalog cannot be fetched.", p)
	}
	return catalog.Result[*cloud.Size]{Items: items}, nil
}

var providerSizes = sizes{
	webrana.DigitalOcean: {{Slug: "s-1vcpu-1gb", PriceMonthly: 6, PriceHourly: 0.00893}},
	webrana.Linode:       {{Slug: "g6-nanode-1", PriceMonthly: 5, PriceHourly: 0.0075}},
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// world is a month of servers on two providers, accounts, plans and
// customers, charged by the real meter.
type world struct {
	db                  *store.DB
	clock               *clock
	ann, bob            *webrana.User
	crossing, partial   string // servers' ids
	retired             string
	doAcct, liAcct      *webrana.Account
	cheap, nano, oldish *webrana.Plan
}

var june = time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, clock: &clock{now: june.Add(-90 * time.Minute)}}
	db.Now = w.clock.Now
	for _, p := range []webrana.ProviderType{webrana.DigitalOcean, webrana.Linode} {
		_, err := db.EnsureProvider(ctx, p, map[webrana.ProviderType]string{webrana.DigitalOcean: "DigitalOcean", webrana.Linode: "Linode"}[p])
		must(t, err)
	}
	w.ann, w.bob = w.user(t, "ann@example.com"), w.user(t, "bob@example.com")
	w.doAcct, w.liAcct = w.account(t, webrana.DigitalOcean, "do-main"), w.account(t, webrana.Linode, "li-main")
	w.cheap = w.plan(t, webrana.DigitalOcean, "Cheap", "s-1vcpu-1gb", 1, 500) // below DigitalOcean's 6.00
	w.nano = w.plan(t, webrana.Linode, "Nano", "g6-nanode-1", 2, 700)
	w.oldish = w.plan(t, webrana.DigitalOcean, "Oldish", "s-retired", 5, 3000) // the catalog no longer prices its size

	// Ann's server goes active at 22:30 on 31 May (its first day is May's)
	// and runs all June; the meter runs through June.
	w.crossing = w.order(t, w.ann, w.cheap, w.doAcct)
	w.meter(t, june.Add(12*time.Hour))
	// Bob's goes active on 10 June at 12:15 and runs to the month's end.
	w.clock.now = time.Date(2031, 6, 10, 12, 15, 0, 0, time.UTC)
	w.partial = w.order(t, w.bob, w.nano, w.liAcct)
	// A server that ran five and a half hours on 20 June, charged and
	// partly refunded by hand.
	active, deleted := time.Date(2031, 6, 20, 10, 0, 0, 0, time.UTC), time.Date(2031, 6, 20, 15, 30, 0, 0, time.UTC)
	in := &webrana.Instance{OwnerID: w.ann.ID, ProviderType: webrana.DigitalOcean, AccountID: w.doAcct.ID, PlanID: w.oldish.ID,
		Label: "old-1", Region: "sgp1", Image: "ubuntu", Status: webrana.StatusDeleted, ActiveAt: &active, DeletedAt: &deleted}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) }))
	w.retired = in.ID
	w.clock.now = deleted
	w.entry(t, w.ann, webrana.LedgerCharge, -30, in.ID)
	w.entry(t, w.ann, webrana.LedgerRefund, 10, in.ID)
	// A refund of Ann's first server in June.
	w.clock.now = time.Date(2031, 6, 25, 0, 0, 0, 0, time.UTC)
	w.entry(t, w.ann, webrana.LedgerRefund, 25, w.crossing)
	w.meter(t, time.Date(2031, 6, 15, 0, 0, 0, 0, time.UTC))
	w.meter(t, time.Date(2031, 6, 30, 23, 59, 0, 0, time.UTC)) // the month's last hours, billed in June
	w.meter(t, time.Date(2031, 7, 2, 0, 0, 0, 0, time.UTC))    // July's, not June's
	return w
}

func (w *world) user(t *testing.T, email string) *webrana.User {
	u := &webrana.User{Email: email, Role: webrana.RoleCustomer, PasswordHash: "x", EmailVerified: true}
	must(t, w.db.CreateUser(context.Background(), u))
	w.entry(t, u, webrana.LedgerCredit, 1_000_000, "")
	return u
}

func (w *world) account(t *testing.T, p webrana.ProviderType, name string) *webrana.Account {
	a := &webrana.Account{ProviderType: p, Name: name, TokenCiphertext: "ct", IsActive: true, Limit: 25}
	must(t, w.db.CreateAccount(context.Background(), a))
	return a
}

func (w *world) plan(t *testing.T, p webrana.ProviderType, name, size string, hourly, monthly int64) *webrana.Plan {
	pl := &webrana.Plan{ProviderType: p, SizeSlug: size, Name: name, VCPUs: 1, MemoryMB: 1024, DiskGB: 25, PriceHourly: hourly,
		PriceMonthly: monthly, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
	must(t, w.db.CreatePlan(context.Background(), pl))
	return pl
}

// order places and completes an order now: the server is active, its
// first day charged.
func (w *world) order(t *testing.T, u *webrana.User, pl *webrana.Plan, a *webrana.Account) string {
	ctx := context.Background()
	first, err := provision.FirstPeriod(pl)
	must(t, err)
	o, err := w.db.PlaceOrder(ctx, store.NewOrder{Instance: &webrana.Instance{OwnerID: u.ID, ProviderType: pl.ProviderType,
		AccountID: a.ID, PlanID: pl.ID, Label: "web-" + u.Email, Region: "sgp1", Image: "ubuntu", Status: webrana.StatusProvisioning},
		Hold: first}, nil)
	must(t, err)
	must(t, w.db.CompleteOrder(ctx, o.ID, store.Completion{IPv4: "203.0.113.1", Prepaid: provision.PrepaidSpan, Charge: o.HoldAmount}))
	return o.InstanceID
}

func (w *world) entry(t *testing.T, u *webrana.User, kind string, amount int64, instance string) {
	_, err := w.db.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: u.ID, Kind: kind, Amount: amount, Currency: "USD", InstanceID: instance})
	must(t, err)
}

// meter runs the real meter at a moment.
func (w *world) meter(t *testing.T, at time.Time) {
	w.clock.now = at
	_, _, err := billing.NewMeter(w.db, &billing.MeterConfig{Now: w.clock.Now}).Run(context.Background())
	must(t, err)
}

// ledgerRevenue is the month's server charges less refunds as the
// customers' statements show them.
func (w *world) ledgerRevenue(t *testing.T, from, to time.Time) map[string]int64 {
	out := map[string]int64{}
	for _, u := range []*webrana.User{w.ann, w.bob} {
		for page := 1; ; page++ {
			entries, total, err := w.db.ListLedger(context.Background(), u.ID, webrana.Page{Page: page, PerPage: webrana.MaxPerPage})
			must(t, err)
			for _, e := range entries {
				if e.InstanceID != "" && (e.Kind == webrana.LedgerCharge || e.Kind == webrana.LedgerRefund) &&
					!e.CreatedAt.Before(from) && e.CreatedAt.Before(to) {
					out[e.InstanceID] -= e.Amount
				}
			}
			if page*webrana.MaxPerPage >= total {
				break
			}
		}
	}
	return out
}

func ptr(v int64) *int64 { return &v }

// TestReport: a month of metered servers on two providers, accounts and
// plans — one crossing into the month and capped, one for part of it, one
// whose size the catalog no longer prices, refunds — gives the revenue the
// ledger charged, the providers' costs and the margins, per group.
func TestReport(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		svc := revenue.New(db, providerSizes, &revenue.Config{Now: w.clock.Now})
		r, err := svc.Report(context.Background(), "2031-06")
		must(t, err)

		// Revenue is the ledger's, to the minor unit.
		ledger := w.ledgerRevenue(t, june, june.AddDate(0, 1, 0))
		var sum int64
		for _, v := range ledger {
			sum += v
		}
		if r.Totals.Revenue != sum || sum == 0 {
			t.Errorf("revenue %d, the ledger's server charges less refunds in June %d", r.Totals.Revenue, sum)
		}
		// Ann's June: the meter from 1 June 22:30, an hour a cent, capped at
		// 5.00 (her first day was May's), less a refund of 0.25.
		// Bob's: 0.48 for the first day, then 0.02 an hour, capped at 7.00.
		crossingRevenue, partialRevenue := int64(500-25), int64(700)
		if ledger[w.crossing] != crossingRevenue || ledger[w.partial] != partialRevenue || ledger[w.retired] != 20 {
			t.Errorf("the ledger's June: %v", ledger)
		}
		// Costs: Ann's 720 hours at 0.00893 (6.43) capped at 6.00; Bob's
		// 492 hours (10 June 12:15 to July) at 0.0075: 3.69; the retired
		// size's 6 hours: unknown.
		type fig struct {
			revenue      int64
			cost, margin *int64
			unknown, n   int
			hours        int64
		}
		get := func(f revenue.Figures) fig {
			return fig{f.Revenue, f.Cost, f.Margin, f.UnknownCost, f.Servers, f.Hours}
		}
		same := func(what string, got, want fig) {
			t.Helper()
			eq := func(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
			if got.revenue != want.revenue || !eq(got.cost, want.cost) || !eq(got.margin, want.margin) ||
				got.unknown != want.unknown || got.n != want.n || got.hours != want.hours {
				t.Errorf("%s: revenue %d cost %v margin %v unknown %d servers %d hours %d; want %+v", what, got.revenue,
					show(got.cost), show(got.margin), got.unknown, got.n, got.hours, want)
			}
		}
		same("totals", get(r.Totals), fig{crossingRevenue + partialRevenue + 20, nil, nil, 1, 3, 720 + 492 + 6})
		if len(r.Plans) != 3 || len(r.Providers) != 2 || len(r.Accounts) != 2 {
			t.Fatalf("%d plans, %d providers, %d accounts", len(r.Plans), len(r.Providers), len(r.Accounts))
		}
		same("plan Cheap", get(r.Plans[0].Figures), fig{crossingRevenue, ptr(600), ptr(crossingRevenue - 600), 0, 1, 720})
		same("plan Oldish", get(r.Plans[1].Figures), fig{20, nil, nil, 1, 1, 6})
		same("plan Nano", get(r.Plans[2].Figures), fig{partialRevenue, ptr(369), ptr(partialRevenue - 369), 0, 1, 492})
		if p := r.Plans[0]; p.ID != w.cheap.ID || !p.BelowCost || *p.ProviderPriceMonthly != 600 {
			t.Errorf("plan Cheap: %+v, want flagged below 6.00", p)
		}
		if r.Plans[1].BelowCost || r.Plans[2].BelowCost || r.Plans[1].ProviderPriceMonthly != nil {
			t.Errorf("plans Oldish and Nano flagged, or a price for a retired size")
		}
		same("provider DigitalOcean", get(r.Providers[0].Figures), fig{crossingRevenue + 20, nil, nil, 1, 2, 726})
		same("provider Linode", get(r.Providers[1].Figures), fig{partialRevenue, ptr(369), ptr(partialRevenue - 369), 0, 1, 492})
		if r.Providers[0].Name != "DigitalOcean" || r.Accounts[0].ID != w.doAcct.ID || r.Accounts[1].Name != "li-main" {
			t.Errorf("names: %+v %+v %+v", r.Providers[0], r.Accounts[0], r.Accounts[1])
		}
		same("account do-main", get(r.Accounts[0].Figures), fig{crossingRevenue + 20, nil, nil, 1, 2, 726})
		same("account li-main", get(r.Accounts[1].Figures), fig{partialRevenue, ptr(369), ptr(partialRevenue - 369), 0, 1, 492})
		if len(r.Customers) != 2 || r.Customers[0].Email != "ann@example.com" || r.Customers[1].ID != w.bob.ID {
			t.Fatalf("customers %+v", r.Customers)
		}
		same("customer ann", get(r.Customers[0].Figures), fig{crossingRevenue + 20, nil, nil, 1, 2, 726})
		same("customer bob", get(r.Customers[1].Figures), fig{partialRevenue, ptr(369), ptr(partialRevenue - 369), 0, 1, 492})

		// May: Ann's first day and her server's 90 minutes (two hours).
		may, err := svc.Report(context.Background(), "2031-05")
		must(t, err)
		same("May", get(may.Totals), fig{24, ptr(2), ptr(22), 0, 1, 2})
		if may.Totals.Revenue != sumOf(w.ledgerRevenue(t, june.AddDate(0, -1, 0), june)) {
			t.Error("May's revenue is not the ledger's")
		}

		// A provider whose catalog cannot be read leaves its costs unknown.
		blind := revenue.New(db, sizes{webrana.DigitalOcean: providerSizes[webrana.DigitalOcean]}, &revenue.Config{Now: w.clock.Now})
		r, err = blind.Report(context.Background(), "2031-06")
		must(t, err)
		same("Linode unread", get(r.Providers[1].Figures), fig{partialRevenue, nil, nil, 1, 1, 492})
	})
}

func sumOf(m map[string]int64) (s int64) {
	for _, v := range m {
		s += v
	}
	return s
}

func show(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestParseMonth: the current month by default; a month written otherwise
// or not yet begun is the month field's error.
func TestParseMonth(t *testing.T) {
	now := time.Date(2031, 6, 15, 10, 0, 0, 0, time.UTC)
	svc := revenue.New(nil, nil, &revenue.Config{Now: func() time.Time { return now }})
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", june, true},
		{"2031-06", june, true},
		{" 2030-12 ", time.Date(2030, 12, 1, 0, 0, 0, 0, time.UTC), true},
		{"2031-07", time.Time{}, false},
		{"2031-6", time.Time{}, false},
		{"2031-13", time.Time{}, false},
		{"June", time.Time{}, false},
		{"2031-06-01", time.Time{}, false},
	} {
		got, err := svc.ParseMonth(tc.in)
		if tc.ok && (err != nil || !got.Equal(tc.want)) {
			t.Errorf("ParseMonth(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if !tc.ok && (webrana.ErrorCode(err) != webrana.EINVALID || webrana.ErrorField(err) != "month") {
			t.Errorf("ParseMonth(%q) error %v, want the month field's", tc.in, err)
		}
	}
}

// TestPlanWarnings: a plan below its size's price is warned about; one at
// or above it, one whose size or catalog is unknown, or one in another
// currency is not.
func TestPlanWarnings(t *testing.T) {
	svc := revenue.New(nil, providerSizes, nil)
	plan := func(p webrana.ProviderType, size string, hourly, monthly int64, currency string) *webrana.Plan {
		return &webrana.Plan{Name: "P", ProviderType: p, SizeSlug: size, PriceHourly: hourly, PriceMonthly: monthly, Currency: currency}
	}
	for _, tc := range []struct {
		name string
		plan *webrana.Plan
		want int
	}{
		{"below", plan(webrana.DigitalOcean, "s-1vcpu-1gb", 1, 500, "USD"), 1},
		{"at the provider's price", plan(webrana.DigitalOcean, "s-1vcpu-1gb", 1, 600, "USD"), 0},
		{"unknown size", plan(webrana.DigitalOcean, "s-gone", 1, 1, "USD"), 0},
		{"another currency", plan(webrana.Linode, "g6-nanode-1", 1, 1, "IDR"), 0},
		{"catalog unread", plan(webrana.ProviderType("vultr"), "x", 1, 1, "USD"), 0},
	} {
		tc.plan.ID = tc.name
		if got := svc.PlanWarnings(context.Background(), tc.plan)[tc.plan.ID]; len(got) != tc.want {
			t.Errorf("%s: warnings %q, want %d", tc.name, got, tc.want)
		}
	}
	// Several plans at once: each its own.
	below, fine := plan(webrana.DigitalOcean, "s-1vcpu-1gb", 1, 500, "USD"), plan(webrana.DigitalOcean, "s-1vcpu-1gb", 1, 900, "USD")
	below.ID, fine.ID = "below", "fine"
	if got := svc.PlanWarnings(context.Background(), below, fine); len(got) != 1 || len(got["below"]) != 1 {
		t.Errorf("warnings of two plans: %q", got)
	}
}

// hanging is a catalog whose provider never answers.
type hanging struct{}

func (hanging) GetSizes(ctx context.Context, _ webrana.ProviderType) (catalog.Result[*cloud.Size], error) {
	<-ctx.Done()
	return catalog.Result[*cloud.Size]{}, ctx.Err()
}

// TestPlanWarningsDoNotWait: a provider that does not answer holds the
// warnings up no longer than WarningWait; the plan goes without them.
func TestPlanWarningsDoNotWait(t *testing.T) {
	svc := revenue.New(nil, hanging{}, &revenue.Config{WarningWait: time.Millisecond})
	p := &webrana.Plan{ID: "p", ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", PriceMonthly: 1, PriceHourly: 1, Currency: "USD"}
	if got := svc.PlanWarnings(context.Background(), p); len(got) != 0 {
		t.Errorf("warnings %q without a catalog", got)
	}
}
