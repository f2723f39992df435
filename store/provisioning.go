package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/webrana/webrana"
)

// The order workflow's transitions (DESIGN.md §5). Each is one transaction,
// so a crash between two of them leaves the order in a state the next run of
// its job resumes from.

// BeginAttempt records that the order is being tried on an account it holds a
// reservation on: the order runs on that account, creating.
func (db *DB) BeginAttempt(ctx context.Context, orderID, accountID string) (*webrana.Attempt, error) {
	var a *webrana.Attempt
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		a, err = beginAttempt(ctx, tx.conn(), orderID, accountID)
		return err
	})
	return a, constraintError(err, "", "Unknown order or account.")
}

// beginAttempt is BeginAttempt's writes, in the caller's transaction.
// Reserve with ReserveRequest.Begin makes the same writes on PostgreSQL
// in its one statement (take.statement).
func beginAttempt(ctx context.Context, c conn, orderID, accountID string) (*webrana.Attempt, error) {
	now := c.now()
	res, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, account_id = ?, updated_at = ? WHERE id = ?`,
		webrana.OrderRunning, webrana.StepCreating, accountID, now, orderID)
	if err := mustAffect(res, err, "Order"); err != nil {
		return nil, err
	}
	if _, err := c.exec(ctx, `UPDATE instances SET status = ?, account_id = ?, updated_at = ?
		WHERE id = (SELECT instance_id FROM orders WHERE id = ?)`, webrana.StatusProvisioning, accountID, now, orderID); err != nil {
		return nil, err
	}
	a := &webrana.Attempt{ID: newID(), OrderID: orderID, AccountID: accountID, Outcome: webrana.AttemptStarted, StartedAt: now}
	_, err = c.exec(ctx, `INSERT INTO order_attempts (`+attemptColumns+`) VALUES (?, ?, ?, ?, '', ?, NULL)`,
		a.ID, a.OrderID, a.AccountID, a.Outcome, a.StartedAt)
	return a, err
}

// EndAttempt finishes the order's open attempt with an outcome and gives
// back the order's reservation, if it still holds one: the account refused
// or failed, and the order will look for another.
func (db *DB) EndAttempt(ctx context.Context, orderID, outcome, message string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		k, err := tx.lockOrderCapacity(ctx, orderID)
		if err != nil {
			return err
		}
		if err := finishOpenAttempts(ctx, c, outcome, message, orderID); err != nil {
			return err
		}
		if err := k.releaseOrder(ctx, orderID); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE orders SET account_id = NULL, updated_at = ? WHERE id = ?`, c.now(), orderID); err != nil {
			return err
		}
		return k.settle(ctx)
	})
}

// lockOrderCapacity starts a change of capacity on the accounts an order
// touches: those it holds slots on and its instance's, plus extra. They
// are found and locked in one statement, in the order of their ids, as
// lockCapacity locks (ids are UUIDs, which the database orders as Go does).
func (tx *Tx) lockOrderCapacity(ctx context.Context, orderID string, extra ...string) (*capacity, error) {
	c := tx.conn()
	args := []any{orderID, orderID}
	query := `SELECT id FROM accounts WHERE id IN (SELECT account_id FROM reservations WHERE order_id = ?
		UNION SELECT i.account_id FROM orders o JOIN instances i ON i.id = o.instance_id WHERE o.id = ? AND i.account_id IS NOT NULL)`
	if len(extra) > 0 {
		query += ` OR id IN (` + placeholders(len(extra)) + `)`
		args = append(args, anys(extra)...)
	}
	accounts, err := list(ctx, c, scanString, query+` ORDER BY id`+c.forUpdate(), args...)
	if err != nil {
		return nil, err
	}
	return tx.lockedCapacity(append(accounts, extra...)), nil
}

