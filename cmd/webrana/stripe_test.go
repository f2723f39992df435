package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana/documents/pdftest"
	"github.com/webrana/webrana/mail/mailtest"
	"github.com/webrana/webrana/payments/stripe/stripetest"
	"github.com/webrana/webrana/store/storetest"
)

const stripeWebhookSecret = "whsec_e2e_webrana"

// TestCardTopUpThroughStripe runs issue 17's payment path from outside, on
// both engines: the binary, configured with Stripe's settings, creates the
// Checkout Session at stripe-mock; the signed checkout.session.completed is
// delivered over HTTP ten times at once and credits exactly once, with one
// receipt e-mail received over SMTP and a receipt PDF holding the top-up's
// id and amount; a forged delivery is 400 and credits nothing.
func TestCardTopUpThroughStripe(t *testing.T) {
	stripeURL := stripetest.URL(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			smtp := mailtest.Start(t, nil)
			vars := map[string]string{"STRIPE_SECRET_KEY": "sk_test_e2e", "STRIPE_WEBHOOK_SECRET": stripeWebhookSecret,
				"STRIPE_API_URL": stripeURL, "WEBRANA_SMTP_ADDR": smtp.Addr, "WEBRANA_SMTP_FROM": "panel@example.com"}
			if engine == "postgres" {
				vars["WEBRANA_DATABASE_URL"] = storetest.PostgresURL(t, false)
				vars["WEBRANA_SANDBOX"] = "1"
			}
			r := newOrderRig(t, vars)
			before := r.balance()

			res := r.customer.Do("POST", "/api/billing/top-ups", map[string]any{"amount": 2500})
			if res.Status != 201 {
				t.Fatalf("top-up: %d %s", res.Status, res.Body)
			}
			var tu struct {
				ID, Status  string
				CheckoutURL string `json:"checkout_url"`
			}
			res.JSON(t, &tu)
			if tu.Status != "pending" || !strings.HasPrefix(tu.CheckoutURL, "https://") {
				t.Fatalf("top-up %+v: want pending with Stripe's checkout page", tu)
			}

			event := stripetest.Event("evt_e2e_"+tu.ID, "checkout.session.completed", "2020-08-27", stripetest.Session{
				ID: "cs_test_e2e", TopUpID: tu.ID, PaymentIntent: "pi_e2e", PaymentStatus: "paid", Currency: "usd", Amount: 2500})
			if status := deliver(t, r, event, stripetest.Sign(event, "whsec_forged", time.Now())); status != 400 {
				t.Fatalf("a forged delivery: %d, want 400", status)
			}
			if b := r.balance(); b != before {
				t.Fatalf("a forged delivery credited: balance %d, was %d", b, before)
			}

			var wg sync.WaitGroup
			statuses := make([]int, 10)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = deliver(t, r, event, stripetest.Sign(event, stripeWebhookSecret, time.Now()))
				}()
			}
			wg.Wait()
			for i, s := range statuses {
				if s != 200 {
					t.Errorf("delivery %d: %d, want 200", i, s)
				}
			}
			if b := r.balance(); b != before+2500 {
				t.Fatalf("balance %d after ten deliveries, want exactly %d", b, before+2500)
			}

			in := &inbox{t: t, srv: smtp}
			m := in.await("demo@webrana.local", "Your Webrana receipt")
			if !strings.Contains(m.Text, "25.00") {
				t.Errorf("the receipt e-mail does not say the amount:\n%s", m.Text)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			for { // nothing else arrives for it: one receipt for one payment
				extra, err := smtp.Next(ctx)
				if err != nil {
					break
				}
				if strings.Contains(extra.Subject, "receipt") {
					t.Fatalf("a second receipt: %q", extra.Subject)
				}
			}

			pdf := r.customer.Do("GET", "/api/billing/top-ups/"+tu.ID+"/receipt", nil)
			if pdf.Status != 200 || !pdftest.IsPDF(pdf.Body) {
				t.Fatalf("receipt: %d %.40q", pdf.Status, pdf.Body)
			}
			if text := pdftest.Text(pdf.Body); !strings.Contains(text, tu.ID) || !strings.Contains(text, "25.00") {
				t.Errorf("the receipt's text lacks the top-up's id or amount:\n%s", text)
			}
			if other := r.admin.Do("GET", "/api/billing/top-ups/"+tu.ID+"/receipt", nil); other.Status != 404 {
				t.Errorf("someone else's receipt: %d, want 404", other.Status)
			}
		})
	}
}

// deliver posts one webhook delivery as Stripe does and returns the status.
func deliver(t *testing.T, r *orderRig, payload []byte, signature string) int {
	req, err := http.NewRequest("POST", "http://"+r.Addr()+"/api/webhooks/stripe", bytes.NewReader(payload))
	if err != nil {
		t.Error(err)
		return 0
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(fmt.Errorf("deliver: %w", err))
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}
