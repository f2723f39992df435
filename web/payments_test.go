package web_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/documents/pdftest"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/payments/stripe"
	"github.com/webrana/webrana/payments/stripe/stripetest"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
	"github.com/webrana/webrana/web/webtest"
)

const webhookSecret = "whsec_webtest"

// withGateway makes the harness's card payments go through gw (nil: not
// set up).
func withGateway(t *testing.T, db *store.DB, gw payments.Gateway) func(*web.Config) {
	return func(cfg *web.Config) {
		svc, err := payments.New(db, gw, &payments.Config{BaseURL: "https://panel.example.com", Now: db.Now, Mail: cfg.Mail, Alerts: cfg.Alerts})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Payments = svc
	}
}

// stripeEngines runs fn on both engines with the Stripe driver at
// stripe-mock.
func stripeEngines(t *testing.T, fn func(t *testing.T, h *harness)) {
	api := stripetest.URL(t)
	gw, err := stripe.New("sk_test_123", webhookSecret, &stripe.Config{APIURL: api})
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			fn(t, newHarness(t, db, auth.ThrottlePolicy{}, withGateway(t, db, gw)))
		})
	}
}

type topUpOut struct {
	ID, Status, Currency string
	Amount, Refunded     int64
	CheckoutURL          string `json:"checkout_url"`
	ReceiptURL           string `json:"receipt_url"`
}

func createTopUp(t *testing.T, c *webtest.Client, amount int64) topUpOut {
	t.Helper()
	res := c.Do("POST", "/api/billing/top-ups", map[string]any{"amount": amount})
	mustStatus(t, res, 201, "create top-up")
	var out topUpOut
	res.JSON(t, &out)
	return out
}

// deliver posts a checkout.session.completed of the top-up to the public
// webhook, signed with secret at signedAt as Stripe signs it.
func deliver(h *harness, tu *webrana.TopUp, amount int64, currency, secret string, signedAt time.Time) *webtest.Response {
	payload := stripetest.Event("evt_"+tu.ID, payments.EventCheckoutCompleted, "2020-08-27", stripetest.Session{
		ID: tu.SessionID, TopUpID: tu.ID, PaymentIntent: "pi_" + strings.ReplaceAll(tu.ID, "-", ""), PaymentStatus: "paid",
		Currency: currency, Amount: amount})
	return h.client().WithHeader("Stripe-Signature", stripetest.Sign(payload, secret, signedAt)).Do("POST", "/api/webhooks/stripe", string(payload))
}

type statement struct {
	Balance struct{ Amount int64 }
	Items   []struct {
		Kind   string
		Amount int64
	}
}

