package store

import (
	"context"
	"strings"
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
	u := usableAccounts(req, c.now())
	order := `(active_count + reserved_count) * 1.0 / instance_limit, is_primary DESC, name`
	if req.Strategy == webrana.StrategyFill {
		order = `is_primary DESC, (active_count + reserved_count) * 1.0 / instance_limit DESC, name`
	}
	ids, err := list(ctx, c, scanString, `SELECT id FROM accounts WHERE `+u.where+
		` AND active_count + reserved_count < instance_limit ORDER BY `+order, u.args...)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		r, err := db.reserveOn(ctx, id, req, u)
		if err != nil || r != nil {
			return r, err
		}
		// Another reserver took the last slot first: try the next account.
	}
	n, err := c.count(ctx, `SELECT COUNT(*) FROM accounts WHERE `+u.where, u.args...)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, webrana.ErrNoAvailableAccount
	}
	return nil, webrana.ErrAllAccountsFull
}

// usable is the condition an account must meet to take an order: the
// order's provider, active, healthy enough, and not one that refused this
// order recently.
type usable struct {
	where string
	args  []any
}

func usableAccounts(req ReserveRequest, now time.Time) usable {
	health := []any{webrana.HealthHealthy, webrana.HealthUnknown}
	if req.AllowDegraded {
		health = append(health, webrana.HealthDegraded)
	}
	where := `provider_type = ? AND is_active AND health IN (?` + strings.Repeat(", ?", len(health)-1) + `)
		AND id NOT IN (SELECT account_id FROM order_attempts WHERE order_id = ? AND account_id IS NOT NULL
			AND outcome IN (?, ?) AND finished_at > ?)`
	args := append(append([]any{req.Provider}, health...), req.OrderID,
		webrana.AttemptQuotaExceeded, webrana.AttemptUnauthorized, now.Add(-req.RetryRefusedAfter))
	return usable{where: where, args: args}
}

// reserveOn takes a slot on one account if it still has one and is still
// usable; nil, nil otherwise.
func (db *DB) reserveOn(ctx context.Context, accountID string, req ReserveRequest, u usable) (*webrana.Reservation, error) {
	var r *webrana.Reservation
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		// The usable filter again, under the row lock: the account may have
		// been disabled or judged unhealthy since it was chosen.
		res, err := c.exec(ctx, `UPDATE accounts SET reserved_count = reserved_count + 1
			WHERE id = ? AND active_count + reserved_count < instance_limit AND `+u.where, append([]any{accountID}, u.args...)...)
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

// ReleaseExpiredReservations frees the slots of reservations past their
// expiry (a worker crashed between selection and the provider's answer) and
// returns how many. Safe to run from several replicas at once: each
// reservation is deleted, and counted, once.
func (db *DB) ReleaseExpiredReservations(ctx context.Context) (int, error) {
	released := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		accounts, err := list(ctx, c, scanString, `SELECT DISTINCT account_id FROM reservations WHERE expires_at <= ?`, now)
		if err != nil || len(accounts) == 0 {
			return err
		}
		k, err := tx.lockCapacity(ctx, accounts...)
		if err != nil {
			return err
		}
		for _, a := range k.locked {
			res, err := c.exec(ctx, `DELETE FROM reservations WHERE account_id = ? AND expires_at <= ?`, a, now)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			released += int(n)
			k.touch(a)
		}
		return k.settle(ctx)
	})
	return released, err
}
