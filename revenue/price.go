package revenue

import (
	"fmt"
	"math"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// ProviderCurrency is the currency the providers bill in, and so the one
// their catalogs' prices are in (cloud.Size).
const ProviderCurrency = "USD"

// MicrosPerMinor is how many millionths of a major unit make one minor
// unit: a size's hourly price is kept in millionths (0.00893 USD is 8,930),
// the precision the providers publish it with (DigitalOcean five decimals,
// Linode three), so that a month of hours is priced before it is rounded.
const MicrosPerMinor = 10_000

// SizePrice is a provider size's price in integer units of ProviderCurrency.
type SizePrice struct {
	Hourly  int64 // millionths of a major unit (micro-dollars)
	Monthly int64 // minor units (cents): what a whole month costs at most
}

// HourlyMinor is the hourly price in minor units, with its fraction (for
// showing it: 0.893 cents).
func (p SizePrice) HourlyMinor() float64 { return float64(p.Hourly) / MicrosPerMinor }

// PriceOf is a catalog size's price in integer units: the hourly price
// rounded to the nearest millionth and the monthly price to the nearest
// cent (halves away from zero). ok is false when the catalog does not
// really price the size: a price missing (zero), negative, not a number,
// or beyond webrana.MaxAmount; its cost is then unknown, never zero.
func PriceOf(z *cloud.Size) (p SizePrice, ok bool) {
	monthly, ok1 := units(z.PriceMonthly, 100, webrana.MaxAmount)
	hourly, ok2 := units(z.PriceHourly, 100*MicrosPerMinor, webrana.MaxAmount*MicrosPerMinor)
	if !ok1 || !ok2 || monthly == 0 || hourly == 0 {
		return SizePrice{}, false
	}
	return SizePrice{Hourly: hourly, Monthly: monthly}, true
}

// units converts a price in major units to integer units (per of them in a
// major unit), rounded to the nearest; ok is false outside 0 to max.
func units(major float64, per, max int64) (int64, bool) {
	v := math.Round(major * float64(per))
	if math.IsNaN(v) || v < 0 || v > float64(max) {
		return 0, false
	}
	return int64(v), true
}

// Hours is how many hours a server that ran from start to end (its
// deletion, or now) is billed in the month [from, to): its started hours,
// counted from start, each in the month it starts in — as the providers
// and Webrana's meter count them. A server running all of a 30-day month
// is billed 720 hours there, and its hour that starts at 23:30 on the
// month's last day belongs to that month.
func Hours(start, end, from, to time.Time) int64 {
	limit := end
	if to.Before(limit) {
		limit = to
	}
	if !limit.After(start) {
		return 0
	}
	first := int64(0) // the first of its hours that starts in the month
	if from.After(start) {
		first = ceilHours(from.Sub(start))
	}
	return max(0, ceilHours(limit.Sub(start))-first)
}

// ceilHours is d in hours, rounded up (d > 0).
func ceilHours(d time.Duration) int64 {
	return int64((d + time.Hour - 1) / time.Hour)
}

// Cost is what a provider charges for hours of a size in one month: hours
// at the hourly price, rounded to the nearest cent (half up) once for the
// month, and never more than the monthly price — the providers' monthly
// cap. Checked arithmetic: an overflow is an error, never a wrong amount.
func Cost(hours int64, p SizePrice) (int64, error) {
	if hours < 0 {
		return 0, fmt.Errorf("cost of %d hours: a server runs no negative hours", hours)
	}
	micros, err := webrana.MulMoney(hours, p.Hourly)
	if err != nil {
		return 0, err
	}
	cost := micros / MicrosPerMinor
	if micros%MicrosPerMinor >= MicrosPerMinor/2 {
		cost++
	}
	return min(cost, p.Monthly), nil
}

// BelowCost reports whether a plan sells below its size's price: its
// monthly price below the size's monthly price, or its hourly price below
// the size's hourly price. Only a plan in ProviderCurrency can be compared
// (Webrana keeps no exchange rates); comparable is false for another.
func BelowCost(p *webrana.Plan, size SizePrice) (below, comparable bool) {
	if p.Currency != ProviderCurrency {
		return false, false
	}
	hourly, err := webrana.MulMoney(p.PriceHourly, MicrosPerMinor)
	if err != nil { // beyond any provider's price
		return false, true
	}
	return p.PriceMonthly < size.Monthly || hourly < size.Hourly, true
}

// Warning is what an operator is told about a plan that sells below its
// size's price, "" when it does not.
func Warning(p *webrana.Plan, size SizePrice) string {
	if below, _ := BelowCost(p, size); !below {
		return ""
	}
	return fmt.Sprintf("Plan %q sells below its provider's price: %s %s a month and %s an hour, where %s charges %s %s a month and %s an hour for %s. Each of its servers may cost more than it earns.",
		p.Name, webrana.FormatMajor(p.PriceMonthly), p.Currency, webrana.FormatMajor(p.PriceHourly),
		p.ProviderType, webrana.FormatMajor(size.Monthly), ProviderCurrency, formatMicros(size.Hourly), p.SizeSlug)
}

// formatMicros writes millionths of a major unit as a decimal without
// trailing zeros beyond cents: 8930 → "0.00893".
func formatMicros(v int64) string {
	s := fmt.Sprintf("%d.%06d", v/1_000_000, v%1_000_000)
	for s[len(s)-1] == '0' && s[len(s)-3] != '.' { // keep cents
		s = s[:len(s)-1]
	}
	return s
}