// CloseAttempt finishes the order's open attempt with an outcome but keeps
// its account and reservation: the provider failed in a way that may hide a
// success, so the next run looks the order's tag up on the same account.
// The reservation lives another DefaultReservationTTL: while the outcome is
// unknown the slot must stay counted, however long the retries take.
func (db *DB) CloseAttempt(ctx context.Context, orderID, outcome, message string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if err := finishOpenAttempts(ctx, c, outcome, message, orderID); err != nil {
			return err
		}
		_, err := c.exec(ctx, `UPDATE reservations SET expires_at = ? WHERE order_id = ?`, c.now().Add(DefaultReservationTTL), orderID)
		return err
	})
}

// StillHeld records jobID as the job of a held order, if it is not yet
// (an order held before jobs were recorded, or by a job run again).
func (db *DB) StillHeld(ctx context.Context, orderID string, jobID int64) error {
	_, err := db.conn().exec(ctx, `UPDATE orders SET held_job_id = ? WHERE id = ? AND status = ?
		AND (held_job_id IS NULL OR held_job_id <> ?)`, jobID, orderID, webrana.OrderHeld, jobID)
	return err
}

// HoldOrder records that no account has room for the order: it waits, and
// jobID (the River job working it) is woken as soon as capacity appears.
// also runs in the same transaction (to raise the operator's alert); it may
// be nil. first runs in it too, but only the first time the order is held
// (to tell the customer once, however often the order waits again).
func (db *DB) HoldOrder(ctx context.Context, orderID, reason string, jobID int64, also func(*Tx) error, first ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		res, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, error = ?, account_id = NULL, held_job_id = ?, updated_at = ?
			WHERE id = ?`, webrana.OrderHeld, webrana.StepWaiting, reason, sql.NullInt64{Int64: jobID, Valid: jobID != 0}, now, orderID)
		if err := mustAffect(res, err, "Order"); err != nil {
			return err
		}
		if _, err = c.exec(ctx, `UPDATE instances SET status = ?, updated_at = ? WHERE id = (SELECT instance_id FROM orders WHERE id = ?)`,
			webrana.StatusHeld, now, orderID); err != nil {
			return err
		}
		if err := tx.then([]func(*Tx) error{also}); err != nil {
			return err
		}
		res, err = c.exec(ctx, `UPDATE orders SET held_at = ? WHERE id = ? AND held_at IS NULL`, now, orderID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // held before
		}
		return tx.then(first)
	})
}

// RecordServer records that the provider has the order's server (created,
// or found by the order's tag after a lost answer): the order boots, and
// its slot on the account becomes one of Webrana's own servers there —
// counted once, whether or not a sync listed it meanwhile (see Capacity).
// also runs in the same transaction (to start the account's boot watch).
func (db *DB) RecordServer(ctx context.Context, orderID, accountID, providerID string, also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		k, err := tx.lockOrderCapacity(ctx, orderID, accountID)
		if err != nil {
			return err
		}
		now := c.now()
		res, err := c.exec(ctx, `UPDATE orders SET step = ?, account_id = ?, updated_at = ? WHERE id = ?`,
			webrana.StepBooting, accountID, now, orderID)
		if err := mustAffect(res, err, "Order"); err != nil {
			return err
		}
		// The server exists: an instance still waiting is being set up now.
		_, err = c.exec(ctx, `UPDATE instances SET provider_id = ?, account_id = ?, updated_at = ?,
			status = CASE WHEN status IN (?, ?) THEN ? ELSE status END
			WHERE id = (SELECT instance_id FROM orders WHERE id = ?)`, providerID, accountID, now,
			webrana.StatusPending, webrana.StatusHeld, webrana.StatusProvisioning, orderID)
		if err := constraintError(err, "", "Unknown account."); err != nil {
			return err
		}
		if err := k.convert(ctx, orderID, accountID, providerID); err != nil {
			return err
		}
		if err := k.settle(ctx); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// Completion is how an order ends well, as the order service decides it:
// the server's addresses, and the first billing period its hold pays for —
// metering starts after Prepaid, and Charge (at most the hold) is charged
// for it in place of the hold.
type Completion struct {
	IPv4, IPv6 string
	Prepaid    time.Duration
	Charge     int64
}

// CompleteOrder marks the order's server active with its addresses, and
// turns the hold into the charge for the first billing period; the root
// password is erased. also runs in the same transaction (to tell the
// customer). Completing a completed order changes nothing and runs nothing.
func (db *DB) CompleteOrder(ctx context.Context, orderID string, done Completion, also ...func(*Tx) error) error {
	return db.CompleteOrders(ctx, []OrderCompletion{{OrderID: orderID, Completion: done, Also: also}})
}

// OrderCompletion is one order of CompleteOrders: how it ends well, and
// what runs with it (to tell the customer).
type OrderCompletion struct {
	OrderID string
	Completion
	Also []func(*Tx) error
}

// CompleteOrders is CompleteOrder for several orders in one transaction:
// the orders a look at an account found running (provision's boot watch),
// completed at once rather than one commit each. An order completed
// already is passed over; any other error leaves every order as it was.
func (db *DB) CompleteOrders(ctx context.Context, orders []OrderCompletion) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]string, len(orders))
	for i, d := range orders {
		ids[i] = d.OrderID
	}
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		locked, err := lockOrders(ctx, c, ids) // completed once, told once
		if err != nil {
			return err
		}
		var todo []completing
		var told []func(*Tx) error
		for _, d := range orders {
			l := locked[d.OrderID]
			if l.o.Done() || slices.ContainsFunc(todo, func(t completing) bool { return t.o.ID == d.OrderID }) {
				continue // a retried completion, or one that lost to a failure (a boot timeout)
			}
			if d.Charge < 0 || d.Charge > l.o.HoldAmount || d.Prepaid < 0 {
				return webrana.Errorf(webrana.EINVALID, "An order is charged from nothing to its hold, for a period that is not negative.")
			}
			todo = append(todo, completing{lockedOrder: l, done: d.Completion})
			told = append(told, d.Also...)
		}
		if err := complete(ctx, c, todo); err != nil {
			return err
		}
		return tx.then(told)
	})
}

// completing is an order CompleteOrders completes: read and locked, and
// how it ends.
type completing struct {
	*lockedOrder
	done Completion
}

// complete is CompleteOrders' writes: each order done, its server active
// and billed from the end of its prepaid period, its hold turned into the
// charge (backupHold of it for backups). What is the same for every order
// is one statement for all of them.
func complete(ctx context.Context, c conn, todo []completing) error {
	if len(todo) == 0 {
		return nil
	}
	ids := make([]string, len(todo))
	for i, t := range todo {
		ids[i] = t.o.ID
	}
	if _, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, error = '', root_password = '', updated_at = ?
		WHERE id IN (`+placeholders(len(ids))+`)`, append([]any{webrana.OrderSucceeded, webrana.StepDone, c.now()}, anys(ids)...)...); err != nil {
		return err
	}
	var entries []*webrana.LedgerEntry
	for _, t := range todo {
		now, o, done := c.now(), t.o, t.done
		backups := firstBackupCharge(t.backupHold, done) // backups.go: the part of the charge for backups, under their own cap
		if _, err := c.exec(ctx, `UPDATE instances SET status = ?, ipv4 = ?, ipv6 = ?, error = '', active_at = ?, updated_at = ?,
			billed_until = ?, billing_month = ?, month_charged = ?, backup_month_charged = ? WHERE id = ?`,
			webrana.StatusActive, done.IPv4, done.IPv6, now, now, now.Add(done.Prepaid), webrana.MonthOf(now), done.Charge-backups,
			backups, t.in.ID); err != nil {
			return err
		}
		if o.HoldAmount > 0 {
			entries = append(entries, holdRelease(o, t.in, "Hold released: "+t.in.Label+" is active"))
		}
		if done.Charge > 0 { // at most the hold (CompleteOrders)
			entries = append(entries, &webrana.LedgerEntry{UserID: o.UserID, Kind: webrana.LedgerCharge, Amount: -done.Charge,
				Currency: o.Currency, InstanceID: t.in.ID, Note: firstDayNote(t.in.Label, backups), IdempotencyKey: "charge:first:" + o.ID})
		}
	}
	if err := finishOpenAttempts(ctx, c, webrana.AttemptSucceeded, "", ids...); err != nil {
		return err
	}
	return c.appendEntries(ctx, entries)
}

