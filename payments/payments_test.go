package payments_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/queuetest"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/payments/stripe"
	"github.com/webrana/webrana/payments/stripe/stripetest"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

const secret = "whsec_test_secret"

// edge is a gateway at the true edge of the tests: checkouts and refunds
// answered here (the Stripe driver has its own tests against stripe-mock),
// events verified by the Stripe driver's own code with secret.
type edge struct {
	failCheckout, failRefund  atomic.Bool
	loseRefund, declineRefund atomic.Bool // made but its answer lost; refused
	refunds                   atomic.Int64
	mu                        sync.Mutex
	keys                      map[string]bool
}

func (g *edge) Name() string { return "stripe" }
func (g *edge) Checkout(_ context.Context, r payments.CheckoutRequest) (*payments.Session, error) {
	if g.failCheckout.Load() {
		return nil, errors.New("connection refused")
	}
	return &payments.Session{ID: "cs_" + r.TopUpID, URL: "https://checkout.example.com/" + r.TopUpID}, nil
}
func (g *edge) Refund(_ context.Context, r payments.RefundRequest) (*payments.RefundResult, error) {
	if g.failRefund.Load() {
		return nil, errors.New("stripe: 500")
	}
	if g.declineRefund.Load() {
		return nil, webrana.Errorf(webrana.EINVALID, "Charge has been disputed.")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.keys[r.IdempotencyKey] { // the same key again answers the first refund, as Stripe does
		g.keys[r.IdempotencyKey] = true
		g.refunds.Add(r.Amount)
	}
	if g.loseRefund.Load() {
		return nil, errors.New("stripe: read tcp: i/o timeout")
	}
	return &payments.RefundResult{ID: "re_" + r.IdempotencyKey, Status: "succeeded"}, nil
}
func (g *edge) Event(payload []byte, h http.Header, now time.Time) (*payments.Event, error) {
	return stripe.ParseEvent(payload, h.Get("Stripe-Signature"), secret, now)
}

// jobsSeen records the jobs enqueued.
type jobsSeen struct {
	mu    sync.Mutex
	kinds []string
}

func (j *jobsSeen) InsertTx(_ context.Context, _ *store.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.kinds = append(j.kinds, args.Kind())
	return nil
}

type rig struct {
	db       *store.DB
	svc      *payments.Service
	gw       *edge
	mail     *queuetest.Recorder
	jobs     *jobsSeen
	now      time.Time
	customer *webrana.User
	admin    *webrana.User
}

func engines(t *testing.T, fn func(t *testing.T, r *rig)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newRig(t, storetest.OpenSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newRig(t, storetest.OpenPostgres(t))) })
}

func newRig(t *testing.T, db *store.DB) *rig {
	r := &rig{db: db, gw: &edge{keys: map[string]bool{}}, mail: queuetest.New(db), jobs: &jobsSeen{},
		now: time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return r.now }
	r.customer = r.user(t, "cus@example.com", webrana.RoleCustomer, true)
	r.admin = r.user(t, "op@example.com", webrana.RoleAdmin, true)
	svc, err := payments.New(db, r.gw, &payments.Config{BaseURL: "https://panel.example.com/", Now: db.Now, Mail: r.mail,
		Alerts: alerts.New(db, nil, nil, nil), Queue: r.jobs})
	if err != nil {
		t.Fatal(err)
	}
	r.svc = svc
	return r
}

