package main

import (
	"io"
	"strings"
	"testing"
)

// TestPaymentSettings: Stripe's two secrets go together, STRIPE_API_URL
// is a URL, and one top-up's bounds are amounts in order within what an
// operator may credit; the defaults are 5.00 to 1,000.00.
func TestPaymentSettings(t *testing.T) {
	for _, c := range []struct {
		name     string
		env      map[string]string
		err      string
		min, max int64
	}{
		{"defaults", nil, "", 500, 100000},
		{"both secrets", map[string]string{"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1", "STRIPE_API_URL": "http://127.0.0.1:12111"}, "", 500, 100000},
		{"key alone", map[string]string{"STRIPE_SECRET_KEY": "sk_test_1"}, "STRIPE_WEBHOOK_SECRET", 0, 0},
		{"secret alone", map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_1"}, "STRIPE_SECRET_KEY", 0, 0},
		{"API URL without keys", map[string]string{"STRIPE_API_URL": "http://127.0.0.1:1"}, "STRIPE_API_URL", 0, 0},
		{"API URL not a URL", map[string]string{"STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh", "STRIPE_API_URL": "ftp://x"}, "STRIPE_API_URL", 0, 0},
		{"bounds", map[string]string{"WEBRANA_TOP_UP_MIN": "10", "WEBRANA_TOP_UP_MAX": "250.50"}, "", 1000, 25050},
		{"minimum above maximum", map[string]string{"WEBRANA_TOP_UP_MIN": "100", "WEBRANA_TOP_UP_MAX": "50"}, "WEBRANA_TOP_UP_MIN", 0, 0},
		{"not an amount", map[string]string{"WEBRANA_TOP_UP_MIN": "-5"}, "WEBRANA_TOP_UP_MIN", 0, 0},
		{"beyond an operator's credit", map[string]string{"WEBRANA_TOP_UP_MAX": "100000.01"}, "WEBRANA_TOP_UP_MAX", 0, 0},
	} {
		cfg, err := LoadConfig("test", nil, testEnv(c.env), io.Discard)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err == "" && (cfg.TopUpMin != c.min || cfg.TopUpMax != c.max):
			t.Errorf("%s: bounds %d to %d, want %d to %d", c.name, cfg.TopUpMin, cfg.TopUpMax, c.min, c.max)
		}
	}
}
