// Package revenue tells the operator what Webrana earns, month by month:
// what the ledger charged customers for their servers (revenue), what the
// providers charge for those servers (cost), and the margin between them,
// per plan, per provider, per provider account and per customer — and
// which plans sell below their provider's price, in the month's report and
// whenever a plan is created or changed (a warning, never a refusal).
//
// The definitions, once:
//
//   - A month is a calendar month in UTC, [first instant, next month's).
//   - Revenue is the ledger's charges less refunds of servers (kinds charge
//     and refund with an instance) written in the month, in the billing
//     currency: the first day's charge when an order completes, each hour
//     the meter bills (with the plan's monthly cap applied), and refunds.
//     Holds and their releases are not revenue: a hold is money set aside
//     for an order, which either becomes the first day's charge (counted
//     then) or is given back. Charges are counted in the month they are
//     written, as the customers' invoices count them.
//   - Cost is, per server, the hours it ran in the month (store's active_at
//     to its deletion, or now for the month in progress; started hours, each
//     in the month it starts, see Hours) at its size's hourly price in the
//     provider's catalog, never more than the size's monthly price (Cost):
//     as the providers bill, active or stopped. The catalog's prices are
//     today's, not those of the month reported. A size the catalog does not
//     price (retired, or the catalog cannot be read) makes the cost unknown
//     — null in the report, with the number of servers it concerns — never
//     zero. Providers bill in USD: a report in another currency has every
//     cost unknown, as Webrana keeps no exchange rates.
//   - Margin is revenue less cost, unknown when the cost is.
package revenue

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/store"
)

// Store is what revenue needs of the database (store.DB): a month's servers.
type Store interface {
	RevenueServers(ctx context.Context, from, to time.Time, currency string) ([]*store.RevenueServer, error)
}

// Catalog gives a provider's sizes with their prices (catalog.Service).
type Catalog interface {
	GetSizes(ctx context.Context, p webrana.ProviderType) (catalog.Result[*cloud.Size], error)
}

var _ Store = (*store.DB)(nil)

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	Now      func() time.Time // default webrana.Now
	Logger   *slog.Logger     // default discards
	Currency string           // the ledger's, which revenue is counted in (default webrana.BillingCurrency)
	// WarningWait bounds how long PlanWarnings waits for a provider's
	// catalog (default 3s): the plans' pages and answers are not held up by
	// a provider that does not answer; they go without the warning.
	WarningWait time.Duration
}

// Service makes the operator's margin reports. Safe for concurrent use.
type Service struct {
	db       Store
	catalog  Catalog
	now      func() time.Time
	logger   *slog.Logger
	currency string
	wait     time.Duration
}

// New returns the reports of the servers in db, priced from catalog. cfg
// may be nil.
func New(db Store, catalog Catalog, cfg *Config) *Service {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	return &Service{db: db, catalog: catalog, now: c.Now, logger: cmp.Or(c.Logger, slog.New(slog.DiscardHandler)),
		currency: cmp.Or(c.Currency, webrana.BillingCurrency), wait: cmp.Or(c.WarningWait, 3*time.Second)}
}

// Figures are a group's month: revenue, cost and margin in the report's
// currency (minor units), its servers and the hours they ran.
type Figures struct {
	Revenue int64  `json:"revenue"`
	Cost    *int64 `json:"cost"`   // null: unknown for UnknownCost of the servers
	Margin  *int64 `json:"margin"` // revenue − cost; null when the cost is unknown
	// UnknownCost is how many of the servers have no known provider cost.
	UnknownCost int   `json:"unknown_cost_servers"`
	Servers     int   `json:"servers"`
	Hours       int64 `json:"hours"`
	knownCost   int64
}

