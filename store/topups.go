package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/webrana/webrana"
)

// Card top-ups and their refunds (package payments). A top-up is credited
// once: SettleTopUp moves it from pending in one conditional UPDATE, so of
// concurrent deliveries of the same payment only one transaction sees a row
// changed. A refund is reserved first (ReserveRefund adds to refunded only
// while refunded stays within the amount), so concurrent refunds never pay
// back more than was paid.

const topUpColumns = `id, user_id, amount, currency, status, gateway, session_id, checkout_url, payment_id, refunded, error,
	created_at, updated_at, paid_at`

func scanTopUp(s scanner) (*webrana.TopUp, error) {
	var t webrana.TopUp
	var paid sql.NullTime
	if err := s.Scan(&t.ID, &t.UserID, &t.Amount, &t.Currency, &t.Status, &t.Gateway, &t.SessionID, &t.CheckoutURL,
		&t.PaymentID, &t.Refunded, &t.Error, &t.CreatedAt, &t.UpdatedAt, &paid); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt, t.PaidAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), timePtr(paid)
	return &t, nil
}

// CreateTopUp records a pending top-up, setting its ID and times.
func (db *DB) CreateTopUp(ctx context.Context, t *webrana.TopUp) error {
	c := db.conn()
	t.ID, t.Status = newID(), webrana.TopUpPending
	t.CreatedAt = c.now()
	t.UpdatedAt = t.CreatedAt
	_, err := c.exec(ctx, `INSERT INTO top_ups (`+topUpColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', ?, ?, NULL)`,
		t.ID, t.UserID, t.Amount, t.Currency, t.Status, t.Gateway, t.SessionID, t.CheckoutURL, t.PaymentID, t.CreatedAt, t.UpdatedAt)
	return constraintError(err, "", "Unknown customer.")
}

// SetTopUpCheckout stores a pending top-up's checkout session.
func (db *DB) SetTopUpCheckout(ctx context.Context, id, sessionID, url string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE top_ups SET session_id = ?, checkout_url = ?, updated_at = ? WHERE id = ? AND status = ?`,
		sessionID, url, c.now(), id, webrana.TopUpPending)
	return mustAffect(res, err, "Pending top-up")
}

// FailTopUp marks a pending top-up failed (its checkout could not start),
// with what a person is told.
func (db *DB) FailTopUp(ctx context.Context, id, reason string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE top_ups SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status = ?`,
		webrana.TopUpFailed, reason, c.now(), id, webrana.TopUpPending)
	return mustAffect(res, err, "Pending top-up")
}

