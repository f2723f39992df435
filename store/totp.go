package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Two-factor sign-in: a user's TOTP secret (sealed by the caller, never in
// clear here), their recovery codes (SHA-256 hashes) and the addresses
// they have signed in from.

// TOTP is a user's two-factor enrolment.
type TOTP struct {
	UserID           string
	SecretCiphertext string     // sealed with the master key
	ConfirmedAt      *time.Time // nil while pending: not yet asked at sign-in
	LastStep         int64      // the time step of the last code accepted
	CreatedAt        time.Time
}

// Enabled reports whether the enrolment is confirmed.
func (t *TOTP) Enabled() bool { return t != nil && t.ConfirmedAt != nil }

// TOTPOf returns the user's enrolment, ENOTFOUND when they have none.
func (db *DB) TOTPOf(ctx context.Context, userID string) (*TOTP, error) {
	return db.conn().totpOf(ctx, userID)
}

// TOTPOf reads the user's enrolment in the transaction.
func (tx *Tx) TOTPOf(ctx context.Context, userID string) (*TOTP, error) {
	return tx.conn().totpOf(ctx, userID)
}

func (c conn) totpOf(ctx context.Context, userID string) (*TOTP, error) {
	var t TOTP
	var confirmed sql.NullTime
	err := c.row(ctx, `SELECT user_id, secret_ciphertext, confirmed_at, last_step, created_at FROM user_totp WHERE user_id = ?`, userID).
		Scan(&t.UserID, &t.SecretCiphertext, &confirmed, &t.LastStep, &t.CreatedAt)
	if err != nil {
		return nil, notFound(err, "Two-factor enrolment")
	}
	if confirmed.Valid {
		at := confirmed.Time.UTC()
		t.ConfirmedAt = &at
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// SetPendingTOTP starts (or restarts) a user's enrolment with a new sealed
// secret. A confirmed enrolment is left alone: it returns false then.
func (tx *Tx) SetPendingTOTP(ctx context.Context, userID, secretCiphertext string) (bool, error) {
	c := tx.conn()
	res, err := c.exec(ctx, `INSERT INTO user_totp (user_id, secret_ciphertext, confirmed_at, last_step, created_at)
		VALUES (?, ?, NULL, 0, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, last_step = 0, created_at = excluded.created_at
		WHERE user_totp.confirmed_at IS NULL`, userID, secretCiphertext, c.now())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ConfirmTOTP turns a pending enrolment on, taking the code's time step,
// and replaces the user's recovery codes with the given hashes. sealed is
// the secret the code was checked against: an enrolment restarted
// meanwhile (another tab) has another, and is not turned on (ENOTFOUND).
func (tx *Tx) ConfirmTOTP(ctx context.Context, userID, sealed string, step int64, recoveryHashes [][]byte) error {
	c := tx.conn()
	now := c.now()
	res, err := c.exec(ctx, `UPDATE user_totp SET confirmed_at = ?, last_step = ?
		WHERE user_id = ? AND confirmed_at IS NULL AND secret_ciphertext = ?`, now, step, userID, sealed)
	if err := mustAffect(res, err, "Pending two-factor enrolment"); err != nil {
		return err
	}
	if _, err := c.exec(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range recoveryHashes {
		if _, err := c.exec(ctx, `INSERT INTO totp_recovery_codes (id, user_id, code_hash, used_at, created_at) VALUES (?, ?, ?, NULL, ?)`,
			newID(), userID, h, now); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep takes a code's time step for a confirmed enrolment: true when
// the step is later than every step taken before (so each code is accepted
// once), false when it was taken already. One statement, so two sign-ins
// racing with one code cannot both win.
func (tx *Tx) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := tx.conn().exec(ctx, `UPDATE user_totp SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`,
		step, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseRecoveryCode spends one of the user's unused recovery codes by its
// hash: true when there was one.
func (tx *Tx) UseRecoveryCode(ctx context.Context, userID string, hash []byte) (bool, error) {
	c := tx.conn()
	res, err := c.exec(ctx, `UPDATE totp_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		c.now(), userID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (db *DB) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	return db.conn().count(ctx, `SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID)
}

// DeleteTOTP turns a user's two factors off (pending or confirmed) and
// drops their recovery codes; false when there was nothing to turn off.
func (tx *Tx) DeleteTOTP(ctx context.Context, userID string) (bool, error) {
	c := tx.conn()
	if _, err := c.exec(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = ?`, userID); err != nil {
		return false, err
	}
	res, err := c.exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TOTPEnabledAmong returns which of the given users have two factors on.
func (db *DB) TOTPEnabledAmong(ctx context.Context, userIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(userIDs) == 0 {
		return out, nil
	}
	q := `SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL AND user_id IN (?` + repeatPlaceholder(len(userIDs)-1) + `)`
	args := anys(userIDs)
	ids, err := list(ctx, db.conn(), func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, q, args...)
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

func repeatPlaceholder(n int) string {
	b := make([]byte, 0, 3*n)
	for range n {
		b = append(b, ", ?"...)
	}
	return string(b)
}

// ResealTOTPSecrets rewrites every TOTP secret through reseal in the
// transaction (a key rotation), returning how many changed.
func (tx *Tx) ResealTOTPSecrets(ctx context.Context, reseal func(ciphertext string) (string, error)) (int, error) {
	return resealColumn(ctx, tx.conn(), "user_totp", "user_id", "secret_ciphertext", "two-factor secret of user", reseal)
}

// resealColumn rewrites one sealed column of a table, row by row; the
// names are the callers' constants, never input.
func resealColumn(ctx context.Context, c conn, table, idCol, col, what string, reseal func(string) (string, error)) (int, error) {
	type row struct{ id, ciphertext string }
	rows, err := list(ctx, c, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.ciphertext)
	}, `SELECT `+idCol+`, `+col+` FROM `+table+` ORDER BY `+idCol)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, r := range rows {
		next, err := reseal(r.ciphertext)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", what, r.id, err)
		}
		if next == r.ciphertext {
			continue
		}
		if _, err := c.exec(ctx, `UPDATE `+table+` SET `+col+` = ? WHERE `+idCol+` = ?`, next, r.id); err != nil {
			return 0, err
		}
		changed++
	}
	return changed, nil
}

// SignInAddress says what a sign-in's address was to its user.
type SignInAddress int

const (
	FirstSignIn  SignInAddress = iota // the user's first sign-in ever: nothing to compare with
	KnownAddress                      // seen before
	NewAddress                        // not seen before, though others were
)

// RememberSignInAddress records that the user signed in from addr now and
// says whether the address was new to them.
func (tx *Tx) RememberSignInAddress(ctx context.Context, userID, addr string) (SignInAddress, error) {
	c := tx.conn()
	now := c.now()
	res, err := c.exec(ctx, `UPDATE sign_in_addresses SET last_seen_at = ? WHERE user_id = ? AND address = ?`, now, userID, addr)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return KnownAddress, err
	}
	known, err := c.count(ctx, `SELECT COUNT(*) FROM sign_in_addresses WHERE user_id = ?`, userID)
	if err != nil {
		return 0, err
	}
	_, err = c.exec(ctx, `INSERT INTO sign_in_addresses (user_id, address, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, address) DO UPDATE SET last_seen_at = excluded.last_seen_at`, userID, addr, now, now)
	if err != nil {
		return 0, err
	}
	if known == 0 {
		return FirstSignIn, nil
	}
	return NewAddress, nil
}