// PlanRow is a plan's month.
type PlanRow struct {
	ID           string               `json:"id"`
	Name         string               `json:"name"`
	ProviderType webrana.ProviderType `json:"provider_type"`
	SizeSlug     string               `json:"size_slug"`
	PriceMonthly int64                `json:"price_monthly"`
	PriceHourly  int64                `json:"price_hourly"`
	PlanCurrency string               `json:"plan_currency"`
	// The size's price at the provider (minor units of ProviderCurrency;
	// the hourly one with its fraction), null when the catalog has none.
	ProviderPriceMonthly *int64   `json:"provider_price_monthly"`
	ProviderPriceHourly  *float64 `json:"provider_price_hourly"`
	// BelowCost: the plan sells below its size's price (BelowCost).
	BelowCost bool `json:"below_cost"`
	Figures
}

// ProviderRow is a provider's month.
type ProviderRow struct {
	Type webrana.ProviderType `json:"provider_type"`
	Name string               `json:"name"`
	Figures
}

// AccountRow is a provider account's month; servers without an account
// (never placed, or their account removed) share the row with an empty id.
type AccountRow struct {
	ID           string               `json:"id"`
	Name         string               `json:"name"`
	ProviderType webrana.ProviderType `json:"provider_type"`
	Figures
}

// CustomerRow is a customer's month: what their servers earned and cost.
type CustomerRow struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Figures
}

// Report is a month's revenue, cost and margin. Accounts are the
// providers' accounts (the pool); customers, Webrana's.
type Report struct {
	Month     string         `json:"month"` // 2026-11
	Currency  string         `json:"currency"`
	Totals    Figures        `json:"totals"`
	Plans     []*PlanRow     `json:"plans"`
	Providers []*ProviderRow `json:"providers"`
	Accounts  []*AccountRow  `json:"accounts"`
	Customers []*CustomerRow `json:"customers"`
}

// ParseMonth reads a month ("2026-11"); "" is the current one. A month
// that has not begun is refused: it has nothing to report.
func (s *Service) ParseMonth(v string) (time.Time, error) {
	now := webrana.MonthOf(s.now())
	v = strings.TrimSpace(v)
	if v == "" {
		return now, nil
	}
	m, err := time.Parse(webrana.MonthLayout, v)
	if err != nil {
		return time.Time{}, webrana.FieldError("month", "month must be a calendar month written YYYY-MM, such as %s.", now.Format(webrana.MonthLayout))
	}
	if m.After(now) {
		return time.Time{}, webrana.FieldError("month", "%s has not begun yet; the latest month is %s.", v, now.Format(webrana.MonthLayout))
	}
	return m, nil
}

// Report returns the month's report (month as ParseMonth reads it): every
// group's figures, the plans' flags, and the totals. Its revenue is the
// ledger's server charges less refunds in the month, to the minor unit.
func (s *Service) Report(ctx context.Context, month string) (*Report, error) {
	from, err := s.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 1, 0)
	servers, err := s.db.RevenueServers(ctx, from, to, s.currency)
	if err != nil {
		return nil, fmt.Errorf("revenue of %s: %w", from.Format(webrana.MonthLayout), err)
	}
	var providers []webrana.ProviderType
	for _, sv := range servers {
		providers = append(providers, sv.ProviderType)
	}
	prices := s.prices(ctx, providers)
	r, err := build(servers, prices, s.currency, from, to, s.now())
	if err != nil {
		return nil, fmt.Errorf("revenue of %s: %w", from.Format(webrana.MonthLayout), err)
	}
	return r, nil
}

// sizeKey names a size at a provider.
type sizeKey struct {
	provider webrana.ProviderType
	slug     string
}

