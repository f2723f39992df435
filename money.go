package webrana

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The money limits. Every amount is an int64 of minor units, so every sum
// and product must stay within ±9,223,372,036,854,775,807 (about 9.2e18).
// Amounts are bounded where they enter (the API, the forms, and the store
// as the last guard), far enough inside that range that nothing Webrana
// computes from them can leave it:
//
//   - MaxAmount bounds every price (monthly and hourly) and so every hold
//     and charge, and every single ledger entry: 1,000,000,000.00 in the
//     currency's major units, room for any server in any common currency
//     (one at 20,000 USD a month is about 3.2e10 in Indonesian rupiah's
//     minor units). The first day's price, 24 hours at the hourly price,
//     is at most 2.4e12.
//   - MaxBalance bounds what a credit may bring a balance to. A balance
//     rises above it only by holds coming back and refunds (each at most
//     MaxAmount, one per order). It falls by holds only while it covers
//     them, and otherwise by charges, which the monthly cap limits to
//     twice MaxAmount per server and calendar month (the month's hours
//     plus a first day). From MaxBalance down to the int64 floor there is
//     room for 4.6e7 such server-months at the highest price: a thousand
//     servers unpaid for 3,800 years, where dunning deletes them after
//     weeks. Both engines refuse a sum that would leave int64 anyway (an
//     error, never a wrapped number).
//   - MaxCredit bounds one operator's credit (100,000.00), so that a typo
//     cannot mint a fortune; it is policy, well inside MaxAmount.
const (
	MaxAmount  int64 = 100_000_000_000
	MaxBalance int64 = 10_000_000_000_000
	MaxCredit  int64 = 10_000_000
)

// The ranges an input amount must fall in, with the message that says so.
var (
	PriceRange  = AmountRange{Min: 1, Max: MaxAmount}
	CreditRange = AmountRange{Min: 1, Max: MaxCredit}
)

// AmountRange is the range an input amount must fall in.
type AmountRange struct{ Min, Max int64 }

// Check returns nil if v is in the range, else the field's error giving the
// range, in major and minor units.
func (r AmountRange) Check(field string, v int64) error {
	if v < r.Min || v > r.Max {
		return r.Error(field)
	}
	return nil
}

// Error is the field's error giving the range: what an amount outside it,
// or a number that is no amount at all, is told.
func (r AmountRange) Error(field string) error {
	return FieldError(field, "%s must be from %s to %s (%d to %d in minor units, such as cents).",
		field, FormatMajor(r.Min), FormatMajor(r.Max), r.Min, r.Max)
}

// CheckPrices validates a plan's prices: each in PriceRange, and the hourly
// price no more than the monthly. A plan whose prices pass can be ordered
// and billed without any sum or product overflowing.
func CheckPrices(hourly, monthly int64) error {
	if err := PriceRange.Check("price_monthly", monthly); err != nil {
		return err
	}
	if err := PriceRange.Check("price_hourly", hourly); err != nil {
		return err
	}
	if hourly > monthly {
		return FieldError("price_hourly", "price_hourly cannot exceed price_monthly.")
	}
	return nil
}

// ErrOverflow is returned by the checked arithmetic when a result would not
// fit in an int64. The limits above make it unreachable from valid input; an
// overflow is a bug, reported as an internal error instead of a wrong amount.
var ErrOverflow = errors.New("webrana: money computation overflows int64")

// AddMoney returns a+b, or ErrOverflow.
func AddMoney(a, b int64) (int64, error) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		return 0, fmt.Errorf("%d + %d: %w", a, b, ErrOverflow)
	}
	return s, nil
}

// SubMoney returns a-b, or ErrOverflow.
func SubMoney(a, b int64) (int64, error) {
	d := a - b
	if (b > 0 && d > a) || (b < 0 && d < a) {
		return 0, fmt.Errorf("%d - %d: %w", a, b, ErrOverflow)
	}
	return d, nil
}

// MulMoney returns a×b, or ErrOverflow.
func MulMoney(a, b int64) (int64, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, fmt.Errorf("%d × %d: %w", a, b, ErrOverflow)
	}
	return p, nil
}

// FormatMajor writes minor units in major units with two decimals, as
// people read amounts: "12.34", "-0.05". Every int64 is written exactly.
func FormatMajor(minor int64) string {
	sign, u := "", uint64(minor)
	if minor < 0 {
		sign, u = "-", -u // two's complement: right for math.MinInt64 too
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// ParseMajor reads an amount typed in major units ("12", "12.5", "12.34")
// as minor units. ok is false unless s is digits with at most two after a
// point (no sign, no spaces: callers trim). An amount beyond int64 reads as
// math.MaxInt64, which every range refuses with its message.
func ParseMajor(s string) (minor int64, ok bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if !isDigits(whole) || dot && (!isDigits(frac) || len(frac) > 2) {
		return 0, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil { // digits only, so too large
		return math.MaxInt64, true
	}
	cents, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if minor, err = MulMoney(n, 100); err == nil {
		minor, err = AddMoney(minor, cents)
	}
	if err != nil {
		return math.MaxInt64, true
	}
	return minor, true
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MonthLayout is how a month is written, in the API and in invoices:
// "2026-11".
const MonthLayout = "2006-01"

// MonthOf is the first instant of t's calendar month, in UTC: a server's
// monthly price caps what it is charged in a calendar month, as the
// providers bill.
func MonthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
