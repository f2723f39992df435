package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/webrana/webrana"
)

// TokenPurpose is what a one-time link e-mailed to a user does.
type TokenPurpose string

const (
	PurposeVerify      TokenPurpose = "verify"       // confirm the address
	PurposeReset       TokenPurpose = "reset"        // choose a new password
	PurposeInvite      TokenPurpose = "invite"       // accept an invitation: set a password
	PurposeEmailChange TokenPurpose = "email_change" // confirm a new address
)

// UserToken is a one-time link's stored form: only the SHA-256 of its token.
type UserToken struct {
	ID        string
	UserID    string
	Purpose   TokenPurpose
	TokenHash []byte
	Email     string // PurposeEmailChange: the new address
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

const userTokenColumns = `id, user_id, purpose, token_hash, email, created_at, expires_at, used_at`

func scanUserToken(s scanner) (*UserToken, error) {
	var t UserToken
	var used sql.NullTime
	if err := s.Scan(&t.ID, &t.UserID, &t.Purpose, &t.TokenHash, &t.Email, &t.CreatedAt, &t.ExpiresAt, &used); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), timePtr(used)
	return &t, nil
}

// UseUpUserTokens uses up a user's unused links of the given purposes: a
// password set one way leaves no other way to set it open.
func (tx *Tx) UseUpUserTokens(ctx context.Context, userID string, purposes ...TokenPurpose) error {
	c := tx.conn()
	for _, p := range purposes {
		if _, err := c.exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
			c.now(), userID, p); err != nil {
			return err
		}
	}
	return nil
}

// CreateUserToken inserts t in the transaction, setting its ID and
// CreatedAt. With replace, the user's unused links of the same purpose are
// used up first: a new link invalidates the older ones.
func (tx *Tx) CreateUserToken(ctx context.Context, t *UserToken, replace bool) error {
	c := tx.conn()
	t.ID, t.CreatedAt = newID(), c.now()
	if replace {
		if err := tx.UseUpUserTokens(ctx, t.UserID, t.Purpose); err != nil {
			return err
		}
	}
	_, err := c.exec(ctx, `INSERT INTO user_tokens (`+userTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
		t.ID, t.UserID, t.Purpose, t.TokenHash, t.Email, t.CreatedAt, t.ExpiresAt)
	return err
}

// UseUserToken marks the unused, unexpired link with the hash and one of
// the purposes used, in the transaction, and returns it. Only one caller
// ever uses a link: the update is conditional on used_at being NULL. An
// unknown, used or expired link is ENOTFOUND.
func (tx *Tx) UseUserToken(ctx context.Context, hash []byte, purposes ...TokenPurpose) (*UserToken, error) {
	c := tx.conn()
	t, err := c.usableUserToken(ctx, hash, purposes)
	if err != nil {
		return nil, err
	}
	now := c.now()
	res, err := c.exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, now, t.ID)
	if err := mustAffect(res, err, "Link"); err != nil {
		return nil, err
	}
	t.UsedAt = &now
	return t, nil
}

// UsableUserToken returns the unused, unexpired link with the hash and one
// of the purposes, without using it: a cheap check before expensive work
// (UseUserToken still decides, in its transaction). ENOTFOUND otherwise.
func (db *DB) UsableUserToken(ctx context.Context, hash []byte, purposes ...TokenPurpose) (*UserToken, error) {
	return db.conn().usableUserToken(ctx, hash, purposes)
}

func (c conn) usableUserToken(ctx context.Context, hash []byte, purposes []TokenPurpose) (*UserToken, error) {
	t, err := scanUserToken(c.row(ctx, `SELECT `+userTokenColumns+` FROM user_tokens WHERE token_hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "Link")
	}
	if !slices.Contains(purposes, t.Purpose) || t.UsedAt != nil || !c.now().Before(t.ExpiresAt) {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Link not found.")
	}
	return t, nil
}

// TakeAttempt counts one attempt of a throttled action by key, unless max
// were counted since the given time: then it records nothing and returns
// an empty id and the oldest attempt counted. The count and the record are
// one step (the key is locked on PostgreSQL; SQLite's transactions are
// exclusive), so that attempts sent at once cannot all pass the limit. An
// attempt that turns out not to count is forgotten (ForgetAttempt).
func (db *DB) TakeAttempt(ctx context.Context, action, key string, since time.Time, max int) (id string, oldest time.Time, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if err := c.lockKeys(ctx, "attempt|"+action+"|"+key); err != nil {
			return err
		}
		n, first, err := c.attempts(ctx, action, key, since)
		if err != nil {
			return err
		}
		if n >= max {
			oldest = first
			return nil
		}
		id = newID()
		_, err = c.exec(ctx, `INSERT INTO action_attempts (id, action, key, created_at) VALUES (?, ?, ?, ?)`,
			id, action, key, c.now())
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return id, oldest, nil
}

// ForgetAttempt removes an attempt taken by TakeAttempt.
func (db *DB) ForgetAttempt(ctx context.Context, id string) error {
	_, err := db.conn().exec(ctx, `DELETE FROM action_attempts WHERE id = ?`, id)
	return err
}

// attempts counts the attempts of an action by key since a time, and
// returns the oldest one counted (zero when none).
func (c conn) attempts(ctx context.Context, action, key string, since time.Time) (int, time.Time, error) {
	n, err := c.count(ctx, `SELECT COUNT(*) FROM action_attempts WHERE action = ? AND key = ? AND created_at > ?`, action, key, since)
	if err != nil || n == 0 {
		return 0, time.Time{}, err
	}
	oldest, err := c.timeOf(ctx, `SELECT created_at FROM action_attempts WHERE action = ? AND key = ? AND created_at > ?
		ORDER BY created_at LIMIT 1`, action, key, since)
	return n, oldest, err
}

// PruneAttempts deletes throttled actions' attempts older than before, and
// one-time links that expired before it.
func (db *DB) PruneAttempts(ctx context.Context, before time.Time) (int64, error) {
	c := db.conn()
	res, err := c.exec(ctx, `DELETE FROM action_attempts WHERE created_at < ?`, before)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	res, err = c.exec(ctx, `DELETE FROM user_tokens WHERE expires_at < ?`, before)
	if err != nil {
		return 0, err
	}
	m, err := res.RowsAffected()
	return n + m, err
}

// DeleteOtherSessions ends a user's login sessions but the one kept (""
// keeps none), in the transaction; API tokens stay.
func (tx *Tx) DeleteOtherSessions(ctx context.Context, userID, keep string) (int64, error) {
	res, err := tx.conn().exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// TakeSetting clears a setting when it holds the given value, in the
// transaction, and reports whether it did: of callers racing to use a
// one-time value, exactly one wins.
func (tx *Tx) TakeSetting(ctx context.Context, key, value string) (bool, error) {
	c := tx.conn()
	res, err := c.exec(ctx, `UPDATE settings SET value = '', updated_at = ? WHERE key = ? AND value = ? AND value <> ''`, c.now(), key, value)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