func (r *rig) user(t *testing.T, email string, role webrana.Role, verified bool) *webrana.User {
	t.Helper()
	u := &webrana.User{Email: email, Role: role, PasswordHash: "argon2id$x", EmailVerified: verified}
	must(t, r.db.CreateUser(context.Background(), u))
	return u
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (r *rig) balance(t *testing.T) int64 {
	t.Helper()
	b, err := r.db.Balance(context.Background(), r.customer.ID, "USD")
	must(t, err)
	return b.Amount
}

// deliver signs payload at signedAt (as Stripe does) and hands it to the
// webhook.
func (r *rig) deliver(payload []byte, signWith string, signedAt time.Time) error {
	h := http.Header{}
	h.Set("Stripe-Signature", stripetest.Sign(payload, signWith, signedAt))
	return r.svc.Webhook(context.Background(), payload, h)
}

func completed(t *webrana.TopUp, amount int64, currency string) []byte {
	return stripetest.Event("evt_"+t.ID, payments.EventCheckoutCompleted, "2025-03-31.basil", stripetest.Session{
		ID: t.SessionID, TopUpID: t.ID, PaymentIntent: "pi_" + t.ID, PaymentStatus: "paid", Currency: currency, Amount: amount})
}

func (r *rig) topUp(t *testing.T, amount int64) *webrana.TopUp {
	t.Helper()
	tu, err := r.svc.Create(context.Background(), webrana.Actor{User: r.customer}, amount)
	must(t, err)
	return tu
}

func (r *rig) audits(t *testing.T, action string) int {
	t.Helper()
	_, n, err := r.db.ListAudit(context.Background(), store.AuditFilter{Action: action})
	must(t, err)
	return n
}

func (r *rig) credits(t *testing.T) []*webrana.LedgerEntry {
	t.Helper()
	entries, _, err := r.db.ListLedger(context.Background(), r.customer.ID, webrana.Page{Page: 1, PerPage: 200})
	must(t, err)
	var out []*webrana.LedgerEntry
	for _, e := range entries {
		if e.Kind == webrana.LedgerCredit {
			out = append(out, e)
		}
	}
	return out
}

// TestCreate: a top-up within the operator's bounds starts a checkout; one
// outside them, from someone who may not hold money, or without a
// gateway, is refused with what to do; a gateway that fails leaves the
// top-up failed and answers unavailable.
func TestCreate(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		unverified := r.user(t, "new@example.com", webrana.RoleCustomer, false)
		off, err := payments.New(r.db, nil, nil)
		must(t, err)
		for _, c := range []struct {
			name   string
			svc    *payments.Service
			by     *webrana.User
			amount int64
			code   string
			field  string
		}{
			{"the minimum", r.svc, r.customer, payments.DefaultMinTopUp, "", ""},
			{"the maximum", r.svc, r.customer, payments.DefaultMaxTopUp, "", ""},
			{"below the minimum", r.svc, r.customer, payments.DefaultMinTopUp - 1, webrana.EINVALID, "amount"},
			{"above the maximum", r.svc, r.customer, payments.DefaultMaxTopUp + 1, webrana.EINVALID, "amount"},
			{"negative", r.svc, r.customer, -500, webrana.EINVALID, "amount"},
			{"address not confirmed", r.svc, unverified, 1000, webrana.EFORBIDDEN, ""},
			{"an operator", r.svc, r.admin, 1000, webrana.EFORBIDDEN, ""},
			{"no gateway set up", off, r.customer, 1000, webrana.ECONFLICT, ""},
		} {
			tu, err := c.svc.Create(ctx, webrana.Actor{User: c.by}, c.amount)
			if webrana.ErrorCode(err) != c.code || (c.field != "" && webrana.ErrorField(err) != c.field) {
				t.Errorf("%s: err %v, want code %q field %q", c.name, err, c.code, c.field)
				continue
			}
			if c.code == "" && (tu.Status != webrana.TopUpPending || tu.CheckoutURL != "https://checkout.example.com/"+tu.ID || tu.Amount != c.amount) {
				t.Errorf("%s: %+v", c.name, tu)
			}
		}
		r.now = r.now.Add(time.Minute)
		r.gw.failCheckout.Store(true)
		if _, err := r.svc.Create(ctx, webrana.Actor{User: r.customer}, 1000); webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
			t.Fatalf("gateway down: %v, want unavailable", err)
		}
		list, total, err := r.svc.List(ctx, webrana.Actor{User: r.customer}, webrana.Page{Page: 1, PerPage: 10})
		must(t, err)
		if total != 3 || list[0].Status != webrana.TopUpFailed || list[0].Error == "" {
			t.Fatalf("after a failed checkout: %d top-ups, newest %+v", total, list[0])
		}
	})
}