func (s statement) count(kind string) int {
	n := 0
	for _, e := range s.Items {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// TestTopUpThroughStripe is issue 17's figure: a top-up through the API
// with the Stripe driver at stripe-mock, then its signed
// checkout.session.completed delivered ten times at once credits exactly
// once (one credit, the balance up by exactly the amount, one receipt
// e-mail, one audit entry); a bad signature or an old one credits nothing;
// a mismatched amount credits nothing and opens an alert; the receipt is a
// PDF for its owner only; refunds in part and in whole, never more than
// paid, even at once.
func TestTopUpThroughStripe(t *testing.T) {
	stripeEngines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.user("admin@example.com", webrana.RoleAdmin)
		h.user("ann@example.com", webrana.RoleCustomer)
		h.user("bob@example.com", webrana.RoleCustomer)
		admin, ann, bob := h.login("admin@example.com"), h.login("ann@example.com"), h.login("bob@example.com")

		out := createTopUp(t, ann, 2500)
		if out.Status != "pending" || !strings.HasPrefix(out.CheckoutURL, "https://") || out.Amount != 2500 || out.Currency != "USD" {
			t.Fatalf("top-up %+v", out)
		}
		tu, err := h.db.TopUpByID(ctx, out.ID)
		if err != nil || !strings.HasPrefix(tu.SessionID, "cs_") || tu.Gateway != "stripe" {
			t.Fatalf("stored top-up %+v (%v): want stripe-mock's checkout session", tu, err)
		}

		// Refused deliveries first: nothing changes.
		for name, res := range map[string]*webtest.Response{
			"bad signature": deliver(h, tu, 2500, "usd", "whsec_wrong", h.clock.Now()),
			"old timestamp": deliver(h, tu, 2500, "usd", webhookSecret, h.clock.Now().Add(-10*time.Minute)),
		} {
			if res.Status != 400 || res.ErrorCode() != "invalid" {
				t.Errorf("%s: %d %s, want 400", name, res.Status, res.Body)
			}
		}
		var st statement
		ann.Do("GET", "/api/billing", nil).JSON(t, &st)
		if st.Balance.Amount != 0 {
			t.Fatalf("refused deliveries credited %d", st.Balance.Amount)
		}

		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if res := deliver(h, tu, 2500, "usd", webhookSecret, h.clock.Now()); res.Status != 200 {
					t.Errorf("delivery: %d %s", res.Status, res.Body)
				}
			}()
		}
		wg.Wait()
		st = statement{}
		ann.Do("GET", "/api/billing", nil).JSON(t, &st)
		if st.Balance.Amount != 2500 || st.count("credit") != 1 {
			t.Fatalf("after 10 deliveries: balance %d, %d credits; want 2500 and 1", st.Balance.Amount, st.count("credit"))
		}
		msgs, _, err := h.outbox.List(ctx, webrana.Page{Page: 1, PerPage: 50})
		if err != nil {
			t.Fatal(err)
		}
		receipts := 0
		for _, m := range msgs {
			if m.Kind == string(mail.Receipt) {
				receipts++
			}
		}
		if receipts != 1 {
			t.Errorf("%d receipt e-mails, want 1", receipts)
		}
		if _, n, _ := h.db.ListAudit(ctx, store.AuditFilter{Action: "topup.paid"}); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}

		var got topUpOut
		ann.Do("GET", "/api/billing/top-ups/"+tu.ID, nil).JSON(t, &got)
		if got.Status != "paid" || got.ReceiptURL != payments.ReceiptPath(tu.ID) {
			t.Fatalf("paid top-up %+v", got)
		}
		res := ann.Do("GET", got.ReceiptURL, nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(res.Body), "%PDF-") ||
			!strings.Contains(pdftest.Text(res.Body), tu.ID) {
			t.Fatalf("receipt: %d %s, %.20q", res.Status, res.Header.Get("Content-Type"), res.Body)
		}
		for _, path := range []string{"/api/billing/top-ups/" + tu.ID, got.ReceiptURL} {
			if res := bob.Do("GET", path, nil); res.Status != 404 {
				t.Errorf("bob on ann's %s: %d, want 404", path, res.Status)
			}
		}
		pending := createTopUp(t, ann, 1000)
		if res := ann.Do("GET", "/api/billing/top-ups/"+pending.ID+"/receipt", nil); res.Status != 409 {
			t.Errorf("receipt of a pending top-up: %d, want 409", res.Status)
		}
		var list struct{ Total int }
		ann.Do("GET", "/api/billing/top-ups", nil).JSON(t, &list)
		if list.Total != 2 {
			t.Errorf("ann's list: %d top-ups, want 2", list.Total)
		}

		// A mismatched amount: nothing credited, an alert.
		mis, _ := h.db.TopUpByID(ctx, pending.ID)
		mustStatus(t, deliver(h, mis, 999, "usd", webhookSecret, h.clock.Now()), 200, "mismatched delivery")
		var alerts struct{ Items []struct{ Kind string } }
		admin.Do("GET", "/api/admin/alerts", nil).JSON(t, &alerts)
		if len(alerts.Items) != 1 || alerts.Items[0].Kind != webrana.AlertPaymentMismatch {
			t.Errorf("alerts %+v, want one payment_mismatch", alerts.Items)
		}

		// Refunds: part, over, the rest.
		refund := func(id string, amount int64) *webtest.Response {
			return admin.Do("POST", "/api/admin/top-ups/"+id+"/refund", map[string]any{"amount": amount})
		}
		mustStatus(t, refund(tu.ID, 1000), 201, "partial refund")
		if res := refund(tu.ID, 1501); res.Status != 400 || res.ErrorField() != "amount" {
			t.Errorf("over-refund: %d %s", res.Status, res.Body)
		}
		mustStatus(t, refund(tu.ID, 1500), 201, "the rest")
		if res := ann.Do("POST", "/api/admin/top-ups/"+tu.ID+"/refund", map[string]any{"amount": 1}); res.Status != 403 {
			t.Errorf("a customer refunding: %d", res.Status)
		}
		st = statement{}
		ann.Do("GET", "/api/billing", nil).JSON(t, &st)
		if st.Balance.Amount != 0 || st.count(webrana.LedgerPaymentRefund) != 2 {
			t.Fatalf("after refunds: balance %d, %d payment refunds", st.Balance.Amount, st.count(webrana.LedgerPaymentRefund))
		}

		// Concurrent refunds of a new 25.00 top-up, 10.00 each: two go through.
		second := createTopUp(t, ann, 2500)
		tu2, _ := h.db.TopUpByID(ctx, second.ID)
		mustStatus(t, deliver(h, tu2, 2500, "usd", webhookSecret, h.clock.Now()), 200, "second payment")
		var ok atomic.Int32
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch res := refund(tu2.ID, 1000); res.Status {
				case 201:
					ok.Add(1)
				case 400, 409:
				default:
					t.Errorf("concurrent refund: %d %s", res.Status, res.Body)
				}
			}()
		}
		wg.Wait()
		tu2, _ = h.db.TopUpByID(ctx, second.ID)
		if ok.Load() != 2 || tu2.Refunded != 2000 {
			t.Fatalf("%d concurrent refunds went through, %d refunded; want 2 and 2000", ok.Load(), tu2.Refunded)
		}
		var ops struct {
			Total int
			Items []struct{ Email string }
		}
		admin.Do("GET", "/api/admin/top-ups", nil).JSON(t, &ops)
		if ops.Total != 3 {
			t.Errorf("operators see %d top-ups, want 3", ops.Total)
		}
		for _, it := range ops.Items {
			if it.Email != "ann@example.com" {
				t.Errorf("operators see a top-up of %q, want the customer's e-mail", it.Email)
			}
		}
	})
}

