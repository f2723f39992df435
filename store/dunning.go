package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/webrana/webrana"
)

// Dunning is how far the negative-balance sequence has gone for a customer.
type Dunning struct {
	UserID        string
	Balance       int64 // now, in the billing currency
	NegativeSince *time.Time
	WarnedAt      *time.Time
	SuspendedAt   *time.Time
	DestroyedAt   *time.Time
}

// DunningCases returns every customer with a negative balance in currency
// or a dunning record (whose balance may be back above zero).
func (db *DB) DunningCases(ctx context.Context, currency string) ([]*Dunning, error) {
	return list(ctx, db.conn(), scanDunning, `SELECT u.id, COALESCE(b.balance, 0), d.negative_since, d.warned_at, d.suspended_at, d.destroyed_at
		FROM users u
		LEFT JOIN (SELECT user_id, SUM(amount) AS balance FROM ledger_entries WHERE currency = ? GROUP BY user_id) b ON b.user_id = u.id
		LEFT JOIN dunning d ON d.user_id = u.id
		WHERE COALESCE(b.balance, 0) < 0 OR d.user_id IS NOT NULL
		ORDER BY u.id`, currency)
}

func scanDunning(s scanner) (*Dunning, error) {
	var d Dunning
	var since, warned, suspended, destroyed sql.NullTime
	if err := s.Scan(&d.UserID, &d.Balance, &since, &warned, &suspended, &destroyed); err != nil {
		return nil, err
	}
	d.NegativeSince, d.WarnedAt, d.SuspendedAt, d.DestroyedAt = timePtr(since), timePtr(warned), timePtr(suspended), timePtr(destroyed)
	return &d, nil
}

// DunningStep records a step of a customer's sequence (column one of
// warned_at, suspended_at, destroyed_at), starting the record if needed,
// once: a step recorded before keeps its time. also runs in the same
// transaction (to tell the customer), only when the step is recorded now.
func (db *DB) DunningStep(ctx context.Context, userID, column string, at time.Time, also ...func(*Tx) error) error {
	switch column {
	case "negative_since", "warned_at", "suspended_at", "destroyed_at":
	default:
		return webrana.Errorf(webrana.EINTERNAL, "unknown dunning step %q", column)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		res, err := c.exec(ctx, `INSERT INTO dunning (user_id, negative_since) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`, userID, at)
		if err != nil {
			return err
		}
		if column != "negative_since" {
			res, err = c.exec(ctx, `UPDATE dunning SET `+column+` = ? WHERE user_id = ? AND `+column+` IS NULL`, at, userID)
			if err != nil {
				return err
			}
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		return tx.then(also)
	})
}

// EndDunning forgets a customer's sequence (the balance is back). also
// runs in the same transaction (the audit of the end), only when there was
// a sequence to end.
func (db *DB) EndDunning(ctx context.Context, userID string, also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.conn().exec(ctx, `DELETE FROM dunning WHERE user_id = ?`, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return tx.then(also)
	})
}

// DunningOf returns a customer's sequence, or nil when there is none.
func (db *DB) DunningOf(ctx context.Context, userID string) (*Dunning, error) {
	d, err := scanDunning(db.conn().row(ctx, `SELECT user_id, 0, negative_since, warned_at, suspended_at, destroyed_at
		FROM dunning WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// ServersOf returns a customer's servers in the given statuses.
func (db *DB) ServersOf(ctx context.Context, userID string, statuses ...webrana.InstanceStatus) ([]*webrana.Instance, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	q := `SELECT ` + instanceColumns + ` FROM instances WHERE owner_id = ? AND status IN (?` + strings.Repeat(", ?", len(statuses)-1) + `) ORDER BY id`
	args := []any{userID}
	for _, s := range statuses {
		args = append(args, s)
	}
	return list(ctx, db.conn(), scanInstance, q, args...)
}