// TestWebhookCreditsOnce: ten concurrent deliveries of the same paid
// checkout, and a replay later, credit the top-up exactly once: one credit
// in the ledger, the balance up by exactly the amount, one receipt, one
// audit entry. The event's API version is an old one.
func TestWebhookCreditsOnce(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		tu := r.topUp(t, 2500)
		before := r.balance(t)
		payload := stripetest.Event("evt_1", payments.EventCheckoutCompleted, "2019-02-19", stripetest.Session{
			ID: tu.ID, TopUpID: tu.ID, PaymentIntent: "pi_1", PaymentStatus: "paid", Currency: "usd", Amount: 2500})
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = r.deliver(payload, secret, r.now) }()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("delivery %d: %v", i, err)
			}
		}
		must(t, r.deliver(payload, secret, r.now.Add(time.Minute))) // a replay
		if got := r.balance(t) - before; got != 2500 {
			t.Errorf("balance up by %d, want 2500", got)
		}
		if c := r.credits(t); len(c) != 1 || c[0].Amount != 2500 {
			t.Errorf("credits %+v, want one of 2500", c)
		}
		if m := r.mail.Of(t, mail.Receipt); len(m) != 1 || m[0].To != r.customer.Email ||
			m[0].Data.(mail.ReceiptData).Path != payments.ReceiptPath(tu.ID) {
			t.Errorf("receipts %+v, want one to the customer", m)
		}
		if n := r.audits(t, "topup.paid"); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
		got, err := r.svc.Get(context.Background(), webrana.Actor{User: r.customer}, tu.ID)
		must(t, err)
		if got.Status != webrana.TopUpPaid || got.PaymentID != "pi_1" || got.PaidAt == nil {
			t.Errorf("top-up %+v, want paid with its payment", got)
		}
		if len(r.jobs.kinds) != 0 {
			t.Errorf("jobs %v: a customer in no dunning wakes nothing", r.jobs.kinds)
		}
	})
}

// TestWebhookRefuses: a delivery whose signature is wrong, missing, old or
// of another payload is refused as invalid and changes nothing; events
// that pay nothing are acknowledged and change nothing.
func TestWebhookRefuses(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		tu := r.topUp(t, 1000)
		good := completed(tu, 1000, "usd")
		for _, c := range []struct {
			name     string
			payload  []byte
			header   string
			wantCode string
		}{
			{"wrong secret", good, stripetest.Sign(good, "whsec_other", r.now), webrana.EINVALID},
			{"no signature", good, "", webrana.EINVALID},
			{"signed six minutes ago", good, stripetest.Sign(good, secret, r.now.Add(-6*time.Minute)), webrana.EINVALID},
			{"signed for another payload", completed(tu, 100000, "usd"), stripetest.Sign(good, secret, r.now), webrana.EINVALID},
			{"another event type", stripetest.Event("evt_2", "payment_intent.succeeded", "2025-03-31.basil", stripetest.Session{}), "", ""},
			{"not paid yet", stripetest.Event("evt_3", payments.EventCheckoutCompleted, "2025-03-31.basil", stripetest.Session{
				ID: tu.SessionID, TopUpID: tu.ID, PaymentStatus: "unpaid", Currency: "usd", Amount: 1000}), "", ""},
		} {
			h := http.Header{}
			if c.header == "" && c.wantCode == "" {
				c.header = stripetest.Sign(c.payload, secret, r.now)
			}
			if c.header != "" {
				h.Set("Stripe-Signature", c.header)
			}
			err := r.svc.Webhook(context.Background(), c.payload, h)
			if webrana.ErrorCode(err) != c.wantCode {
				t.Errorf("%s: %v, want code %q", c.name, err, c.wantCode)
			}
		}
		if len(r.credits(t)) != 0 || len(r.mail.Of(t, mail.Receipt)) != 0 {
			t.Fatal("something was credited")
		}
		got, err := r.svc.Get(context.Background(), webrana.Actor{User: r.customer}, tu.ID)
		must(t, err)
		if got.Status != webrana.TopUpPending {
			t.Fatalf("status %s, want pending", got.Status)
		}
		// The async payment that follows an unpaid completion credits it.
		must(t, r.deliver(stripetest.Event("evt_4", payments.EventAsyncPaymentSucceded, "2025-03-31.basil", stripetest.Session{
			ID: tu.SessionID, TopUpID: tu.ID, PaymentIntent: "pi_4", PaymentStatus: "paid", Currency: "usd", Amount: 1000}), secret, r.now))
		if c := r.credits(t); len(c) != 1 {
			t.Fatalf("after the async payment: %d credits, want 1", len(c))
		}
	})
}