// FailOrder ends the order for good: the server failed with reason (shown
// to the customer), the hold is released, any reservation given back, the
// root password erased. A server the order recorded stops counting as
// Webrana's own: the caller removed it, or, if that failed, the next sync
// lists it as a stray (and reconciliation reports it). also runs in the
// same transaction (to raise the operator's alert, to tell the customer),
// only when the order ends now; it may be nil.
func (db *DB) FailOrder(ctx context.Context, orderID, outcome, reason string, also func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		k, err := tx.lockOrderCapacity(ctx, orderID)
		if err != nil {
			return err
		}
		o, in, err := lockOrder(ctx, c, orderID) // failed once, told once
		if err != nil {
			return err
		}
		now := c.now()
		if o.Done() {
			return nil
		}
		if _, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, error = ?, root_password = '', updated_at = ? WHERE id = ?`,
			webrana.OrderFailed, webrana.StepFailed, reason, now, orderID); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE instances SET status = ?, error = ?, updated_at = ? WHERE id = ?`,
			webrana.StatusFailed, reason, now, in.ID); err != nil {
			return err
		}
		if err := finishOpenAttempts(ctx, c, outcome, reason, orderID); err != nil {
			return err
		}
		if err := k.releaseOrder(ctx, orderID); err != nil {
			return err
		}
		if in.AccountID != "" {
			k.touch(in.AccountID)
		}
		if o.HoldAmount > 0 {
			if err := releaseHold(ctx, c, o, in, "Hold released: "+in.Label+" could not be created"); err != nil {
				return err
			}
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		return k.settle(ctx)
	})
}

