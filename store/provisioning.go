package store

import (
	"context"
	"database/sql"
	"errors"
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
		c := tx.conn()
		now := c.now()
		o, err := scanOrder(c.row(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, orderID))
		if err != nil {
			return notFound(err, "Order")
		}
		if _, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, account_id = ?, updated_at = ? WHERE id = ?`,
			webrana.OrderRunning, webrana.StepCreating, accountID, now, orderID); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE instances SET status = ?, account_id = ?, updated_at = ? WHERE id = ?`,
			webrana.StatusProvisioning, accountID, now, o.InstanceID); err != nil {
			return err
		}
		a = &webrana.Attempt{ID: newID(), OrderID: orderID, AccountID: accountID, Outcome: webrana.AttemptStarted, StartedAt: now}
		_, err = c.exec(ctx, `INSERT INTO order_attempts (`+attemptColumns+`) VALUES (?, ?, ?, ?, '', ?, NULL)`,
			a.ID, a.OrderID, a.AccountID, a.Outcome, a.StartedAt)
		return err
	})
	return a, constraintError(err, "", "Unknown order or account.")
}

// EndAttempt finishes the order's open attempt with an outcome and gives
// back the order's reservation, if it still holds one: the account refused
// or failed, and the order will look for another.
func (db *DB) EndAttempt(ctx context.Context, orderID, outcome, message string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if err := finishOpenAttempts(ctx, c, orderID, outcome, message); err != nil {
			return err
		}
		if err := releaseOrderReservations(ctx, c, orderID); err != nil {
			return err
		}
		_, err := c.exec(ctx, `UPDATE orders SET account_id = NULL, updated_at = ? WHERE id = ?`, c.now(), orderID)
		return err
	})
}

// CloseAttempt finishes the order's open attempt with an outcome but keeps
// its account and reservation: the provider failed in a way that may hide a
// success, so the next run looks the order's tag up on the same account.
func (db *DB) CloseAttempt(ctx context.Context, orderID, outcome, message string) error {
	return finishOpenAttempts(ctx, db.conn(), orderID, outcome, message)
}

// HoldOrder records that no account has room for the order: it waits.
func (db *DB) HoldOrder(ctx context.Context, orderID, reason string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		res, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, error = ?, account_id = NULL, updated_at = ? WHERE id = ?`,
			webrana.OrderHeld, webrana.StepWaiting, reason, now, orderID)
		if err := mustAffect(res, err, "Order"); err != nil {
			return err
		}
		_, err = c.exec(ctx, `UPDATE instances SET status = ?, updated_at = ? WHERE id = (SELECT instance_id FROM orders WHERE id = ?)`,
			webrana.StatusHeld, now, orderID)
		return err
	})
}

// RecordServer records that the provider has the order's server (created,
// or found by the order's tag after a lost answer): the order boots, and its
// reservation on the account becomes a running server. The account's count
// goes up by one unless a sync of the account started after the server was
// created (createdAt, the provider's time, to the second) and so already
// counted it — the
// case of a create whose answer was lost in a crash, adopted after restart.
// When the reservation expired meanwhile the count is raised all the same:
// the server exists either way.
func (db *DB) RecordServer(ctx context.Context, orderID, accountID, providerID string, createdAt time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		res, err := c.exec(ctx, `UPDATE orders SET step = ?, account_id = ?, updated_at = ? WHERE id = ?`,
			webrana.StepBooting, accountID, now, orderID)
		if err := mustAffect(res, err, "Order"); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE instances SET provider_id = ?, account_id = ?, updated_at = ?
			WHERE id = (SELECT instance_id FROM orders WHERE id = ?)`, providerID, accountID, now, orderID); err != nil {
			return err
		}
		if err := releaseOrderReservations(ctx, c, orderID); err != nil {
			return err
		}
		var lastSync sql.NullTime
		if err := c.row(ctx, `SELECT last_sync_at FROM accounts WHERE id = ?`, accountID).Scan(&lastSync); err != nil {
			return notFound(err, "Account")
		}
		// Providers give creation times to the second: only a server made a
		// whole second before the sync began is surely in its count. In doubt
		// it is counted (one slot too few until the next sync, never one too
		// many).
		if lastSync.Valid && !createdAt.IsZero() && createdAt.Add(time.Second).Before(lastSync.Time) {
			return nil // the last sync counted it
		}
		_, err = c.exec(ctx, `UPDATE accounts SET active_count = active_count + 1 WHERE id = ?`, accountID)
		return err
	})
}

// ServerGone lowers an account's count of running servers by one, in the
// transaction that fails the order: a server Webrana recorded at recorded
// was deleted (it never came up) or vanished. When a sync of the account
// began since, its count may already leave the server out, so it is left
// alone (one slot too few until the next sync, never one too many).
func (tx *Tx) ServerGone(ctx context.Context, accountID string, recorded time.Time) error {
	_, err := tx.conn().exec(ctx, `UPDATE accounts SET active_count = active_count - 1
		WHERE id = ? AND active_count > 0 AND (last_sync_at IS NULL OR last_sync_at < ?)`, accountID, recorded)
	return err
}

