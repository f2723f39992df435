package pages

import (
	"time"

	"github.com/webrana/webrana"
)

// Date formats a time for tables: day and minute, in UTC.
func Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// DatePtr formats an optional time.
func DatePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return Date(*t)
}

// Price formats an amount of minor units.
func Price(amount int64, currency string) string {
	return webrana.Money{Amount: amount, Currency: currency}.String()
}