// lockedOrder is an order read under its row lock, with its instance and
// the part of its hold for backups.
type lockedOrder struct {
	o          *webrana.Order
	in         *webrana.Instance
	backupHold int64
}

// lockOrder reads the order and its instance, taking the order's row lock
// until the transaction ends (its read is the lock), so that concurrent
// endings of one order take turns and the second sees the first's.
func lockOrder(ctx context.Context, c conn, orderID string) (*webrana.Order, *webrana.Instance, error) {
	locked, err := lockOrders(ctx, c, []string{orderID})
	if err != nil {
		return nil, nil, err
	}
	return locked[orderID].o, locked[orderID].in, nil
}

// lockOrders is lockOrder for several orders, with the part of each one's
// hold for backups, in two round trips whatever their number. The rows are
// locked in the order of their ids, as by every other transaction locking
// several, so that two never wait for each other.
// An order or instance missing is an error.
func lockOrders(ctx context.Context, c conn, ids []string) (map[string]*lockedOrder, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	args := anys(ids)
	scan := func(s scanner) (*lockedOrder, error) {
		l := &lockedOrder{}
		o, err := scanOrder(also{s, []any{&l.backupHold}})
		l.o = o
		return l, err
	}
	orders, err := list(ctx, c, scan, `SELECT `+orderColumns+`, backup_hold FROM orders WHERE id IN (`+placeholders(len(ids))+`)
		ORDER BY id`+c.forUpdate(), args...)
	if err != nil {
		return nil, err
	}
	if len(orders) < len(ids) {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Order not found.")
	}
	byInstance := make(map[string]*lockedOrder, len(orders))
	instanceIDs := make([]any, 0, len(orders))
	for _, l := range orders {
		byInstance[l.o.InstanceID] = l
		instanceIDs = append(instanceIDs, l.o.InstanceID)
	}
	instances, err := list(ctx, c, scanInstance, `SELECT `+instanceColumns+` FROM instances WHERE id IN (`+placeholders(len(instanceIDs))+`)`,
		instanceIDs...)
	if err != nil {
		return nil, err
	}
	if len(instances) < len(orders) {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Server not found.")
	}
	out := make(map[string]*lockedOrder, len(orders))
	for _, in := range instances {
		l := byInstance[in.ID]
		l.in = in
		out[l.o.ID] = l
	}
	return out, nil
}