// PrepaidSpan is the span the first charge pays for (provision.FirstPeriod
// prices it): metering starts after it.
const PrepaidSpan = 24 * time.Hour

// MonthOf is the first instant of t's calendar month, in UTC: the monthly
// cap applies per calendar month, as the providers bill.
func MonthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// CompleteOrder marks the order's server active with its addresses, and
// turns the hold into the charge for the first billing period; the root
// password is erased.
func (db *DB) CompleteOrder(ctx context.Context, orderID, ipv4, ipv6 string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		o, in, err := orderAndInstance(ctx, c, orderID)
		if err != nil {
			return err
		}
		if o.Status == webrana.OrderSucceeded {
			return nil // a retried completion
		}
		if _, err := c.exec(ctx, `UPDATE orders SET status = ?, step = ?, error = '', root_password = '', updated_at = ? WHERE id = ?`,
			webrana.OrderSucceeded, webrana.StepDone, now, orderID); err != nil {
			return err
		}
		// The first day is paid by the hold's charge: metering starts after it.
		if _, err := c.exec(ctx, `UPDATE instances SET status = ?, ipv4 = ?, ipv6 = ?, error = '', active_at = ?, updated_at = ?,
			billed_until = ?, billing_month = ?, month_charged = ? WHERE id = ?`,
			webrana.StatusActive, ipv4, ipv6, now, now, now.Add(PrepaidSpan), MonthOf(now), o.HoldAmount, in.ID); err != nil {
			return err
		}
		if err := finishOpenAttempts(ctx, c, orderID, webrana.AttemptSucceeded, ""); err != nil {
			return err
		}
		if o.HoldAmount == 0 {
			return nil
		}
		if err := releaseHold(ctx, c, o, in, "Hold released: "+in.Label+" is active"); err != nil {
			return err
		}
		_, err = c.appendLedger(ctx, &webrana.LedgerEntry{UserID: o.UserID, Kind: webrana.LedgerCharge, Amount: -o.HoldAmount,
			Currency: o.Currency, InstanceID: in.ID, Note: "First day of " + in.Label, IdempotencyKey: "charge:first:" + o.ID})
		return err
	})
}

// FailOrder ends the order for good: the server failed with reason (shown
// to the customer), the hold is released, any reservation given back, the
// root password erased. also runs in the same transaction (to raise the
// operator's alert); it may be nil.
func (db *DB) FailOrder(ctx context.Context, orderID, outcome, reason string, also func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		o, in, err := orderAndInstance(ctx, c, orderID)
		if err != nil {
			return err
		}
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
		if err := finishOpenAttempts(ctx, c, orderID, outcome, reason); err != nil {
			return err
		}
		if err := releaseOrderReservations(ctx, c, orderID); err != nil {
			return err
		}
		if o.HoldAmount > 0 {
			if err := releaseHold(ctx, c, o, in, "Hold released: "+in.Label+" could not be created"); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
}

func orderAndInstance(ctx context.Context, c conn, orderID string) (*webrana.Order, *webrana.Instance, error) {
	o, err := scanOrder(c.row(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, orderID))
	if err != nil {
		return nil, nil, notFound(err, "Order")
	}
	in, err := scanInstance(c.row(ctx, `SELECT `+instanceColumns+` FROM instances WHERE id = ?`, o.InstanceID))
	if err != nil {
		return nil, nil, notFound(err, "Server")
	}
	return o, in, nil
}

func releaseHold(ctx context.Context, c conn, o *webrana.Order, in *webrana.Instance, note string) error {
	_, err := c.appendLedger(ctx, &webrana.LedgerEntry{UserID: o.UserID, Kind: webrana.LedgerRelease, Amount: o.HoldAmount,
		Currency: o.Currency, InstanceID: in.ID, Note: note, IdempotencyKey: "release:" + o.ID})
	return err
}

func finishOpenAttempts(ctx context.Context, c conn, orderID, outcome, message string) error {
	_, err := c.exec(ctx, `UPDATE order_attempts SET outcome = ?, error = ?, finished_at = ? WHERE order_id = ? AND outcome = ?`,
		outcome, message, c.now(), orderID, webrana.AttemptStarted)
	return err
}

func releaseOrderReservations(ctx context.Context, c conn, orderID string) error {
	held, err := list(ctx, c, scanString, `DELETE FROM reservations WHERE order_id = ? RETURNING account_id`, orderID)
	if err != nil {
		return err
	}
	for _, a := range held {
		if _, err := c.exec(ctx, `UPDATE accounts SET reserved_count = reserved_count - 1 WHERE id = ?`, a); err != nil {
			return err
		}
	}
	return nil
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
