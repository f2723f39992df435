package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// Billable is what metering needs of a server.
type Billable struct {
	InstanceID   string
	OwnerID      string
	Label        string
	PriceHourly  int64
	PriceMonthly int64
	Currency     string
	BilledUntil  time.Time
	BillingMonth time.Time
	MonthCharged int64
	End          *time.Time // deleted_at: hours that start after it are not billed
}

// BillableInstances returns up to limit servers, after the id afterID in id
// order, with hours to bill before now: started, not billed to now, and not
// deleted before their billed time.
func (db *DB) BillableInstances(ctx context.Context, afterID string, now time.Time, limit int) ([]*Billable, error) {
	return list(ctx, db.conn(), scanBillable, `SELECT i.id, i.owner_id, i.label, p.price_hourly, p.price_monthly, p.currency,
			i.billed_until, i.billing_month, i.month_charged, i.deleted_at
		FROM instances i JOIN plans p ON p.id = i.plan_id
		WHERE i.id > ? AND i.billed_until IS NOT NULL AND i.billed_until <= ?
			AND (i.deleted_at IS NULL OR i.deleted_at > i.billed_until)
		ORDER BY i.id LIMIT ?`, afterID, now, limit)
}

// Spent is what the server was charged in the calendar month of hour, as
// far as it was billed: the monthly cap's count.
func (b *Billable) Spent(hour time.Time) int64 {
	if !MonthOf(hour).Equal(b.BillingMonth) {
		return 0
	}
	return b.MonthCharged
}

// After is the billing position once the hour starting at hour is charged
// amount: billed to the hour's end, the month's count added to. It refuses
// an amount outside 0 to webrana.MaxAmount, and a count that would overflow.
func (b Billable) After(hour time.Time, amount int64) (Billable, error) {
	if amount < 0 || amount > webrana.MaxAmount {
		return b, webrana.Errorf(webrana.EINVALID, "An hour is charged from 0.00 to %s; %s is out of range.",
			webrana.FormatMajor(webrana.MaxAmount), webrana.FormatMajor(amount))
	}
	spent, err := webrana.AddMoney(b.Spent(hour), amount)
	if err != nil {
		return b, err
	}
	b.BilledUntil, b.BillingMonth, b.MonthCharged = hour.Add(time.Hour), MonthOf(hour), spent
	return b, nil
}

func scanBillable(s scanner) (*Billable, error) {
	var b Billable
	var until, month, end sql.NullTime
	if err := s.Scan(&b.InstanceID, &b.OwnerID, &b.Label, &b.PriceHourly, &b.PriceMonthly, &b.Currency,
		&until, &month, &b.MonthCharged, &end); err != nil {
		return nil, err
	}
	b.BilledUntil, b.BillingMonth, b.End = until.Time.UTC(), month.Time.UTC(), timePtr(end)
	return &b, nil
}

// ChargeHour bills one started hour of a server in one transaction: the
// ledger entry (keyed by server and hour, so a retried run charges once)
// and the server's billing position. amount may be zero (the monthly cap
// is reached): the hour is then recorded as billed without an entry.
// It reports whether the hour was still unbilled.
func (db *DB) ChargeHour(ctx context.Context, b *Billable, hour time.Time, amount int64) (bool, error) {
	next, err := b.After(hour, amount)
	if err != nil {
		return false, err
	}
	charged := false
	err = db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		// Move the position only from where this run read it: a concurrent
		// run that billed the hour first wins, and this one writes nothing.
		res, err := c.exec(ctx, `UPDATE instances SET billed_until = ?, billing_month = ?, month_charged = ?
			WHERE id = ? AND billed_until = ?`, next.BilledUntil, next.BillingMonth, next.MonthCharged, b.InstanceID, b.BilledUntil)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		charged = true
		if amount > 0 {
			if _, err := c.appendLedger(ctx, &webrana.LedgerEntry{UserID: b.OwnerID, Kind: webrana.LedgerCharge, Amount: -amount,
				Currency: b.Currency, InstanceID: b.InstanceID, Note: "Hour of " + b.Label + " from " + hour.Format("2006-01-02 15:04 UTC"),
				IdempotencyKey: "meter:" + b.InstanceID + ":" + hour.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		*b = next
		return nil
	})
	return charged, err
}