// prices reads the sizes of the providers named from their catalogs, each
// once. A provider whose catalog cannot be read is logged and left out: its
// sizes' prices are unknown (their costs too), the caller goes on.
func (s *Service) prices(ctx context.Context, providers []webrana.ProviderType) map[sizeKey]SizePrice {
	prices := map[sizeKey]SizePrice{}
	slices.Sort(providers)
	for _, p := range slices.Compact(providers) {
		sizes, err := s.catalog.GetSizes(ctx, p)
		if err != nil {
			s.logger.WarnContext(ctx, "revenue: provider prices unknown", "provider", p, "err", err)
			continue
		}
		for _, z := range sizes.Items {
			if price, ok := PriceOf(z); ok {
				prices[sizeKey{p, z.Slug}] = price
			}
		}
	}
	return prices
}

// PlanWarnings says what is wrong with plans' prices against their
// providers' (plans.Costs), by plan id: one warning for a plan that sells
// below its size's price; none for the others, nor when nothing can be
// compared (another currency, a size the catalog does not price, a
// catalog that cannot be read). Each provider's catalog is read once,
// waited for no longer than Config.WarningWait. Warnings, never refusals.
func (s *Service) PlanWarnings(ctx context.Context, plans ...*webrana.Plan) map[string][]string {
	ctx, cancel := context.WithTimeout(ctx, s.wait)
	defer cancel()
	var providers []webrana.ProviderType
	for _, p := range plans {
		providers = append(providers, p.ProviderType)
	}
	prices := s.prices(ctx, providers)
	out := map[string][]string{}
	for _, p := range plans {
		price, ok := prices[sizeKey{p.ProviderType, p.SizeSlug}]
		if !ok {
			continue
		}
		if w := Warning(p, price); w != "" {
			out[p.ID] = append(out[p.ID], w)
		}
	}
	return out
}

