package pages

import (
	"strings"
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

// SecretSetting reports whether a StackScript field holds a secret by its
// name (Linode's One-Click apps name them *_password, token_*, *_secret):
// it is typed into a password input and never shown back in the review.
func SecretSetting(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "pass") || strings.Contains(n, "token") || strings.Contains(n, "secret")
}
