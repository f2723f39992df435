package main

import (
	"context"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
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

// TestSandboxTopUpResumesSuspendedServers: in the sandbox a customer whose
// servers were suspended for an unpaid balance tops up through the test
// gateway (the pay page's one click, through the webhook path); the credit
// wakes the billing cycle at once, which powers the servers on again and
// ends the sequence, without waiting for its hourly run.
func TestSandboxTopUpResumesSuspendedServers(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		ctx := context.Background()
		id := r.waitFor(r.orderSmallDO("debtor").ID, "active").ID
		var me struct{ ID string }
		r.customer.Do("GET", "/api/me", nil).JSON(t, &me)
		if _, err := r.DB.AppendLedger(ctx, &webrana.LedgerEntry{UserID: me.ID, Kind: webrana.LedgerCharge,
			Amount: -(r.balance() + 500), Currency: "USD", Note: "usage"}); err != nil {
			t.Fatal(err)
		}
		clk := &dunningClock{t: time.Now().UTC()}
		dc := r.dunningConfig()
		dc.Now = clk.Now
		d := billing.NewDunning(r.DB, r.Servers, dc)
		if err := d.Run(ctx); err != nil { // warned
			t.Fatal(err)
		}
		clk.t = clk.t.Add(72*time.Hour + time.Minute)
		if err := d.Run(ctx); err != nil { // suspended
			t.Fatal(err)
		}
		r.waitFor(id, "suspended")
		deadline := time.Now().Add(time.Minute)
		for { // the suspension's power-off completes first
			var list struct{ Items []actionJSON }
			r.customer.Do("GET", "/api/vps/"+id+"/actions", nil).JSON(t, &list)
			if len(list.Items) > 0 && list.Items[0].Type == "power_off" && list.Items[0].Status == "completed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("suspension's power-off never completed: %+v", list.Items)
			}
			time.Sleep(10 * time.Millisecond) // polling an outcome
		}

		res := r.customer.Do("POST", "/api/billing/top-ups", map[string]any{"amount": 5000})
		if res.Status != 201 {
			t.Fatalf("top-up: %d %s", res.Status, res.Body)
		}
		var tu struct {
			ID          string
			CheckoutURL string `json:"checkout_url"`
		}
		res.JSON(t, &tu)
		if tu.CheckoutURL != "/billing/top-ups/"+tu.ID+"/pay" {
			t.Fatalf("sandbox checkout at %q", tu.CheckoutURL)
		}
		browser := webtest.New(t, "http://"+r.Addr())
		browser.Do("GET", "/login", nil)
		res = browser.PostForm("/login", url.Values{"csrf_token": {browser.Cookie("webrana_csrf").Value},
			"email": {"demo@webrana.local"}, "password": {rigPassword}, "next": {"/"}})
		if res.Status != 303 {
			t.Fatalf("form login: %d", res.Status)
		}
		page := browser.Do("GET", tu.CheckoutURL, nil)
		m := regexp.MustCompile(`name="csrf_token" value="([^"]*)"`).FindSubmatch(page.Body)
		if page.Status != 200 || m == nil {
			t.Fatalf("pay page: %d %s", page.Status, page.Body)
		}
		if res := browser.PostForm(tu.CheckoutURL, url.Values{"csrf_token": {html.UnescapeString(string(m[1]))}}); res.Status != 303 {
			t.Fatalf("pay (test): %d %s", res.Status, res.Body)
		}
		r.waitFor(id, "active") // no one ran dunning: the credit woke it
		var bill struct {
			Balance struct{ Amount int64 }
			Dunning *struct{}
		}
		r.customer.Do("GET", "/api/billing", nil).JSON(t, &bill)
		if bill.Dunning != nil || bill.Balance.Amount < 0 {
			t.Fatalf("after the top-up: %+v", bill)
		}
		entries, _, err := r.DB.ListAudit(ctx, store.AuditFilter{TargetID: me.ID})
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, e := range entries {
			steps = append(steps, e.Action)
		}
		for _, want := range []string{"topup.paid", "billing.restored"} {
			if !slices.Contains(steps, want) {
				t.Errorf("audit log %v lacks %s", steps, want)
			}
		}
	})
}
