package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"

	"github.com/webrana/webrana"
)

const orderColumns = `id, instance_id, user_id, status, step, account_id, error, hold_amount, currency, root_password,
	created_at, updated_at`

func scanOrder(s scanner) (*webrana.Order, error) {
	var o webrana.Order
	var account sql.NullString
	if err := s.Scan(&o.ID, &o.InstanceID, &o.UserID, &o.Status, &o.Step, &account, &o.Error, &o.HoldAmount,
		&o.Currency, &o.RootPassword, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	o.AccountID = account.String
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

// NewOrder is an order as a customer places it.
type NewOrder struct {
	Instance     *webrana.Instance
	RootPassword string        // sealed with the master key; "" for none
	Hold         webrana.Money // held from the balance for the first billing period; zero holds nothing (Place never asks for that)
	// IdempotencyKey, when set, places the order once per customer and key
	// (a unique index on the orders enforces it): see PlaceOrder.
	IdempotencyKey string
	// Tags are the customer's tags on the server (their own namespace).
	Tags []string
	// BackupHold is the part of Hold that pays for the first day of the
	// server's backups (Instance.Options.Backups), from 0 to Hold.
	BackupHold int64
}

// errKeyUsed rolls back an order whose idempotency key its customer used
// already.
var errKeyUsed = errors.New("store: idempotency key used")

// PlaceOrder writes a new instance, its order and the hold on the customer's
// balance in one transaction, then calls enqueue in that same transaction
// (to insert the provisioning job), so an accepted order is never lost and
// never runs without its rows. enqueue may be nil.
//
// The balance check and the hold are atomic per customer: concurrent orders
// of one customer are serialised on the customer's row, so together they
// never hold more than the balance. A balance short of the hold is
// EPAYMENT.
//
// When the customer already placed an order with no.IdempotencyKey (before,
// or at the same time: the database's unique index decides, and its check
// comes before the balance's), nothing is written, enqueue is not called,
// and that first order is returned: its InstanceID is not no.Instance's,
// which is left as given. What the two orders asked for is not compared.
//
// A hold below zero or above webrana.MaxAmount is refused (EINVALID) and
// nothing is written: the last guard behind provision.FirstPeriod.
func (db *DB) PlaceOrder(ctx context.Context, no NewOrder, enqueue func(*Tx, *webrana.Order) error) (*webrana.Order, error) {
	if no.Hold.Amount < 0 || no.Hold.Amount > webrana.MaxAmount {
		return nil, webrana.Errorf(webrana.EINVALID, "An order holds from 0.00 (nothing) to %s; %s is out of range.",
			webrana.FormatMajor(webrana.MaxAmount), no.Hold)
	}
	var order *webrana.Order
	in := no.Instance
	given := *in
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.CreateInstance(ctx, in); err != nil {
			return err
		}
		if err := tx.conn().tagInstance(ctx, in.ID, no.Tags); err != nil {
			return err
		}
		o := &webrana.Order{InstanceID: in.ID, UserID: in.OwnerID, Status: webrana.OrderPending, Step: webrana.StepQueued,
			HoldAmount: no.Hold.Amount, Currency: cmp.Or(no.Hold.Currency, webrana.BillingCurrency), RootPassword: no.RootPassword}
		if created, err := tx.createOrder(ctx, o, no.IdempotencyKey); err != nil {
			return err
		} else if !created {
			return errKeyUsed
		}
		if err := tx.conn().orderBackups(ctx, o, in, no); err != nil { // backups.go
			return err
		}
		if enqueue != nil {
			if err := enqueue(tx, o); err != nil {
				return err
			}
		}
		// The hold comes last: it locks the customer's row until the
		// commit, and a customer's concurrent orders take turns for as
		// long as that lock is held.
		if no.Hold.Amount > 0 {
			hold := &webrana.LedgerEntry{UserID: in.OwnerID, Kind: webrana.LedgerHold, Amount: -no.Hold.Amount,
				Currency: o.Currency, InstanceID: in.ID, Note: "Held for the first day of " + in.Label, IdempotencyKey: "hold:" + o.ID}
			if err := tx.holdFunds(ctx, hold); err != nil {
				return err
			}
		}
		order = o
		return nil
	})
	if errors.Is(err, errKeyUsed) {
		*in = given // nothing of it was written
		return db.OrderByIdempotencyKey(ctx, in.OwnerID, no.IdempotencyKey)
	}
	return order, err
}

