package billing

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Mailer queues a message to a person in the transaction of the change it
// reports (mail.Outbox). The meter tells customers whose balance runs low;
// dunning tells them of each step of the unpaid sequence. A Meter or a
// Dunning without one (Mail nil: mail is not configured) tells no one, and
// the meter then keeps no record of low balances either.
type Mailer interface {
	QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error
}

// dateLayout is how messages and audit entries write the dates of the
// unpaid sequence.
const dateLayout = "2006-01-02 15:04 UTC"

// billingPath is where a customer pays.
const billingPath = "/billing"

// queuing returns the step that queues m in a store transaction.
func queuing(ctx context.Context, mailer Mailer, m mail.Message) func(*store.Tx) error {
	return func(tx *store.Tx) error { return mailer.QueueTx(ctx, tx, m) }
}

// Low says whether a balance is low: below a day of the customer's
// servers' charges, or below floor (Meter.LowBalance) if that is more. A
// customer with no server billed is never low (a balance below zero is
// dunning's to tell).
func Low(balance, dayCharges, floor int64) bool {
	return dayCharges > 0 && balance < max(dayCharges, floor)
}

// watchBalances tells each customer whose balance crossed below the low
// mark, once per crossing, and forgets the mark of those back above it.
// A balance already below zero is marked without a message: dunning's
// warning tells it.
func (m *Meter) watchBalances(ctx context.Context) error {
	if m.cfg.Mail == nil {
		return nil
	}
	currency := webrana.BillingCurrency
	watches, err := m.db.BalanceWatches(ctx, currency)
	if err != nil {
		return err
	}
	for _, w := range watches {
		low := Low(w.Balance, w.DayCharges, m.cfg.LowBalance)
		switch {
		case low && w.LowSince == nil:
			var tell func(*store.Tx) error
			if w.Balance >= 0 {
				tell = queuing(ctx, m.cfg.Mail, mail.Message{To: w.Email, UserID: w.UserID, Kind: mail.BalanceLow,
					Data: mail.BalanceData{Balance: money(w.Balance, currency), Path: billingPath}})
			}
			if _, err := m.db.MarkBalanceLow(ctx, w.UserID, currency, tell); err != nil {
				return err
			}
		case !low && w.LowSince != nil:
			if err := m.db.ClearBalanceLow(ctx, w.UserID, currency); err != nil {
				return err
			}
		}
	}
	return nil
}

// telling returns the step that queues a message of kind about the
// customer's balance, with date (zero: none), or nil without a mailer. The
// customer is read first: on SQLite nothing may be read outside the
// transaction while it runs.
func (d *Dunning) telling(ctx context.Context, c *store.Dunning, kind mail.Kind, date time.Time) (func(*store.Tx) error, error) {
	if d.cfg.Mail == nil {
		return nil, nil
	}
	u, err := d.db.UserByID(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	data := mail.BalanceData{Balance: money(c.Balance, d.cfg.Currency), Path: billingPath}
	if !date.IsZero() {
		data.Date = date.UTC().Format(dateLayout)
	}
	return queuing(ctx, d.cfg.Mail, mail.Message{To: u.Email, UserID: u.ID, Kind: kind, Data: data}), nil
}