// TestTopUpsNotSetUp: without a gateway the top-up API answers 409 with
// what to do, the webhook takes nothing, and the billing page hides the
// form.
func TestTopUpsNotSetUp(t *testing.T) {
	db := storetest.OpenSQLite(t)
	h := newHarness(t, db, auth.ThrottlePolicy{}, withGateway(t, db, nil))
	h.user("ann@example.com", webrana.RoleCustomer)
	ann := h.login("ann@example.com")
	res := ann.Do("POST", "/api/billing/top-ups", map[string]any{"amount": 1000})
	if res.Status != 409 || !strings.Contains(res.ErrorMessage(), "Card payments are not set up") {
		t.Fatalf("top-up unconfigured: %d %s", res.Status, res.Body)
	}
	if res := h.client().Do("POST", "/api/webhooks/stripe", `{}`); res.Status != 409 {
		t.Fatalf("webhook unconfigured: %d %s", res.Status, res.Body)
	}
	page := signIn(t, h, "ann@example.com").Do("GET", "/billing", nil)
	pageHas(t, page, "billing page", `id="top-up-off"`)
	if strings.Contains(string(page.Body), `id="top-up-form"`) {
		t.Fatal("the top-up form is shown without card payments")
	}
}

// TestWebhookRefusesWithoutChange: a delivery over 64 KiB is 413, one
// without a valid signature 400; the Stripe driver's top-ups have no test
// checkout page.
func TestWebhookRefusesWithoutChange(t *testing.T) {
	h := sqliteHarness(t)
	anon := h.client()
	if res := anon.Do("POST", "/api/webhooks/stripe", `{"id":"`+strings.Repeat("x", 70<<10)+`"}`); res.Status != 413 {
		t.Fatalf("a 70 KiB delivery: %d %s", res.Status, res.Body)
	}
	if res := anon.WithHeader("Stripe-Signature", "t=1,v1=00").Do("POST", "/api/webhooks/stripe", `{"type":"checkout.session.completed"}`); res.Status != 400 {
		t.Fatalf("a forged delivery: %d %s", res.Status, res.Body)
	}
	db := storetest.OpenSQLite(t)
	gw, err := stripe.New("sk_test_1", webhookSecret, &stripe.Config{APIURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, db, auth.ThrottlePolicy{}, withGateway(t, db, gw))
	hs.user("ann@example.com", webrana.RoleCustomer)
	if res := signIn(t, hs, "ann@example.com").Do("GET", "/billing/top-ups/x/pay", nil); res.Status != 404 {
		t.Fatalf("test checkout page with Stripe: %d", res.Status)
	}
	if res := hs.login("ann@example.com").Do("POST", "/api/billing/top-ups", map[string]any{"amount": 1000}); res.Status != 503 {
		t.Fatalf("Stripe unreachable: %d %s", res.Status, res.Body)
	}
}

// TestSandboxTopUp: the sandbox's whole flow through the pages: the form's
// preset amount goes to the test checkout page, one click pays it through
// the webhook path, the balance is credited and the receipt listed.
func TestSandboxTopUp(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("ann@example.com", webrana.RoleCustomer)
		c := signIn(t, h, "ann@example.com")
		page := c.Do("GET", "/billing", nil)
		pageHas(t, page, "billing page", `id="top-up-form"`, `id="top-up-2500"`)
		csrf := hiddenCSRF(t, page)

		res := c.PostForm("/billing/top-ups", url.Values{"csrf_token": {csrf}, "custom": {"4.99"}})
		if res.Status != 400 || !strings.Contains(string(res.Body), "amount must be from 5.00") {
			t.Fatalf("custom amount below the minimum: %d", res.Status)
		}
		res = c.PostForm("/billing/top-ups", url.Values{"csrf_token": {csrf}, "amount": {"2500"}})
		mustStatus(t, res, 303, "top-up form")
		pay := res.Header.Get("Location")
		if !strings.HasPrefix(pay, "/billing/top-ups/") || !strings.HasSuffix(pay, "/pay") {
			t.Fatalf("checkout at %q, want the sandbox's pay page", pay)
		}
		page = c.Do("GET", pay, nil)
		pageHas(t, page, "pay page", `id="pay-test-submit"`, "25.00 USD")
		mustStatus(t, c.PostForm(pay, url.Values{"csrf_token": {hiddenCSRF(t, page)}}), 303, "pay (test)")
		page = c.Do("GET", "/billing", nil)
		pageHas(t, page, "billing after paying", "25.00 USD", `data-status="paid"`, "Receipt (PDF)")
		var st statement
		c.Do("GET", "/api/billing", nil).JSON(t, &st)
		if st.Balance.Amount != 2500 || st.count("credit") != 1 {
			t.Fatalf("balance %d after the test payment", st.Balance.Amount)
		}
		receipt := c.Do("GET", "/api/billing/top-ups/"+strings.TrimSuffix(strings.TrimPrefix(pay, "/billing/top-ups/"), "/pay")+"/receipt", nil)
		if receipt.Status != 200 || !strings.HasPrefix(string(receipt.Body), "%PDF-") {
			t.Fatalf("the receipt link from the page: %d", receipt.Status)
		}
		// Paying again changes nothing.
		mustStatus(t, c.PostForm(pay, url.Values{"csrf_token": {csrf}}), 303, "pay again")
		st = statement{}
		c.Do("GET", "/api/billing", nil).JSON(t, &st)
		if st.Balance.Amount != 2500 {
			t.Fatalf("balance %d after paying twice", st.Balance.Amount)
		}

		// The operator refunds part of it from the Payments page.
		h.user("op@example.com", webrana.RoleAdmin)
		op := signIn(t, h, "op@example.com")
		page = op.Do("GET", "/admin/top-ups", nil)
		pageHas(t, page, "payments page", `data-status="paid"`, "Refund to the card", "ann@example.com")
		id := strings.TrimSuffix(strings.TrimPrefix(pay, "/billing/top-ups/"), "/pay")
		res = op.PostForm("/admin/top-ups/"+id+"/refund", url.Values{"csrf_token": {hiddenCSRF(t, page)}, "amount": {"10.00"}})
		mustStatus(t, res, 303, "refund form")
		st = statement{}
		c.Do("GET", "/api/billing", nil).JSON(t, &st)
		if st.Balance.Amount != 1500 || st.count(webrana.LedgerPaymentRefund) != 1 {
			t.Fatalf("after a refund of 10.00: balance %d, %d payment refunds", st.Balance.Amount, st.count(webrana.LedgerPaymentRefund))
		}
		pageHas(t, c.Do("GET", "/billing", nil), "billing after the refund", "payment_refund", "10.00 USD refunded")
	})
}
