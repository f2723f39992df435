package payments

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Default bounds of one top-up, in minor units: 5.00 to 1,000.00.
const (
	DefaultMinTopUp int64 = 500
	DefaultMaxTopUp int64 = 100_000
)

// BillingPath is the customers' billing page, where a checkout returns.
const BillingPath = "/billing"

// Service is customers' card top-ups and operators' refunds of them.
type Service struct {
	db  Store
	gw  Gateway // nil: card payments are not set up
	cfg Config
}

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	Min, Max int64  // one top-up's bounds, minor units (default 5.00 to 1,000.00)
	Currency string // default webrana.BillingCurrency
	// BaseURL is the site's public URL: the gateway sends customers back
	// to its billing page.
	BaseURL string
	Now     func() time.Time // default webrana.Now
	Logger  *slog.Logger     // default discards
	Mail    Mailer           // the receipts; nil sends none
	// Alerts and Channels raise the operators' alert of a payment that
	// does not match its top-up; nil raises none (it is still logged).
	Alerts   Alerter
	Channels Channels
	// Queue wakes the billing cycle (billing.Args) in the transaction of a
	// credit that brings a customer in dunning back to zero or more, so
	// their suspended servers are powered on at once, as the cycle does
	// after a manual credit within the hour. nil: the next hourly cycle.
	Queue jobs.Enqueuer
}

// New returns the top-ups of the customers in db through gw; a nil gw
// means card payments are not set up (every top-up is refused with a
// message that says so). cfg may be nil.
func New(db Store, gw Gateway, cfg *Config) (*Service, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	c.Min, c.Max = cmp.Or(c.Min, DefaultMinTopUp), cmp.Or(c.Max, DefaultMaxTopUp)
	c.Currency = cmp.Or(c.Currency, webrana.BillingCurrency)
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Now == nil {
		c.Now = webrana.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	if err := CheckBounds(c.Min, c.Max); err != nil {
		return nil, err
	}
	return &Service{db: db, gw: gw, cfg: c}, nil
}

// CheckBounds checks a top-up's minimum and maximum: positive, in order,
// and no more than an operator may credit at once.
func CheckBounds(lo, hi int64) error {
	if lo < 1 || hi < lo || hi > webrana.MaxCredit {
		return fmt.Errorf("top-up bounds %s to %s: want 0.01 ≤ minimum ≤ maximum ≤ %s",
			webrana.FormatMajor(lo), webrana.FormatMajor(hi), webrana.FormatMajor(webrana.MaxCredit))
	}
	return nil
}

// Enabled reports whether card payments are set up.
func (s *Service) Enabled() bool { return s != nil && s.gw != nil }

// Range is the amounts one top-up may be.
func (s *Service) Range() webrana.AmountRange {
	return webrana.AmountRange{Min: s.cfg.Min, Max: s.cfg.Max}
}

// Currency is the currency top-ups are paid in.
func (s *Service) Currency() string { return s.cfg.Currency }

// ErrNotSetUp is what a top-up is told when no gateway is configured.
var ErrNotSetUp = webrana.Errorf(webrana.ECONFLICT,
	"Card payments are not set up on this site: the operator sets STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET. Until then, ask the operator to credit your balance.")

// Create starts a top-up of amount (minor units) for the acting customer:
// a pending top-up, then the gateway's checkout, whose page
// (TopUp.CheckoutURL) the customer pays on. A gateway that fails leaves
// the top-up failed and answers EUNAVAILABLE.
func (s *Service) Create(ctx context.Context, by webrana.Actor, amount int64) (*webrana.TopUp, error) {
	if !s.Enabled() {
		return nil, ErrNotSetUp
	}
	u := by.User
	if u == nil || u.Role != webrana.RoleCustomer {
		return nil, webrana.Errorf(webrana.EFORBIDDEN, "Only customers top up a balance.")
	}
	if err := u.MayOrder(); err != nil {
		return nil, err
	}
	if err := s.Range().Check("amount", amount); err != nil {
		return nil, err
	}
	t := &webrana.TopUp{UserID: u.ID, Amount: amount, Currency: s.cfg.Currency, Gateway: s.gw.Name()}
	if err := s.db.CreateTopUp(ctx, t); err != nil {
		return nil, fmt.Errorf("create top-up: %w", err)
	}
	back := s.cfg.BaseURL + BillingPath + "?top_up=" + t.ID
	sess, err := s.gw.Checkout(ctx, CheckoutRequest{TopUpID: t.ID, Email: u.Email, Amount: amount, Currency: t.Currency,
		SuccessURL: back, CancelURL: back + "&cancelled=1"})
	if err == nil && (sess == nil || sess.URL == "") {
		err = errors.New("no checkout page in the answer")
	}
	if err != nil {
		s.cfg.Logger.Warn("top-up checkout failed", "top_up", t.ID, "gateway", s.gw.Name(), "err", err)
		reason := "The payment service did not start the payment; nothing was charged. Try again in a moment."
		if ferr := s.db.FailTopUp(ctx, t.ID, reason); ferr != nil {
			return nil, fmt.Errorf("fail top-up %s: %w", t.ID, ferr)
		}
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "%s", reason)
	}
	if err := s.db.SetTopUpCheckout(ctx, t.ID, sess.ID, sess.URL); err != nil {
		return nil, fmt.Errorf("top-up %s: %w", t.ID, err)
	}
	return s.db.TopUpByID(ctx, t.ID)
}