// build computes a report from the month's servers and the sizes' prices;
// now ends the hours of the servers still running.
func build(servers []*store.RevenueServer, prices map[sizeKey]SizePrice, currency string, from, to, now time.Time) (*Report, error) {
	r := &Report{Month: from.Format(webrana.MonthLayout), Currency: currency}
	plans := map[string]*PlanRow{}
	providers := map[webrana.ProviderType]*ProviderRow{}
	accounts := map[string]*AccountRow{}
	customers := map[string]*CustomerRow{}
	for _, sv := range servers {
		price, priced := prices[sizeKey{sv.ProviderType, sv.SizeSlug}]
		priced = priced && currency == ProviderCurrency
		hours, cost, known, err := serverCost(sv, price, priced, from, to, now)
		if err != nil {
			return nil, fmt.Errorf("server %s: %w", sv.InstanceID, err)
		}
		pl := plans[sv.PlanID]
		if pl == nil {
			pl = planRow(sv, price, priced)
			plans[sv.PlanID] = pl
		}
		pr := providers[sv.ProviderType]
		if pr == nil {
			pr = &ProviderRow{Type: sv.ProviderType, Name: cmp.Or(sv.ProviderName, string(sv.ProviderType))}
			providers[sv.ProviderType] = pr
		}
		ac := accounts[sv.AccountID]
		if ac == nil {
			ac = &AccountRow{ID: sv.AccountID, Name: sv.AccountName, ProviderType: sv.ProviderType}
			accounts[sv.AccountID] = ac
		}
		cu := customers[sv.OwnerID]
		if cu == nil {
			cu = &CustomerRow{ID: sv.OwnerID, Email: sv.OwnerEmail}
			customers[sv.OwnerID] = cu
		}
		for _, f := range []*Figures{&r.Totals, &pl.Figures, &pr.Figures, &ac.Figures, &cu.Figures} {
			if err := f.add(sv.Revenue, hours, cost, known); err != nil {
				return nil, err
			}
		}
	}
	err := r.Totals.settle()
	if err != nil {
		return nil, err
	}
	if r.Plans, err = rows(plans, func(p *PlanRow) *Figures { return &p.Figures }, func(a, b *PlanRow) int {
		return cmp.Or(cmp.Compare(a.ProviderType, b.ProviderType), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}); err != nil {
		return nil, err
	}
	if r.Providers, err = rows(providers, func(p *ProviderRow) *Figures { return &p.Figures }, func(a, b *ProviderRow) int {
		return cmp.Compare(a.Type, b.Type)
	}); err != nil {
		return nil, err
	}
	if r.Accounts, err = rows(accounts, func(a *AccountRow) *Figures { return &a.Figures }, func(a, b *AccountRow) int {
		return cmp.Or(cmp.Compare(a.ProviderType, b.ProviderType), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}); err != nil {
		return nil, err
	}
	r.Customers, err = rows(customers, func(c *CustomerRow) *Figures { return &c.Figures }, func(a, b *CustomerRow) int {
		return cmp.Or(cmp.Compare(a.Email, b.Email), cmp.Compare(a.ID, b.ID))
	})
	return r, err
}

// rows settles a group's figures and sorts it.
func rows[K comparable, R any](m map[K]R, figures func(R) *Figures, order func(a, b R) int) ([]R, error) {
	out := make([]R, 0, len(m))
	for _, row := range m {
		if err := figures(row).settle(); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	slices.SortFunc(out, order)
	return out, nil
}

// serverCost is a server's hours in the month and their cost; known is
// false when the cost cannot be told (hours it ran, at no known price).
func serverCost(sv *store.RevenueServer, price SizePrice, priced bool, from, to, now time.Time) (hours, cost int64, known bool, err error) {
	if sv.ActiveAt == nil {
		return 0, 0, true, nil // it never ran
	}
	end := now
	if sv.DeletedAt != nil && sv.DeletedAt.Before(end) {
		end = *sv.DeletedAt
	}
	hours = Hours(*sv.ActiveAt, end, from, to)
	switch {
	case hours == 0:
		return 0, 0, true, nil
	case !priced:
		return hours, 0, false, nil
	}
	cost, err = Cost(hours, price)
	return hours, cost, err == nil, err
}

// planRow is a plan's row with its flag, before its figures.
func planRow(sv *store.RevenueServer, price SizePrice, priced bool) *PlanRow {
	p := &webrana.Plan{ID: sv.PlanID, Name: sv.PlanName, ProviderType: sv.ProviderType, SizeSlug: sv.SizeSlug,
		PriceHourly: sv.PriceHourly, PriceMonthly: sv.PriceMonthly, Currency: sv.Currency}
	row := &PlanRow{ID: p.ID, Name: p.Name, ProviderType: p.ProviderType, SizeSlug: p.SizeSlug,
		PriceMonthly: p.PriceMonthly, PriceHourly: p.PriceHourly, PlanCurrency: p.Currency}
	if priced {
		monthly, hourly := price.Monthly, price.HourlyMinor()
		row.ProviderPriceMonthly, row.ProviderPriceHourly = &monthly, &hourly
		row.BelowCost, _ = BelowCost(p, price)
	}
	return row
}

// add counts one server in f, with checked sums.
func (f *Figures) add(revenue, hours, cost int64, known bool) error {
	var err error
	if f.Revenue, err = webrana.AddMoney(f.Revenue, revenue); err != nil {
		return err
	}
	if known {
		if f.knownCost, err = webrana.AddMoney(f.knownCost, cost); err != nil {
			return err
		}
	} else {
		f.UnknownCost++
	}
	f.Servers++
	f.Hours += hours // at most 744 a server
	return nil
}

// settle sets the cost and margin once every server is counted: known
// only when every server's cost is.
func (f *Figures) settle() error {
	f.Cost, f.Margin = nil, nil
	if f.UnknownCost > 0 {
		return nil
	}
	margin, err := webrana.SubMoney(f.Revenue, f.knownCost)
	if err != nil {
		return err
	}
	cost := f.knownCost
	f.Cost, f.Margin = &cost, &margin
	return nil
}

// Negative reports whether the margin is known and below zero (the page
// highlights it).
func (f Figures) Negative() bool { return f.Margin != nil && *f.Margin < 0 }
