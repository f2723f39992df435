package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// RecordLogin records one login attempt for throttling.
func (db *DB) RecordLogin(ctx context.Context, email, sourceAddr string, success bool) error {
	c := db.conn()
	_, err := c.exec(ctx, `INSERT INTO login_attempts (id, email, source_addr, success, created_at) VALUES (?, ?, ?, ?, ?)`,
		newID(), email, sourceAddr, success, c.now())
	return err
}

// LoginKey selects what failed logins are counted by.
type LoginKey string

const (
	ByEmail  LoginKey = "email"
	BySource LoginKey = "source_addr"
)

// LoginFailures counts the failed logins for key (an e-mail or a source
// address) since the given time and after the last successful login by the
// same key, and returns the time of the oldest one counted (zero when none).
func (db *DB) LoginFailures(ctx context.Context, by LoginKey, key string, since time.Time) (int, time.Time, error) {
	if by != ByEmail && by != BySource {
		return 0, time.Time{}, errors.New("store: LoginFailures by unknown key")
	}
	col := string(by)
	c := db.conn()
	// ORDER BY … LIMIT 1 rather than MAX(): an aggregate loses the column's
	// declared type on SQLite, and with it the scan into time.Time.
	lastOK, err := c.timeOf(ctx, `SELECT created_at FROM login_attempts WHERE `+col+` = ? AND success AND created_at > ?
		ORDER BY created_at DESC LIMIT 1`, key, since)
	if err != nil {
		return 0, time.Time{}, err
	}
	if lastOK.After(since) {
		since = lastOK
	}
	n, err := c.count(ctx, `SELECT COUNT(*) FROM login_attempts WHERE `+col+` = ? AND NOT success AND created_at > ?`, key, since)
	if err != nil || n == 0 {
		return 0, time.Time{}, err
	}
	oldest, err := c.timeOf(ctx, `SELECT created_at FROM login_attempts WHERE `+col+` = ? AND NOT success AND created_at > ?
		ORDER BY created_at LIMIT 1`, key, since)
	return n, oldest, err
}

// timeOf runs a query for one time column; no row gives the zero time.
func (c conn) timeOf(ctx context.Context, query string, args ...any) (time.Time, error) {
	var t time.Time
	err := c.row(ctx, query, args...).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return t.UTC(), err
}

// PruneLogins deletes login attempts older than before.
func (db *DB) PruneLogins(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.conn().exec(ctx, `DELETE FROM login_attempts WHERE created_at < ?`, before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
