package store

import (
	"context"
	"database/sql"
	"time"
)

// BalanceWatch is a customer's balance beside what their servers cost,
// for telling them when it runs low (package billing decides what low is).
type BalanceWatch struct {
	UserID     string
	Email      string
	Balance    int64      // in the currency asked for
	DayCharges int64      // 24 hours of their billed servers' hourly prices, each at most its monthly price
	LowSince   *time.Time // when they were told their balance is low; nil when it is not (or they were not told)
}

// BalanceWatches returns, in one query, every customer with servers billed
// in currency and every customer marked low in it, with their balance and a
// day of their servers' charges.
func (db *DB) BalanceWatches(ctx context.Context, currency string) ([]*BalanceWatch, error) {
	return list(ctx, db.conn(), scanBalanceWatch, `SELECT u.id, u.email, COALESCE(b.balance, 0), COALESCE(s.day, 0), l.since
		FROM users u
		LEFT JOIN (SELECT user_id, SUM(amount) AS balance FROM ledger_entries WHERE currency = ? GROUP BY user_id) b ON b.user_id = u.id
		LEFT JOIN (SELECT i.owner_id, SUM(CASE WHEN p.price_hourly * 24 < p.price_monthly THEN p.price_hourly * 24 ELSE p.price_monthly END) AS day
			FROM instances i JOIN plans p ON p.id = i.plan_id
			WHERE i.billed_until IS NOT NULL AND i.deleted_at IS NULL AND p.currency = ?
			GROUP BY i.owner_id) s ON s.owner_id = u.id
		LEFT JOIN balance_low l ON l.user_id = u.id AND l.currency = ?
		WHERE s.owner_id IS NOT NULL OR l.user_id IS NOT NULL
		ORDER BY u.id`, currency, currency, currency)
}

func scanBalanceWatch(s scanner) (*BalanceWatch, error) {
	var w BalanceWatch
	var since sql.NullTime
	if err := s.Scan(&w.UserID, &w.Email, &w.Balance, &w.DayCharges, &since); err != nil {
		return nil, err
	}
	w.LowSince = timePtr(since)
	return &w, nil
}

// MarkBalanceLow records that a customer's balance in currency is low and
// reports whether it was not marked so already; also runs in the same
// transaction (to tell them), only then: once per crossing.
func (db *DB) MarkBalanceLow(ctx context.Context, userID, currency string, also ...func(*Tx) error) (bool, error) {
	marked := false
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		res, err := c.exec(ctx, `INSERT INTO balance_low (user_id, currency, since) VALUES (?, ?, ?)
			ON CONFLICT (user_id, currency) DO NOTHING`, userID, currency, c.now())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		marked = true
		return tx.then(also)
	})
	return marked && err == nil, err
}

// ClearBalanceLow forgets that a customer's balance in currency was low
// (it is back above the threshold): the next crossing is told again.
func (db *DB) ClearBalanceLow(ctx context.Context, userID, currency string) error {
	_, err := db.conn().exec(ctx, `DELETE FROM balance_low WHERE user_id = ? AND currency = ?`, userID, currency)
	return err
}
