package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/webrana/webrana"
)

const ledgerColumns = `id, user_id, kind, amount, currency, instance_id, note, idempotency_key, created_at`

func scanLedger(s scanner) (*webrana.LedgerEntry, error) {
	var e webrana.LedgerEntry
	var instance, key sql.NullString
	if err := s.Scan(&e.ID, &e.UserID, &e.Kind, &e.Amount, &e.Currency, &instance, &e.Note, &key, &e.CreatedAt); err != nil {
		return nil, err
	}
	e.InstanceID, e.IdempotencyKey = instance.String, key.String
	e.CreatedAt = e.CreatedAt.UTC()
	return &e, nil
}

// AppendLedger appends e, setting its ID and CreatedAt, and reports whether it
// was written. An entry whose IdempotencyKey is already in the ledger is not
// written again (false, nil): retried billing runs charge once.
//
// Every entry's amount is within ±webrana.MaxAmount, and a credit may not
// bring the balance above webrana.MaxBalance (EINVALID on amount): the
// bounds that keep every balance inside int64.
func (db *DB) AppendLedger(ctx context.Context, e *webrana.LedgerEntry) (bool, error) {
	written := false
	err := db.InTx(ctx, func(tx *Tx) error { // a credit reads the balance it adds to
		var err error
		written, err = tx.AppendLedger(ctx, e)
		return err
	})
	return written, err
}

// AppendLedger appends e inside the transaction; see DB.AppendLedger.
func (tx *Tx) AppendLedger(ctx context.Context, e *webrana.LedgerEntry) (bool, error) {
	return tx.conn().appendLedger(ctx, e)
}

func (c conn) appendLedger(ctx context.Context, e *webrana.LedgerEntry) (bool, error) {
	if err := validateLedgerEntry(e); err != nil {
		return false, err
	}
	if e.Kind == webrana.LedgerCredit {
		if used, err := c.keyUsed(ctx, e.IdempotencyKey); err != nil || used {
			e.ID = "" // the entry with this key is the one that counts
			return false, err
		}
		if err := c.checkCredit(ctx, e); err != nil {
			return false, err
		}
	}
	e.ID = newID()
	e.CreatedAt = c.now()
	res, err := c.exec(ctx, `INSERT INTO ledger_entries (`+ledgerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idempotency_key) DO NOTHING`,
		e.ID, e.UserID, e.Kind, e.Amount, e.Currency, nullString(e.InstanceID), e.Note, nullString(e.IdempotencyKey), e.CreatedAt)
	if err != nil {
		return false, constraintError(err, "", "Unknown customer or server.")
	}
	n, err := res.RowsAffected()
	if n == 0 {
		e.ID = "" // not written: the entry with this key is the one that counts
	}
	return n == 1, err
}

// appendEntries appends entries that are neither credits nor debits
// checked against the balance (releases, charges), in one statement; an
// entry whose idempotency key is in the ledger already is not written
// again.
func (c conn) appendEntries(ctx context.Context, entries []*webrana.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var rows []string
	var args []any
	for _, e := range entries {
		if err := validateLedgerEntry(e); err != nil {
			return err
		}
		if e.Kind == webrana.LedgerCredit {
			return webrana.Errorf(webrana.EINTERNAL, "A credit is appended alone, after its checks.")
		}
		e.ID, e.CreatedAt = newID(), c.now()
		rows = append(rows, `(`+placeholders(9)+`)`)
		args = append(args, e.ID, e.UserID, e.Kind, e.Amount, e.Currency, nullString(e.InstanceID), e.Note, nullString(e.IdempotencyKey), e.CreatedAt)
	}
	_, err := c.exec(ctx, `INSERT INTO ledger_entries (`+ledgerColumns+`) VALUES `+strings.Join(rows, ", ")+`
		ON CONFLICT (idempotency_key) DO NOTHING`, args...)
	return constraintError(err, "", "Unknown customer or server.")
}

// validateLedgerEntry enforces the sign convention: money in is positive,
// money out negative.
func validateLedgerEntry(e *webrana.LedgerEntry) error {
	switch e.Kind {
	case webrana.LedgerCredit, webrana.LedgerRefund, webrana.LedgerRelease:
		if e.Amount <= 0 {
			return webrana.FieldError("amount", "A %s must be a positive amount.", e.Kind)
		}
	case webrana.LedgerCharge, webrana.LedgerHold, webrana.LedgerPaymentRefund:
		if e.Amount >= 0 {
			return webrana.FieldError("amount", "A %s must be a negative amount.", e.Kind)
		}
	default:
		return webrana.FieldError("kind", "Unknown ledger entry kind %q.", e.Kind)
	}
	if e.Amount < -webrana.MaxAmount || e.Amount > webrana.MaxAmount {
		return webrana.FieldError("amount", "A ledger entry moves at most %s either way.", webrana.FormatMajor(webrana.MaxAmount))
	}
	if len(e.Currency) != 3 {
		return webrana.FieldError("currency", "Currency must be a three-letter ISO code.")
	}
	return nil
}

// keyUsed reports whether an entry with the idempotency key ("" for none)
// is in the ledger.
func (c conn) keyUsed(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	var n int
	err := c.row(ctx, `SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key = ?`, key).Scan(&n)
	return n > 0, err
}

// checkCredit refuses a credit that would bring the customer's balance
// above webrana.MaxBalance. The balance is read under the customer's row
// lock, so concurrent credits take turns and cannot pass it together.
func (c conn) checkCredit(ctx context.Context, e *webrana.LedgerEntry) error {
	balance, err := c.lockedBalance(ctx, e.UserID, e.Currency)
	if err != nil {
		return err
	}
	if after, err := webrana.AddMoney(balance, e.Amount); err == nil && after <= webrana.MaxBalance {
		return nil
	}
	// Refused, so balance > MaxBalance − MaxAmount > 0: the room left is a
	// difference of two positive numbers and cannot overflow.
	return webrana.FieldError("amount", "A credit may bring a balance to at most %s; the balance is %s, so at most %s can be credited now.",
		webrana.FormatMajor(webrana.MaxBalance), webrana.FormatMajor(balance), webrana.FormatMajor(max(0, webrana.MaxBalance-balance)))
}

// lockedBalance locks the customer's row, so that writers of one customer's
// balance take turns until the transaction ends, and returns the balance.
func (c conn) lockedBalance(ctx context.Context, userID, currency string) (int64, error) {
	if err := c.lockCustomer(ctx, userID); err != nil {
		return 0, err
	}
	return c.balance(ctx, userID, currency)
}

// lockCustomer locks the customer's row until the transaction ends: the
// turn of one writer of the customer's balance.
func (c conn) lockCustomer(ctx context.Context, userID string) error {
	res, err := c.exec(ctx, `UPDATE users SET id = id WHERE id = ?`, userID)
	if err := mustAffect(res, err, "Customer"); webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return webrana.Errorf(webrana.EINVALID, "Unknown customer.")
	} else if err != nil {
		return err
	}
	return nil
}

// appendDebit appends the debit e (a hold: its amount negative, its
// idempotency key new) under the customer's row lock, and returns the
// balance before it and whether that covers it. A debit not covered is
// written all the same: the caller refuses it, and its transaction rolls
// back with the entry. The entry and the balance it is checked against
// are one statement, so the lock is held for one round trip fewer than a
// read of the balance and then an insert: a customer's concurrent orders
// take turns for as long as it is held.
func (c conn) appendDebit(ctx context.Context, e *webrana.LedgerEntry) (balance int64, covered bool, err error) {
	if err := validateLedgerEntry(e); err != nil {
		return 0, false, err
	}
	if e.Amount >= 0 {
		return 0, false, webrana.FieldError("amount", "A debit must be a negative amount.")
	}
	if err := c.lockCustomer(ctx, e.UserID); err != nil {
		return 0, false, err
	}
	e.ID, e.CreatedAt = newID(), c.now()
	// The balance leaves the entry out by its id, whether or not the
	// engine shows a statement's own row to its RETURNING.
	err = c.row(ctx, `INSERT INTO ledger_entries (`+ledgerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE user_id = ? AND currency = ? AND id <> ?)`,
		e.ID, e.UserID, e.Kind, e.Amount, e.Currency, nullString(e.InstanceID), e.Note, nullString(e.IdempotencyKey), e.CreatedAt,
		e.UserID, e.Currency, e.ID).Scan(&balance)
	if err != nil {
		return 0, false, constraintError(err, "", "Unknown customer or server.")
	}
	return balance, balance >= -e.Amount, nil
}