// List returns a page of the acting customer's top-ups, newest first.
func (s *Service) List(ctx context.Context, by webrana.Actor, p webrana.Page) ([]*webrana.TopUp, int, error) {
	items, total, err := s.db.ListTopUps(ctx, by.UserID(), p)
	if err != nil {
		return nil, 0, fmt.Errorf("list top-ups: %w", err)
	}
	return items, total, nil
}

// ListAll returns a page of every customer's top-ups with their e-mail,
// for operators.
func (s *Service) ListAll(ctx context.Context, p webrana.Page) ([]*store.TopUpRow, int, error) {
	items, total, err := s.db.ListTopUpRows(ctx, p)
	if err != nil {
		return nil, 0, fmt.Errorf("list top-ups: %w", err)
	}
	return items, total, nil
}

// Get returns one of the acting customer's top-ups; another's is not
// found.
func (s *Service) Get(ctx context.Context, by webrana.Actor, id string) (*webrana.TopUp, error) {
	t, err := s.db.TopUpByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.UserID != by.UserID() {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Top-up not found.")
	}
	return t, nil
}

// Webhook takes one delivery of the gateway's webhook: it verifies the
// signature (a bad one is EINVALID and changes nothing) and credits the
// top-up a paid checkout names, once. Every other event is acknowledged
// (nil) and ignored, so the gateway stops sending it: a replay or a
// concurrent delivery of an event already taken, an event type that
// credits nothing, and an event that cannot be credited — a payment for
// no top-up of ours, or whose amount or currency differs from its
// top-up's — which instead opens an operators' alert (retrying it would
// change nothing; an operator looks).
func (s *Service) Webhook(ctx context.Context, payload []byte, h http.Header) error {
	if !s.Enabled() {
		return ErrNotSetUp
	}
	ev, err := s.gw.Event(payload, h, s.cfg.Now())
	if err != nil {
		if webrana.ErrorCode(err) != webrana.EINVALID {
			return err
		}
		s.cfg.Logger.Warn("payment webhook refused", "gateway", s.gw.Name(), "err", err)
		return ErrSignature
	}
	if !ev.credits() {
		return nil
	}
	t, err := s.db.TopUpByID(ctx, ev.TopUpID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || ev.TopUpID == "" {
		return s.unknown(ctx, ev)
	}
	if err != nil {
		return err
	}
	if t.Status != webrana.TopUpPending && t.Status != webrana.TopUpFailed {
		return nil // settled by an earlier delivery
	}
	if ev.Amount != t.Amount || !strings.EqualFold(ev.Currency, t.Currency) {
		return s.mismatch(ctx, t, ev)
	}
	return s.credit(ctx, t, ev)
}

// credit marks the top-up paid (a failed one too: its checkout seemed not
// to start, but the customer paid) and, only if this delivery did, credits
// the customer with its audit, the receipt and the wake of dunning, all in
// one transaction.
func (s *Service) credit(ctx context.Context, t *webrana.TopUp, ev *Event) error {
	u, err := s.db.UserByID(ctx, t.UserID)
	if err != nil {
		return fmt.Errorf("top-up %s: %w", t.ID, err)
	}
	dun, err := s.db.DunningOf(ctx, t.UserID) // read first: on SQLite the transaction holds the connection
	if err != nil {
		return fmt.Errorf("top-up %s: %w", t.ID, err)
	}
	now := s.cfg.Now()
	amount := webrana.Money{Amount: t.Amount, Currency: t.Currency}
	credited := false
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		settled, err := tx.SettleTopUp(ctx, t.ID, webrana.TopUpPaid, ev.PaymentID, now)
		if err != nil || !settled {
			return err
		}
		e := &webrana.LedgerEntry{UserID: t.UserID, Kind: webrana.LedgerCredit, Amount: t.Amount, Currency: t.Currency,
			Note: "Card payment (top-up " + t.ID + ")", IdempotencyKey: "topup:" + t.ID}
		if credited, err = tx.AppendLedger(ctx, e); err != nil || !credited {
			return err
		}
		if err := tx.AppendAudit(ctx, webrana.Actor{}.Entry("topup.paid", "user", t.UserID,
			fmt.Sprintf("Top-up %s: %s paid by card through %s (payment %s).", t.ID, amount, t.Gateway, ev.PaymentID))); err != nil {
			return err
		}
		if s.cfg.Mail != nil {
			if err := s.cfg.Mail.QueueTx(ctx, tx, mail.Message{To: u.Email, UserID: u.ID, Kind: mail.Receipt, Data: mail.ReceiptData{
				Amount: amount.String(), Date: now.UTC().Format("2 January 2006 15:04 UTC"), TopUpID: t.ID,
				Path: ReceiptPath(t.ID), BillingPath: BillingPath}}); err != nil {
				return err
			}
		}
		if dun != nil && s.cfg.Queue != nil { // suspended servers come back now, not within the hour
			return s.cfg.Queue.InsertTx(ctx, tx, billing.Args{}, nil)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("credit top-up %s: %w", t.ID, err)
	}
	if credited {
		s.cfg.Logger.Info("top-up paid", "top_up", t.ID, "user", t.UserID, "amount", amount.String())
	}
	return nil
}

// ReceiptPath is where a customer downloads a paid top-up's receipt.
func ReceiptPath(id string) string { return "/api/billing/top-ups/" + id + "/receipt" }

// mismatch settles a top-up whose payment differs from it as mismatched,
// credits nothing, and opens an alert, in one transaction.
func (s *Service) mismatch(ctx context.Context, t *webrana.TopUp, ev *Event) error {
	channels, err := s.channels(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Card payment %s for top-up %s was %s, the top-up is %s: nothing was credited. Check the payment at %s and credit or refund it by hand.",
		ev.PaymentID, t.ID, webrana.Money{Amount: ev.Amount, Currency: strings.ToUpper(ev.Currency)}, webrana.Money{Amount: t.Amount, Currency: t.Currency}, t.Gateway)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		settled, err := tx.SettleTopUp(ctx, t.ID, webrana.TopUpMismatch, ev.PaymentID, s.cfg.Now())
		if err != nil || !settled {
			return err
		}
		if err := tx.AppendAudit(ctx, webrana.Actor{}.Entry("topup.mismatch", "user", t.UserID, msg)); err != nil {
			return err
		}
		return s.alert(ctx, tx, channels, "payment_mismatch:"+t.ID, msg)
	})
}

