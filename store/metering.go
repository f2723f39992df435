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
	charged := false
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		month := MonthOf(hour)
		monthCharged := b.MonthCharged
		if !month.Equal(b.BillingMonth) {
			monthCharged = 0
		}
		// Move the position only from where this run read it: a concurrent
		// run that billed the hour first wins, and this one writes nothing.
		res, err := c.exec(ctx, `UPDATE instances SET billed_until = ?, billing_month = ?, month_charged = ?
			WHERE id = ? AND billed_until = ?`, hour.Add(time.Hour), month, monthCharged+amount, b.InstanceID, b.BilledUntil)
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
		b.BilledUntil, b.BillingMonth, b.MonthCharged = hour.Add(time.Hour), month, monthCharged+amount
		return nil
	})
	return charged, err
}
