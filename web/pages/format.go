package pages

import (
	"strconv"
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

// Memory shows megabytes as people read them: gigabytes from 1 GB up.
func Memory(mb int) string {
	switch {
	case mb >= 1024 && mb%1024 == 0:
		return strconv.Itoa(mb/1024) + " GB"
	case mb >= 1024:
		return strconv.FormatFloat(float64(mb)/1024, 'f', 1, 64) + " GB"
	}
	return strconv.Itoa(mb) + " MB"
}

// Transfer shows a monthly transfer allowance: terabytes from 1 TB up.
func Transfer(gb int) string {
	if gb >= 1000 && gb%1000 == 0 {
		return strconv.Itoa(gb/1000) + " TB"
	}
	return strconv.Itoa(gb) + " GB"
}

// Count writes a number with thousands separated: 100,000.
func Count(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}

// Total writes a list's total, "about" one the database estimated.
func Total(n int, estimated bool) string {
	if estimated {
		return "about " + Count(n)
	}
	return Count(n)
}
