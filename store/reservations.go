package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
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
	// AccountID pins the order to one account (the account of the order's
	// VPC): only it is considered, and when it is full the pool is full for
	// this order.
	AccountID string
	// Begin also begins the order's attempt on the account reserved, as
	// BeginAttempt does, in the same transaction (on PostgreSQL in the same
	// statement): the order runs there, creating, or has no slot at all.
	Begin bool
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
// Each try picks the best account through an index in the strategy's order
// (migration 00023), so an order costs the same with ten accounts or a
// thousand, and takes a slot on it in the same transaction (on PostgreSQL
// in one statement). When another reserver took that account's last slot
// first, the next try leaves it out: each account is tried at most once,
// and an order is told the pool is full only when no usable account had
// room as the last try read them.
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
	var tried []any
	for {
		t := db.newTake(req, u, tried)
		var err error
		if db.engine == Postgres {
			err = t.inOneStatement(ctx, c)
		} else {
			err = db.InTx(ctx, func(tx *Tx) error { return t.inTx(ctx, tx.conn()) })
		}
		if err != nil {
			return nil, err
		}
		if t.chosen == "" {
			break // no usable account with room
		}
		if t.taken {
			return t.r, nil
		}
		// Another reserver took the last slot first: try the next account.
		tried = append(tried, t.chosen)
	}
	err := c.row(ctx, `SELECT 1 FROM accounts WHERE `+u.where+` LIMIT 1`, u.args...).Scan(new(int))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webrana.ErrNoAvailableAccount
	}
	if err != nil {
		return nil, err
	}
	return nil, webrana.ErrAllAccountsFull
}

// The placement strategies' orders and the room condition, written exactly
// as accounts_spread_idx and accounts_fill_idx (migration 00023) have them,
// so that both planners read the best account from those indexes.
const (
	hasRoom     = `instance_limit > active_count + reserved_count`
	utilisation = `(active_count + reserved_count) * 1.0 / instance_limit`
	// spread: lowest utilisation first, the primary wins ties.
	spreadOrder = utilisation + `, is_primary DESC, name`
	// fill: the primary first, then the fullest that fits.
	fillOrder = `is_primary DESC, ` + utilisation + ` DESC, name`
)

// take is one try of Reserve: choose the best untried account and take a
// slot on it.
type take struct {
	choose   string // the query of the best untried usable account with room
	args     []any
	room     string // the conditions the chosen account must still meet
	roomArgs []any
	r        *webrana.Reservation
	begin    bool // begin the order's attempt on the account reserved

	chosen string // the account chosen; "" when none had room
	taken  bool   // whether the slot was taken (r is then the reservation)
}

func (db *DB) newTake(req ReserveRequest, u usable, tried []any) *take {
	order := spreadOrder
	if req.Strategy == webrana.StrategyFill {
		order = fillOrder
	}
	choose := `SELECT id FROM accounts WHERE ` + u.where + ` AND ` + hasRoom
	if len(tried) > 0 {
		choose += ` AND id NOT IN (?` + strings.Repeat(", ?", len(tried)-1) + `)`
	}
	now := db.Now()
	return &take{
		choose: choose + ` ORDER BY ` + order + ` LIMIT 1`,
		args:   append(slices.Clone(u.args), tried...),
		// The usable filter again, under the row lock: the account may have
		// been disabled, judged unhealthy or filled since it was chosen. The
		// room test is written so that it matches neither selection index:
		// planners then find the row by its id.
		room:     `active_count + reserved_count + 1 <= instance_limit AND ` + u.where,
		roomArgs: u.args,
		r:        &webrana.Reservation{ID: newID(), OrderID: req.OrderID, CreatedAt: now, ExpiresAt: now.Add(req.TTL)},
		begin:    req.Begin,
	}
}

// inTx takes the slot in the caller's transaction, statement by statement.
func (t *take) inTx(ctx context.Context, c conn) error {
	err := c.row(ctx, t.choose, t.args...).Scan(&t.chosen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	res, err := c.exec(ctx, `UPDATE accounts SET reserved_count = reserved_count + 1 WHERE id = ? AND `+t.room,
		append([]any{t.chosen}, t.roomArgs...)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	t.taken, t.r.AccountID = true, t.chosen
	if _, err := c.exec(ctx, `INSERT INTO reservations (id, account_id, order_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		t.r.ID, t.r.AccountID, t.r.OrderID, t.r.CreatedAt, t.r.ExpiresAt); err != nil || !t.begin {
		return err
	}
	_, err = beginAttempt(ctx, c, t.r.OrderID, t.r.AccountID)
	return err
}

// inOneStatement takes the slot in one PostgreSQL statement, one round
// trip: the same choice, conditional UPDATE and INSERT as inTx, as
// data-modifying CTEs. The UPDATE's conditions are re-evaluated on the
// row's newest version when a concurrent reserver changed it, as inTx's
// are.
func (t *take) inOneStatement(ctx context.Context, c conn) error {
	query, args := t.statement()
	var chosen, taken sql.NullString
	if err := c.row(ctx, query, args...).Scan(&chosen, &taken); t.begin && isForeignKeyViolation(err) {
		return webrana.Errorf(webrana.ENOTFOUND, "Order not found.")
	} else if err != nil {
		return err
	}
	t.chosen, t.taken, t.r.AccountID = chosen.String, taken.Valid, taken.String
	return nil
}

// statement is inOneStatement's query: it answers the account chosen (NULL
// when none had room) and the account reserved on (NULL when none was).
// With begin, it also makes beginAttempt's writes on the account reserved;
// the attempt's reference to its order fails the statement, and takes no
// slot, when the order does not exist.
func (t *take) statement() (string, []any) {
	query := `WITH chosen AS (` + t.choose + `),
		slot AS (UPDATE accounts SET reserved_count = reserved_count + 1
			WHERE id = (SELECT id FROM chosen) AND ` + t.room + ` RETURNING id),
		reservation AS (INSERT INTO reservations (id, account_id, order_id, created_at, expires_at)
			SELECT ?, id, ?, ?, ? FROM slot RETURNING account_id)`
	args := append(append(slices.Clone(t.args), t.roomArgs...), t.r.ID, t.r.OrderID, t.r.CreatedAt, t.r.ExpiresAt)
	if t.begin {
		now := t.r.CreatedAt
		query += `,
		begun AS (UPDATE orders SET status = ?, step = ?, account_id = r.account_id, updated_at = ?
			FROM reservation r WHERE orders.id = ? RETURNING orders.instance_id, r.account_id),
		server AS (UPDATE instances SET status = ?, account_id = b.account_id, updated_at = ?
			FROM begun b WHERE instances.id = b.instance_id),
		attempt AS (INSERT INTO order_attempts (` + attemptColumns + `) SELECT ?, ?, account_id, ?, '', ?, NULL FROM reservation)`
		args = append(args, webrana.OrderRunning, webrana.StepCreating, now, t.r.OrderID,
			webrana.StatusProvisioning, now, newID(), t.r.OrderID, webrana.AttemptStarted, now)
	}
	return query + `
		SELECT (SELECT id FROM chosen), (SELECT account_id FROM reservation)`, args
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
	if req.AccountID != "" {
		where, args = where+` AND id = ?`, append(args, req.AccountID)
	}
	return usable{where: where, args: args}
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