// unknown opens an alert for a paid checkout that names no top-up of
// ours (another application's on the same gateway account, or a top-up
// deleted): nothing is credited, and the event is acknowledged so the
// gateway stops retrying it.
func (s *Service) unknown(ctx context.Context, ev *Event) error {
	channels, err := s.channels(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Card payment %s (%s, checkout %s) names top-up %q, which does not exist: nothing was credited.",
		ev.PaymentID, webrana.Money{Amount: ev.Amount, Currency: strings.ToUpper(ev.Currency)}, ev.SessionID, ev.TopUpID)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.alert(ctx, tx, channels, "payment_mismatch:"+cmp.Or(ev.SessionID, ev.ID), msg)
	})
}

func (s *Service) channels(ctx context.Context) ([]alerts.Channel, error) {
	if s.cfg.Channels == nil {
		return nil, nil
	}
	return s.cfg.Channels.All(ctx)
}

func (s *Service) alert(ctx context.Context, tx *store.Tx, channels []alerts.Channel, key, msg string) error {
	s.cfg.Logger.Warn("payment not credited", "detail", msg)
	if s.cfg.Alerts == nil {
		return nil
	}
	return s.cfg.Alerts.Raise(ctx, tx, channels, &webrana.Alert{Kind: webrana.AlertPaymentMismatch, Key: key, Severity: alerts.Critical, Message: msg})
}

// TestPays reports whether the gateway pays top-ups itself (the
// sandbox's): only then is there a test checkout page.
func (s *Service) TestPays() bool {
	_, ok := s.gw.(TestPayer)
	return ok
}

// TestPay pays one of the acting customer's pending top-ups at once,
// through the webhook path a real payment takes, when the gateway is a
// TestPayer (the sandbox's); otherwise the top-up is not found.
func (s *Service) TestPay(ctx context.Context, by webrana.Actor, id string) (*webrana.TopUp, error) {
	tp, ok := s.gw.(TestPayer)
	if !ok {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Test payments are only in the sandbox.")
	}
	t, err := s.Get(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if t.Status != webrana.TopUpPending {
		return t, nil
	}
	payload, h, err := tp.CompletedEvent(t, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := s.Webhook(ctx, payload, h); err != nil {
		return nil, err
	}
	return s.db.TopUpByID(ctx, id)
}
