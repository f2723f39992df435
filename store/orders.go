package store

import (
	"context"
	"database/sql"

	"github.com/webrana/webrana"
)

const orderColumns = `id, instance_id, user_id, status, account_id, error, created_at, updated_at`

func scanOrder(s scanner) (*webrana.Order, error) {
	var o webrana.Order
	var account sql.NullString
	if err := s.Scan(&o.ID, &o.InstanceID, &o.UserID, &o.Status, &account, &o.Error, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	o.AccountID = account.String
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

// PlaceOrder writes a new instance and its order in one transaction, then
// calls enqueue in that same transaction (to insert the provisioning job), so
// an accepted order is never lost and never runs without its rows. enqueue
// may be nil.
func (db *DB) PlaceOrder(ctx context.Context, in *webrana.Instance, enqueue func(*Tx, *webrana.Order) error) (*webrana.Order, error) {
	var order *webrana.Order
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.CreateInstance(ctx, in); err != nil {
			return err
		}
		o := &webrana.Order{InstanceID: in.ID, UserID: in.OwnerID, Status: webrana.OrderPending}
		if err := tx.CreateOrder(ctx, o); err != nil {
			return err
		}
		if enqueue != nil {
			if err := enqueue(tx, o); err != nil {
				return err
			}
		}
		order = o
		return nil
	})
	return order, err
}

// CreateOrder inserts o, setting its ID and timestamps.
func (tx *Tx) CreateOrder(ctx context.Context, o *webrana.Order) error {
	c := tx.conn()
	o.ID = newID()
	o.CreatedAt = c.now()
	o.UpdatedAt = o.CreatedAt
	_, err := c.exec(ctx, `INSERT INTO orders (`+orderColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.InstanceID, o.UserID, o.Status, nullString(o.AccountID), o.Error, o.CreatedAt, o.UpdatedAt)
	return constraintError(err, "This server already has an order.", "Unknown server, user or account.")
}

// OrderByID returns the order with the given id.
func (db *DB) OrderByID(ctx context.Context, id string) (*webrana.Order, error) {
	o, err := scanOrder(db.conn().row(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
	return o, notFound(err, "Order")
}

// OrderByInstance returns the order that created the given instance.
func (db *DB) OrderByInstance(ctx context.Context, instanceID string) (*webrana.Order, error) {
	o, err := scanOrder(db.conn().row(ctx, `SELECT `+orderColumns+` FROM orders WHERE instance_id = ?`, instanceID))
	return o, notFound(err, "Order")
}

// OrderUpdate lists the fields of an order to change; nil fields stay.
type OrderUpdate struct {
	Status    *string
	AccountID *string
	Error     *string
}

// UpdateOrder applies upd and returns the result.
func (db *DB) UpdateOrder(ctx context.Context, id string, upd OrderUpdate) (*webrana.Order, error) {
	set := setClause{}.
		add("status", upd.Status != nil, deref(upd.Status)).
		add("account_id", upd.AccountID != nil, nullString(deref(upd.AccountID))).
		add("error", upd.Error != nil, deref(upd.Error))
	err := db.conn().update(ctx, "orders", id, set, "Order")
	if err := constraintError(err, "", "Unknown account."); err != nil {
		return nil, err
	}
	return db.OrderByID(ctx, id)
}

const attemptColumns = `id, order_id, account_id, outcome, error, started_at, finished_at`

func scanAttempt(s scanner) (*webrana.Attempt, error) {
	var a webrana.Attempt
	var account sql.NullString
	var finished sql.NullTime
	if err := s.Scan(&a.ID, &a.OrderID, &account, &a.Outcome, &a.Error, &a.StartedAt, &finished); err != nil {
		return nil, err
	}
	a.AccountID = account.String
	a.StartedAt = a.StartedAt.UTC()
	a.FinishedAt = timePtr(finished)
	return &a, nil
}

// StartAttempt records the start of an attempt of an order on an account.
func (db *DB) StartAttempt(ctx context.Context, orderID, accountID string) (*webrana.Attempt, error) {
	c := db.conn()
	a := &webrana.Attempt{ID: newID(), OrderID: orderID, AccountID: accountID, Outcome: "started", StartedAt: c.now()}
	_, err := c.exec(ctx, `INSERT INTO order_attempts (`+attemptColumns+`) VALUES (?, ?, ?, ?, '', ?, NULL)`,
		a.ID, a.OrderID, nullString(a.AccountID), a.Outcome, a.StartedAt)
	return a, constraintError(err, "", "Unknown order or account.")
}

// FinishAttempt records how an attempt ended: "succeeded" or an error code,
// with the error's message.
func (db *DB) FinishAttempt(ctx context.Context, id, outcome, errMsg string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE order_attempts SET outcome = ?, error = ?, finished_at = ? WHERE id = ?`,
		outcome, errMsg, c.now(), id)
	return mustAffect(res, err, "Attempt")
}

// ListAttempts returns an order's attempts in the order they started.
func (db *DB) ListAttempts(ctx context.Context, orderID string) ([]*webrana.Attempt, error) {
	return list(ctx, db.conn(), scanAttempt, `SELECT `+attemptColumns+` FROM order_attempts
		WHERE order_id = ? ORDER BY started_at, id`, orderID)
}
