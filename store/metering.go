package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// BillingPosition is how far a server is billed: every hour up to
// BilledUntil, with MonthCharged charged in the calendar month BillingMonth
// (the monthly cap's count). Package billing computes it; the store keeps it.
type BillingPosition struct {
	BilledUntil  time.Time
	BillingMonth time.Time
	MonthCharged int64
	// BackupMonthCharged is what the server's backups were charged in
	// BillingMonth: their own monthly cap's count.
	BackupMonthCharged int64
}

// Billable is what metering needs of a server.
type Billable struct {
	InstanceID   string
	OwnerID      string
	Label        string
	PriceHourly  int64
	PriceMonthly int64
	Currency     string
	BillingPosition
	End *time.Time // deleted_at: hours that start after it are not billed
	// The plan's backup prices, and the times the server's backups were
	// on (backups.go).
	BackupPriceHourly  int64
	BackupPriceMonthly int64
	BackupPeriods      []webrana.BackupPeriod
}

// BillableInstances returns up to limit servers, after the id afterID in id
// order, with hours to bill before now: started, not billed to now, and not
// deleted before their billed time.
func (db *DB) BillableInstances(ctx context.Context, afterID string, now time.Time, limit int) ([]*Billable, error) {
	page, err := list(ctx, db.conn(), scanBillable, `SELECT i.id, i.owner_id, i.label, p.price_hourly, p.price_monthly, p.currency,
			i.billed_until, i.billing_month, i.month_charged, i.deleted_at,
			p.backup_price_hourly, p.backup_price_monthly, i.backup_month_charged
		FROM instances i JOIN plans p ON p.id = i.plan_id
		WHERE i.id > ? AND i.billed_until IS NOT NULL AND i.billed_until <= ?
			AND (i.deleted_at IS NULL OR i.deleted_at > i.billed_until)
		ORDER BY i.id LIMIT ?`, afterID, now, limit)
	if err != nil || len(page) == 0 {
		return page, err
	}
	periods, err := db.conn().backupPeriods(ctx, page[0].InstanceID, page[len(page)-1].InstanceID)
	for _, b := range page {
		b.BackupPeriods = periods[b.InstanceID]
	}
	return page, err
}

func scanBillable(s scanner) (*Billable, error) {
	var b Billable
	var until, month, end sql.NullTime
	if err := s.Scan(&b.InstanceID, &b.OwnerID, &b.Label, &b.PriceHourly, &b.PriceMonthly, &b.Currency,
		&until, &month, &b.MonthCharged, &end, &b.BackupPriceHourly, &b.BackupPriceMonthly, &b.BackupMonthCharged); err != nil {
		return nil, err
	}
	b.BilledUntil, b.BillingMonth, b.End = until.Time.UTC(), month.Time.UTC(), timePtr(end)
	return &b, nil
}

// ChargeHour bills one started hour of a server in one transaction: its
// ledger entry (nil when the hour costs nothing, the monthly cap being
// reached; its idempotency key makes a retried run charge once) and its
// billing position, moved from b's to next. It reports whether the hour
// was still unbilled: a concurrent run that billed it first wins, and this
// one writes nothing. The ledger's bounds hold as for every entry.
func (db *DB) ChargeHour(ctx context.Context, b *Billable, next BillingPosition, entries ...*webrana.LedgerEntry) (bool, error) {
	if !next.BilledUntil.After(b.BilledUntil) || next.MonthCharged < 0 || next.MonthCharged > 2*webrana.MaxAmount ||
		next.BackupMonthCharged < 0 || next.BackupMonthCharged > 2*webrana.MaxAmount {
		return false, webrana.Errorf(webrana.EINVALID, "A billing position must move forward and count 0 to twice the largest price in a month.")
	}
	ok, err := db.chargeOnce(ctx, entries, `UPDATE instances SET billed_until = ?, billing_month = ?, month_charged = ?, backup_month_charged = ?
		WHERE id = ? AND billed_until = ?`, next.BilledUntil, next.BillingMonth, next.MonthCharged, next.BackupMonthCharged,
		b.InstanceID, b.BilledUntil)
	if ok {
		b.BillingPosition = next
	}
	return ok, err
}

// chargeOnce moves a billing position (update: an UPDATE guarded by the
// position it moves from) and appends the hour's ledger entries (nil ones
// skipped) in one transaction, and reports whether it moved it: a
// concurrent run that moved it first wins, and nothing is written. The
// caller moves its copy of the position on success.
func (db *DB) chargeOnce(ctx context.Context, entries []*webrana.LedgerEntry, update string, args ...any) (bool, error) {
	charged := false
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		res, err := c.exec(ctx, update, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		charged = true
		for _, entry := range entries {
			if entry == nil {
				continue
			}
			if _, err := c.appendLedger(ctx, entry); err != nil {
				return err
			}
		}
		return nil
	})
	return charged && err == nil, err
}
