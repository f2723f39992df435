package store

import (
	"context"
	"slices"
	"time"

	"github.com/webrana/webrana"
)

// ReserveRequest asks for a slot on one of a provider's accounts.
type ReserveRequest struct {
	Provider      webrana.ProviderType
	OrderID       string
	Strategy      string        // webrana.StrategySpread (default) or StrategyFill
	TTL           time.Duration // how long the slot is held (default 10 minutes)
	AllowDegraded bool          // also consider DEGRADED accounts
	// RetryRefusedAfter is how long an account that refused this order
	// (over its limit, or a bad token) is skipped for it (default 15
	// minutes): long enough to fail over, short enough that a held order
	// tries again once the operator fixes the account.
	RetryRefusedAfter time.Duration
}

// DefaultRetryRefusedAfter is ReserveRequest.RetryRefusedAfter's default.
const DefaultRetryRefusedAfter = 15 * time.Minute

// DefaultReservationTTL bounds how long a crashed worker can hold a slot.
const DefaultReservationTTL = 10 * time.Minute

// Reserve holds a slot on the best account for the order, atomically: the
// capacity check and the increment are one conditional UPDATE, re-evaluated
// under the row lock, so concurrent reservers — in this process or another
// sharing the database — never exceed an account's free capacity. Accounts
// that refused the order recently are skipped. No provider is called.
//
// It returns webrana.ErrNoAvailableAccount when no account is usable
// (active, healthy enough, untried) and webrana.ErrAllAccountsFull when
// usable accounts exist but are full.
func (db *DB) Reserve(ctx context.Context, req ReserveRequest) (*webrana.Reservation, error) {
	if req.TTL <= 0 {
		req.TTL = DefaultReservationTTL
	}
	if req.RetryRefusedAfter <= 0 {
		req.RetryRefusedAfter = DefaultRetryRefusedAfter
	}
	c := db.conn()
	health := []any{webrana.HealthHealthy, webrana.HealthUnknown}
	if req.AllowDegraded {
		health = append(health, webrana.HealthDegraded)
	}
	usable := `provider_type = ? AND is_active AND health IN (?, ?` + map[bool]string{true: ", ?", false: ""}[req.AllowDegraded] + `)
		AND id NOT IN (SELECT account_id FROM order_attempts WHERE order_id = ? AND account_id IS NOT NULL
			AND outcome IN (?, ?) AND finished_at > ?)`
	args := append(append([]any{req.Provider}, health...), req.OrderID,
		webrana.AttemptQuotaExceeded, webrana.AttemptUnauthorized, c.now().Add(-req.RetryRefusedAfter))

	order := `(active_count + reserved_count) * 1.0 / instance_limit, is_primary DESC, name`
	if req.Strategy == webrana.StrategyFill {
		order = `is_primary DESC, (active_count + reserved_count) * 1.0 / instance_limit DESC, name`
	}
	ids, err := list(ctx, c, scanString, `SELECT id FROM accounts WHERE `+usable+
		` AND active_count + reserved_count < instance_limit ORDER BY `+order, args...)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		r, err := db.reserveOn(ctx, id, req)
		if err != nil || r != nil {
			return r, err
		}
		// Another reserver took the last slot first: try the next account.
	}
	n, err := c.count(ctx, `SELECT COUNT(*) FROM accounts WHERE `+usable, args...)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, webrana.ErrNoAvailableAccount
	}
	return nil, webrana.ErrAllAccountsFull
}

// reserveOn takes a slot on one account if it still has one; nil, nil when
// it has none left.
func (db *DB) reserveOn(ctx context.Context, accountID string, req ReserveRequest) (*webrana.Reservation, error) {
	var r *webrana.Reservation
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		res, err := c.exec(ctx, `UPDATE accounts SET reserved_count = reserved_count + 1
			WHERE id = ? AND active_count + reserved_count < instance_limit`, accountID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		r = &webrana.Reservation{ID: newID(), AccountID: accountID, OrderID: req.OrderID, CreatedAt: now, ExpiresAt: now.Add(req.TTL)}
		_, err = c.exec(ctx, `INSERT INTO reservations (id, account_id, order_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.AccountID, r.OrderID, r.CreatedAt, r.ExpiresAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// ReleaseReservation gives a slot back (the create failed). Releasing a
// reservation that expired or was already released is not an error.
func (db *DB) ReleaseReservation(ctx context.Context, id string) error {
	return db.endReservation(ctx, id, false)
}

// ConvertReservation turns a slot into a running server (the create
// succeeded): the account's reserved count goes down, its active count up.
func (db *DB) ConvertReservation(ctx context.Context, id string) error {
	return db.endReservation(ctx, id, true)
}

func (db *DB) endReservation(ctx context.Context, id string, converted bool) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		accounts, err := list(ctx, c, scanString, `DELETE FROM reservations WHERE id = ? RETURNING account_id`, id)
		if err != nil {
			return err
		}
		if converted && len(accounts) == 0 {
			// The slot expired; the server exists all the same.
			return webrana.Errorf(webrana.ENOTFOUND, "Reservation expired.")
		}
		for _, a := range accounts {
			set := `reserved_count = reserved_count - 1`
			if converted {
				set += `, active_count = active_count + 1`
			}
			if _, err := c.exec(ctx, `UPDATE accounts SET `+set+` WHERE id = ?`, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReleaseExpiredReservations frees the slots of reservations past their
// expiry (a worker crashed between selection and the provider's answer) and
// returns how many. Safe to run from several replicas at once: each
// reservation is deleted, and counted, once.
func (db *DB) ReleaseExpiredReservations(ctx context.Context) (int, error) {
	released := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		accounts, err := list(ctx, c, scanString, `DELETE FROM reservations WHERE expires_at <= ? RETURNING account_id`, c.now())
		if err != nil {
			return err
		}
		// Update accounts in id order, so concurrent sweeps never deadlock.
		slices.Sort(accounts)
		for _, a := range accounts {
			if _, err := c.exec(ctx, `UPDATE accounts SET reserved_count = reserved_count - 1 WHERE id = ?`, a); err != nil {
				return err
			}
		}
		released = len(accounts)
		return nil
	})
	return released, err
}