// Balance returns the sum of a user's entries in one currency.
func (db *DB) Balance(ctx context.Context, userID, currency string) (webrana.Money, error) {
	sum, err := db.conn().balance(ctx, userID, currency)
	return webrana.Money{Amount: sum, Currency: currency}, err
}

// balance sums a user's entries in one currency. Both engines refuse a sum
// beyond int64 with an error, never a wrapped number (PostgreSQL sums
// BIGINT as NUMERIC, which does not scan into an int64; SQLite raises
// "integer overflow"); the money limits keep balances far from it.
func (c conn) balance(ctx context.Context, userID, currency string) (int64, error) {
	var sum int64
	err := c.row(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE user_id = ? AND currency = ?`,
		userID, currency).Scan(&sum)
	return sum, err
}

// ListLedger returns a page of a user's entries, newest first, and the total.
func (db *DB) ListLedger(ctx context.Context, userID string, p webrana.Page) ([]*webrana.LedgerEntry, int, error) {
	return listPage(ctx, db.conn(), scanLedger, `SELECT `+ledgerColumns+` FROM ledger_entries WHERE user_id = ?
		ORDER BY created_at DESC, id DESC`, `SELECT COUNT(*) FROM ledger_entries WHERE user_id = ?`, []any{userID}, p)
}

// InstanceCost is what a server has cost its owner since a moment (the
// start of the month, say), in one currency: its charges less its refunds,
// as a positive amount. It reads through the owner's (user_id, created_at)
// index, so it costs one month of one customer's entries.
func (db *DB) InstanceCost(ctx context.Context, ownerID, instanceID, currency string, since time.Time) (webrana.Money, error) {
	var sum int64
	err := db.conn().row(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_entries
		WHERE user_id = ? AND created_at >= ? AND instance_id = ? AND currency = ? AND kind IN (?, ?)`,
		ownerID, since, instanceID, currency, webrana.LedgerCharge, webrana.LedgerRefund).Scan(&sum)
	if err != nil {
		return webrana.Money{}, err
	}
	cost, err := webrana.SubMoney(0, sum)
	return webrana.Money{Amount: cost, Currency: currency}, err
}