func releaseHold(ctx context.Context, c conn, o *webrana.Order, in *webrana.Instance, note string) error {
	_, err := c.appendLedger(ctx, holdRelease(o, in, note))
	return err
}

// holdRelease is the entry that gives an order's hold back.
func holdRelease(o *webrana.Order, in *webrana.Instance, note string) *webrana.LedgerEntry {
	return &webrana.LedgerEntry{UserID: o.UserID, Kind: webrana.LedgerRelease, Amount: o.HoldAmount,
		Currency: o.Currency, InstanceID: in.ID, Note: note, IdempotencyKey: "release:" + o.ID}
}

// finishOpenAttempts ends the open attempts of the orders with an outcome.
func finishOpenAttempts(ctx context.Context, c conn, outcome, message string, orderIDs ...string) error {
	_, err := c.exec(ctx, `UPDATE order_attempts SET outcome = ?, error = ?, finished_at = ? WHERE outcome = ?
		AND order_id IN (`+placeholders(len(orderIDs))+`)`, append([]any{outcome, message, c.now(), webrana.AttemptStarted}, anys(orderIDs)...)...)
	return err
}

// ReservationOf returns the order's live reservation, or nil when it holds
// none (never reserved, converted, released, or expired and swept).
func (db *DB) ReservationOf(ctx context.Context, orderID string) (*webrana.Reservation, error) {
	var r webrana.Reservation
	err := db.conn().row(ctx, `SELECT id, account_id, order_id, created_at, expires_at FROM reservations WHERE order_id = ?`,
		orderID).Scan(&r.ID, &r.AccountID, &r.OrderID, &r.CreatedAt, &r.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	return &r, nil
}

// HeldOrders counts the orders waiting for capacity, per provider.
func (db *DB) HeldOrders(ctx context.Context) (map[webrana.ProviderType]int, error) {
	rows, err := db.conn().query(ctx, `SELECT i.provider_type, COUNT(*) FROM orders o JOIN instances i ON i.id = o.instance_id
		WHERE o.status = ? GROUP BY i.provider_type`, webrana.OrderHeld)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[webrana.ProviderType]int{}
	for rows.Next() {
		var p webrana.ProviderType
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[p] = n
	}
	return out, rows.Err()
}

// AccountSSHKey returns the provider's id of a key registered with an
// account, or "" when it was never registered there.
func (db *DB) AccountSSHKey(ctx context.Context, accountID, fingerprint string) (string, error) {
	var id string
	err := db.conn().row(ctx, `SELECT provider_key_id FROM account_ssh_keys WHERE account_id = ? AND fingerprint = ?`,
		accountID, fingerprint).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// RememberSSHKey records the provider's id of a key registered with an
// account. Remembering it twice keeps the latest id.
func (db *DB) RememberSSHKey(ctx context.Context, accountID, fingerprint, providerKeyID string) error {
	c := db.conn()
	_, err := c.exec(ctx, `INSERT INTO account_ssh_keys (account_id, fingerprint, provider_key_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, fingerprint) DO UPDATE SET provider_key_id = excluded.provider_key_id`,
		accountID, fingerprint, providerKeyID, c.now())
	return constraintError(err, "", "Unknown account.")
}

// ForgetSSHKey drops a remembered key (the provider no longer has it).
func (db *DB) ForgetSSHKey(ctx context.Context, accountID, fingerprint string) error {
	_, err := db.conn().exec(ctx, `DELETE FROM account_ssh_keys WHERE account_id = ? AND fingerprint = ?`, accountID, fingerprint)
	return err
}