// TestWebhookMismatch: a payment whose amount or currency differs from its
// top-up's, or that names no top-up, credits nothing and opens an alert.
func TestWebhookMismatch(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		wrongAmount, wrongCurrency := r.topUp(t, 1000), r.topUp(t, 1000)
		must(t, r.deliver(completed(wrongAmount, 999, "usd"), secret, r.now))
		must(t, r.deliver(completed(wrongCurrency, 1000, "eur"), secret, r.now))
		must(t, r.deliver(completed(&webrana.TopUp{ID: "no-such-top-up", SessionID: "cs_x"}, 1000, "usd"), secret, r.now))
		if len(r.credits(t)) != 0 {
			t.Fatal("a mismatched payment was credited")
		}
		for _, tu := range []*webrana.TopUp{wrongAmount, wrongCurrency} {
			got, err := r.svc.Get(ctx, webrana.Actor{User: r.customer}, tu.ID)
			must(t, err)
			if got.Status != webrana.TopUpMismatch {
				t.Errorf("top-up %s: %s, want mismatch", tu.ID, got.Status)
			}
		}
		open, err := r.db.OpenAlerts(ctx)
		must(t, err)
		n := 0
		for _, a := range open {
			if a.Kind == webrana.AlertPaymentMismatch {
				n++
			}
		}
		if n != 3 {
			t.Fatalf("%d payment alerts open, want 3: %+v", n, open)
		}
		// The right amount afterwards credits nothing either: the top-up is settled.
		must(t, r.deliver(completed(wrongAmount, 1000, "usd"), secret, r.now))
		if len(r.credits(t)) != 0 {
			t.Fatal("a settled top-up was credited")
		}
	})
}

// TestCreditWakesDunning: a top-up of a customer in dunning wakes the
// billing cycle in its transaction, so suspended servers come back now.
func TestCreditWakesDunning(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		_, err := r.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: r.customer.ID, Kind: webrana.LedgerCharge, Amount: -300, Currency: "USD"})
		must(t, err)
		must(t, r.db.DunningStep(ctx, r.customer.ID, "suspended_at", r.now))
		tu := r.topUp(t, 1000)
		must(t, r.deliver(completed(tu, 1000, "usd"), secret, r.now))
		if len(r.jobs.kinds) != 1 || r.jobs.kinds[0] != (billing.Args{}).Kind() {
			t.Fatalf("jobs %v, want the billing cycle", r.jobs.kinds)
		}
	})
}

// TestTenantIsolation: a customer sees only their own top-ups.
func TestTenantIsolation(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		tu := r.topUp(t, 1000)
		other := r.user(t, "other@example.com", webrana.RoleCustomer, true)
		if _, err := r.svc.Get(ctx, webrana.Actor{User: other}, tu.ID); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Fatalf("another's top-up: %v, want not found", err)
		}
		if _, total, err := r.svc.List(ctx, webrana.Actor{User: other}, webrana.Page{Page: 1, PerPage: 10}); err != nil || total != 0 {
			t.Fatalf("another's list: %d, %v", total, err)
		}
	})
}

// TestRefunds: a part and then the rest are refunded, each a negative
// payment refund in the ledger with its audit; more than is left is
// refused; a gateway failure releases its reservation; concurrent refunds
// never pay back more than was paid.
func TestRefunds(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		op := webrana.Actor{User: r.admin}
		tu := r.topUp(t, 1000)
		if _, err := r.svc.Refund(ctx, op, tu.ID, 100); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("refund of a pending top-up: %v, want conflict", err)
		}
		must(t, r.deliver(completed(tu, 1000, "usd"), secret, r.now))
		r.gw.failRefund.Store(true)
		if _, err := r.svc.Refund(ctx, op, tu.ID, 400); webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
			t.Fatalf("gateway down: %v, want unavailable", err)
		}
		r.gw.failRefund.Store(false)
		for _, c := range []struct {
			amount int64
			code   string
		}{{400, ""}, {601, webrana.EINVALID}, {0, webrana.EINVALID}, {600, ""}, {1, webrana.EINVALID}} {
			if _, err := r.svc.Refund(ctx, op, tu.ID, c.amount); webrana.ErrorCode(err) != c.code {
				t.Errorf("refund %d: %v, want %q", c.amount, err, c.code)
			}
		}
		if got := r.gw.refunds.Load(); got != 1000 {
			t.Errorf("gateway refunded %d, want 1000", got)
		}
		if b := r.balance(t); b != 0 {
			t.Errorf("balance %d after a full refund, want 0", b)
		}
		if n := r.audits(t, "topup.refunded"); n != 2 {
			t.Errorf("%d refund audits, want 2", n)
		}

		// Concurrent: ten refunds of 300 of a 1000 top-up; three go through.
		tu2 := r.topUp(t, 1000)
		must(t, r.deliver(completed(tu2, 1000, "usd"), secret, r.now))
		r.gw.refunds.Store(0)
		var wg sync.WaitGroup
		var ok atomic.Int64
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.svc.Refund(ctx, op, tu2.ID, 300); err == nil {
					ok.Add(1)
				} else if c := webrana.ErrorCode(err); c != webrana.ECONFLICT && c != webrana.EINVALID {
					t.Errorf("concurrent refund: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 3 || r.gw.refunds.Load() != 900 {
			t.Fatalf("%d refunds went through, %d paid back; want 3 and 900", ok.Load(), r.gw.refunds.Load())
		}
		got, err := r.svc.TopUp(ctx, tu2.ID)
		must(t, err)
		if got.Refunded != 900 {
			t.Fatalf("refunded %d, want 900", got.Refunded)
		}
	})
}