// OrderByIdempotencyKey returns the order a customer placed with an
// idempotency key.
func (db *DB) OrderByIdempotencyKey(ctx context.Context, userID, key string) (*webrana.Order, error) {
	o, err := scanOrder(db.conn().row(ctx, `SELECT `+orderColumns+` FROM orders WHERE user_id = ? AND idempotency_key = ?`,
		userID, key))
	return o, notFound(err, "Order")
}

// holdFunds appends the hold entry if the customer's balance covers it,
// under the customer's row lock (so concurrent orders of one customer take
// turns), and refuses the order otherwise.
func (tx *Tx) holdFunds(ctx context.Context, hold *webrana.LedgerEntry) error {
	balance, covered, err := tx.conn().appendDebit(ctx, hold)
	if err != nil || covered {
		return err
	}
	return webrana.Errorf(webrana.EPAYMENT, "Your balance is %s; this server needs %s for its first day. Add credit and try again.",
		webrana.Money{Amount: balance, Currency: hold.Currency}, webrana.Money{Amount: -hold.Amount, Currency: hold.Currency})
}

// CreateOrder inserts o, setting its ID and timestamps.
func (tx *Tx) CreateOrder(ctx context.Context, o *webrana.Order) error {
	_, err := tx.createOrder(ctx, o, "")
	return err
}

// createOrder inserts o with an idempotency key ("" for none). It reports
// false, writing nothing, when the customer's order with that key exists.
func (tx *Tx) createOrder(ctx context.Context, o *webrana.Order, key string) (bool, error) {
	c := tx.conn()
	o.ID = newID()
	o.CreatedAt = c.now()
	o.UpdatedAt = o.CreatedAt
	o.Step = cmp.Or(o.Step, webrana.StepQueued)
	o.Currency = cmp.Or(o.Currency, webrana.BillingCurrency)
	res, err := c.exec(ctx, `INSERT INTO orders (`+orderColumns+`, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id, idempotency_key) DO NOTHING`,
		o.ID, o.InstanceID, o.UserID, o.Status, o.Step, nullString(o.AccountID), o.Error, o.HoldAmount, o.Currency,
		o.RootPassword, o.CreatedAt, o.UpdatedAt, nullString(key))
	if err != nil {
		return false, constraintError(err, "This server already has an order.", "Unknown server, user or account.")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// BootingOrder is an order whose server is recorded and not yet running,
// with that server.
type BootingOrder struct {
	*webrana.Order
	Instance *webrana.Instance
}

// BootingOrders lists the orders whose server is recorded on the account
// and not yet running (step booting), oldest first, each with its server:
// what the account's boot watch looks at each tick, in one query however
// many boot.
func (db *DB) BootingOrders(ctx context.Context, accountID string) ([]*BootingOrder, error) {
	return list(ctx, db.conn(), func(s scanner) (*BootingOrder, error) {
		o, in, err := scanOrderAndInstance(s)
		return &BootingOrder{Order: o, Instance: in}, err
	}, bootingOrdersQuery, accountID, webrana.StepBooting)
}

// OrderAndInstance returns the order with the given id and its instance,
// in one query: what each run of an order's job starts from.
func (db *DB) OrderAndInstance(ctx context.Context, id string) (*webrana.Order, *webrana.Instance, error) {
	o, in, err := scanOrderAndInstance(db.conn().row(ctx, orderAndInstanceQuery, id))
	return o, in, notFound(err, "Order")
}

// ordersWithInstances selects orders (o) joined with their instances (i),
// as scanOrderAndInstance reads them; the queries add their conditions.
var (
	ordersWithInstances = `SELECT ` + qualified("o", orderColumns) + `, ` + qualified("i", instanceColumns) + `
	FROM orders o JOIN instances i ON i.id = o.instance_id`
	bootingOrdersQuery    = ordersWithInstances + ` WHERE o.account_id = ? AND o.step = ? ORDER BY o.created_at, o.id`
	orderAndInstanceQuery = ordersWithInstances + ` WHERE o.id = ?`
)

func scanOrderAndInstance(s scanner) (*webrana.Order, *webrana.Instance, error) {
	return scanBoth(s, scanOrder, scanInstance)
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
	Step      *string
	AccountID *string
	Error     *string
}

// UpdateOrder applies upd and returns the result.
func (db *DB) UpdateOrder(ctx context.Context, id string, upd OrderUpdate) (*webrana.Order, error) {
	set := setClause{}.
		add("status", upd.Status != nil, deref(upd.Status)).
		add("step", upd.Step != nil, deref(upd.Step)).
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