// TopUpByID returns a top-up (ENOTFOUND if none).
func (db *DB) TopUpByID(ctx context.Context, id string) (*webrana.TopUp, error) {
	t, err := scanTopUp(db.conn().row(ctx, `SELECT `+topUpColumns+` FROM top_ups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Top-up not found.")
	}
	return t, err
}

// ListTopUps returns a page of one customer's top-ups, newest first, and
// the total (ListTopUpRows is everyone's, for operators).
func (db *DB) ListTopUps(ctx context.Context, userID string, p webrana.Page) ([]*webrana.TopUp, int, error) {
	return listPage(ctx, db.conn(), scanTopUp, `SELECT `+topUpColumns+` FROM top_ups WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
		`SELECT COUNT(*) FROM top_ups WHERE user_id = ?`, []any{userID}, p)
}

// SettleTopUp moves a pending top-up to status (paid or mismatch) with the
// gateway's payment, and reports whether it did: false when it was
// settled already (another delivery of the same event settled it first).
// A failed top-up (its checkout seemed not to start) is settled too: if
// the gateway says it was paid, the customer paid.
// The caller's credit, audit and mail go in the same transaction.
func (tx *Tx) SettleTopUp(ctx context.Context, id, status, paymentID string, at time.Time) (bool, error) {
	c := tx.conn()
	var paidAt any
	if status == webrana.TopUpPaid {
		paidAt = at
	}
	res, err := c.exec(ctx, `UPDATE top_ups SET status = ?, payment_id = ?, paid_at = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
		status, paymentID, paidAt, at, id, webrana.TopUpPending, webrana.TopUpFailed)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const refundColumns = `id, top_up_id, amount, status, gateway_id, error, created_by, created_at, updated_at`

func scanRefund(s scanner) (*webrana.TopUpRefund, error) {
	var r webrana.TopUpRefund
	if err := s.Scan(&r.ID, &r.TopUpID, &r.Amount, &r.Status, &r.GatewayID, &r.Error, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

// ReserveRefund reserves amount of a paid top-up for a refund by an
// operator (byID) and returns the pending refund. The reservation adds to
// the top-up's refunded only while it stays within the amount paid, in
// one conditional UPDATE, so concurrent refunds never pass it: one that
// would is ECONFLICT.
func (db *DB) ReserveRefund(ctx context.Context, topUpID string, amount int64, byID string) (*webrana.TopUpRefund, error) {
	r := &webrana.TopUpRefund{ID: newID(), TopUpID: topUpID, Amount: amount, Status: webrana.RefundPending, CreatedBy: byID}
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		r.CreatedAt = c.now()
		r.UpdatedAt = r.CreatedAt
		res, err := c.exec(ctx, `UPDATE top_ups SET refunded = refunded + ?, updated_at = ?
			WHERE id = ? AND status = ? AND refunded + ? <= amount`, amount, r.CreatedAt, topUpID, webrana.TopUpPaid, amount)
		if err := mustAffect(res, err, "Top-up"); webrana.ErrorCode(err) == webrana.ENOTFOUND {
			return webrana.Errorf(webrana.ECONFLICT, "The refund is more than what is left of the top-up to refund.")
		} else if err != nil {
			return err
		}
		_, err = c.exec(ctx, `INSERT INTO top_up_refunds (`+refundColumns+`) VALUES (?, ?, ?, ?, '', '', ?, ?, ?)`,
			r.ID, r.TopUpID, r.Amount, r.Status, r.CreatedBy, r.CreatedAt, r.UpdatedAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ReleaseRefund marks a pending (or unknown) refund failed (the gateway
// refused it), with the reason, and gives its amount back to what may be
// refunded.
func (db *DB) ReleaseRefund(ctx context.Context, r *webrana.TopUpRefund, reason string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		res, err := c.exec(ctx, `UPDATE top_up_refunds SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
			webrana.RefundFailed, reason, now, r.ID, webrana.RefundPending, webrana.RefundUnknown)
		if err := mustAffect(res, err, "Pending refund"); err != nil {
			return err
		}
		_, err = c.exec(ctx, `UPDATE top_ups SET refunded = refunded - ?, updated_at = ? WHERE id = ?`, r.Amount, now, r.TopUpID)
		return err
	})
}

// MarkRefundUnknown marks a pending refund whose answer was lost: it keeps
// its reservation until it is asked again.
func (db *DB) MarkRefundUnknown(ctx context.Context, r *webrana.TopUpRefund, reason string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE top_up_refunds SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
		webrana.RefundUnknown, reason, c.now(), r.ID, webrana.RefundPending, webrana.RefundUnknown)
	return mustAffect(res, err, "Pending refund")
}

// CompleteRefund marks a pending (or unknown) refund done with the gateway's id for it,
// in the transaction of its ledger entry and audit, and reports whether it
// did (false: it was done already).
func (tx *Tx) CompleteRefund(ctx context.Context, r *webrana.TopUpRefund, gatewayID string) (bool, error) {
	c := tx.conn()
	res, err := c.exec(ctx, `UPDATE top_up_refunds SET status = ?, gateway_id = ?, error = '', updated_at = ? WHERE id = ? AND status IN (?, ?)`,
		webrana.RefundDone, gatewayID, c.now(), r.ID, webrana.RefundPending, webrana.RefundUnknown)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RefundsOf returns a top-up's refunds, oldest first.
func (db *DB) RefundsOf(ctx context.Context, topUpID string) ([]*webrana.TopUpRefund, error) {
	return list(ctx, db.conn(), scanRefund, `SELECT `+refundColumns+` FROM top_up_refunds WHERE top_up_id = ? ORDER BY created_at, id`, topUpID)
}