// TestRefundOutcomeUnknown: a refund whose answer is lost stays pending
// with its amount reserved and no ledger entry; asked again for the same
// amount it is sent with the same key, so the card is paid back once, and
// completes; another amount waits for it. A refused refund is released.
func TestRefundOutcomeUnknown(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		op := webrana.Actor{User: r.admin}
		tu := r.topUp(t, 1000)
		must(t, r.deliver(completed(tu, 1000, "usd"), secret, r.now))

		r.gw.loseRefund.Store(true)
		if _, err := r.svc.Refund(ctx, op, tu.ID, 400); webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
			t.Fatalf("lost answer: %v, want unavailable", err)
		}
		r.gw.loseRefund.Store(false)
		if got, b := r.gw.refunds.Load(), r.balance(t); got != 400 || b != 1000 {
			t.Fatalf("after a lost answer: gateway refunded %d, balance %d; want 400 and 1000 (not yet in the ledger)", got, b)
		}
		if _, err := r.svc.Refund(ctx, op, tu.ID, 300); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("another amount while one is pending: %v, want conflict", err)
		}
		if _, err := r.svc.Refund(ctx, op, tu.ID, 400); err != nil {
			t.Fatalf("asked again: %v", err)
		}
		if got, b := r.gw.refunds.Load(), r.balance(t); got != 400 || b != 600 {
			t.Fatalf("after completing: gateway refunded %d, balance %d; want 400 and 600", got, b)
		}

		r.gw.declineRefund.Store(true)
		if _, err := r.svc.Refund(ctx, op, tu.ID, 100); webrana.ErrorCode(err) != webrana.EINVALID || !strings.Contains(webrana.ErrorMessage(err), "disputed") {
			t.Fatalf("refused: %v, want invalid with the reason", err)
		}
		r.gw.declineRefund.Store(false)
		if _, err := r.svc.Refund(ctx, op, tu.ID, 600); err != nil {
			t.Fatalf("the rest after a refusal: %v", err)
		}
		got, err := r.svc.TopUp(ctx, tu.ID)
		must(t, err)
		if got.Refunded != 1000 || r.gw.refunds.Load() != 1000 || r.balance(t) != 0 {
			t.Fatalf("refunded %d, gateway %d, balance %d; want 1000, 1000, 0", got.Refunded, r.gw.refunds.Load(), r.balance(t))
		}
		if n := r.audits(t, "topup.refunded"); n != 2 {
			t.Errorf("%d refund audits, want 2", n)
		}
	})
}

// TestPaidAfterFailedCheckout: a top-up whose checkout seemed to fail (a
// timeout after Stripe made the session) is credited when its payment
// arrives after all: the customer paid.
func TestPaidAfterFailedCheckout(t *testing.T) {
	engines(t, func(t *testing.T, r *rig) {
		r.gw.failCheckout.Store(true)
		if _, err := r.svc.Create(context.Background(), webrana.Actor{User: r.customer}, 1500); webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
			t.Fatalf("create: %v", err)
		}
		list, _, err := r.svc.List(context.Background(), webrana.Actor{User: r.customer}, webrana.Page{Page: 1, PerPage: 1})
		must(t, err)
		must(t, r.deliver(completed(list[0], 1500, "usd"), secret, r.now))
		if b := r.balance(t); b != 1500 {
			t.Fatalf("balance %d, want 1500", b)
		}
	})
}
