// Package webrana holds the domain of the Webrana VPS reseller control plane:
// the types every other package speaks (providers, accounts, plans, instances,
// orders, ledger entries, alerts, users and their credentials), the rules that
// belong to those types, and the Error type with its codes.
//
// It imports no database, provider SDK or HTTP code; those live in packages
// named for what they hold (store, jobs, web, secrets) and are wired together
// in cmd/webrana.
package webrana

import "time"

// Now returns the current time in UTC truncated to microseconds, the precision
// both databases keep, so a value read back equals the value written. Components
// take a Now func (defaulting to this) so tests can inject a clock.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// NowFrom reads an injected clock, or Now when none was injected. The
// constructors fill their clocks once; this reads one that may be nil.
func NowFrom(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return Now()
}

// Money is an amount in integer minor units of a currency (cents for USD).
// Floats never hold money anywhere in Webrana.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// String formats m for people: "12.34 USD", "-0.05 USD".
func (m Money) String() string {
	return FormatMajor(m.Amount) + " " + m.Currency
}

// BillingCurrency is the currency Webrana bills in: balances, credits and
// dunning are kept in it, and new plans and orders are priced in it unless
// they name another. It is a domain setting, one per installation, read
// from here by every package; a constant until an installation needs
// another, then a setting with this default.
const BillingCurrency = "USD"

// Page selects a window of a list. Zero values mean the defaults.
type Page struct {
	Page    int // 1-based
	PerPage int
}

// Page size bounds shared by every list endpoint (DESIGN.md §9).
const (
	DefaultPerPage = 50
	MaxPerPage     = 200
)

// Normalize fills defaults and clamps PerPage to MaxPerPage.
func (p Page) Normalize() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	switch {
	case p.PerPage < 1:
		p.PerPage = DefaultPerPage
	case p.PerPage > MaxPerPage:
		p.PerPage = MaxPerPage
	}
	return p
}

// Offset is the number of rows before this page.
func (p Page) Offset() int {
	p = p.Normalize()
	return (p.Page - 1) * p.PerPage
}
