package store

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"slices"
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

// LoginTicket is a login attempt taken by TakeLoginAttempt.
type LoginTicket struct {
	// ID is the attempt, recorded as failed until it is known not to be;
	// empty when the attempt was refused.
	ID string
	// Oldest is, for a refused attempt, the oldest failure counted by the
	// limit reached: the limit lifts when it leaves the window.
	Oldest time.Time
}

// TakeLoginAttempt records a login attempt as failed before its password
// or code is checked, unless the failures of its e-mail since the given
// time reached perEmail, or those of its source perSource: then it records
// nothing and returns a ticket without ID. The count and the record are
// one step (the two keys are locked on PostgreSQL; SQLite's transactions
// are exclusive), so that attempts sent at once cannot all pass the limit
// before any is recorded. An attempt that turns out not to be a failure is
// then marked a success (SucceedLoginAttempt) or forgotten
// (ForgetLoginAttempt).
func (db *DB) TakeLoginAttempt(ctx context.Context, email, source string, since time.Time, perEmail, perSource int) (LoginTicket, error) {
	var t LoginTicket
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		if err := c.lockKeys(ctx, "login|email|"+email, "login|source|"+source); err != nil {
			return err
		}
		for _, l := range []struct {
			by  LoginKey
			key string
			max int
		}{{ByEmail, email, perEmail}, {BySource, source, perSource}} {
			n, oldest, err := c.loginFailures(ctx, l.by, l.key, since)
			if err != nil {
				return err
			}
			if n >= l.max {
				t.Oldest = oldest
				return nil
			}
		}
		t.ID = newID()
		_, err := c.exec(ctx, `INSERT INTO login_attempts (id, email, source_addr, success, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.ID, email, source, false, c.now())
		return err
	})
	if err != nil {
		return LoginTicket{}, err
	}
	return t, nil
}

// SucceedLoginAttempt turns an attempt taken by TakeLoginAttempt into a
// successful login, in the transaction of the session it opened. It is
// recorded without its source: a success resets its account's count, not
// its address's, so that an attacker cannot clear the per-source limit by
// signing in to an account of their own between guesses.
func (tx *Tx) SucceedLoginAttempt(ctx context.Context, id string) error {
	c := tx.conn()
	_, err := c.exec(ctx, `UPDATE login_attempts SET success = ?, source_addr = '', created_at = ? WHERE id = ?`, true, c.now(), id)
	return err
}

// ForgetLoginAttempt removes an attempt taken by TakeLoginAttempt that
// turned out to be no failure (a right password still waiting for its
// second factor).
func (db *DB) ForgetLoginAttempt(ctx context.Context, id string) error {
	_, err := db.conn().exec(ctx, `DELETE FROM login_attempts WHERE id = ?`, id)
	return err
}

// lockKeys takes, until the transaction ends, the locks named by keys (in
// one order, so that two transactions cannot wait on each other): advisory
// locks on PostgreSQL; SQLite's transactions are exclusive already.
func (c conn) lockKeys(ctx context.Context, keys ...string) error {
	if c.engine != Postgres {
		return nil
	}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		h := fnv.New64a()
		h.Write([]byte(k))
		ids[i] = int64(h.Sum64())
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if _, err := c.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, id); err != nil {
			return err
		}
	}
	return nil
}

// LoginFailures counts the failed logins for key (an e-mail or a source
// address) since the given time and after the last successful login by the
// same key, and returns the time of the oldest one counted (zero when none).
func (db *DB) LoginFailures(ctx context.Context, by LoginKey, key string, since time.Time) (int, time.Time, error) {
	return db.conn().loginFailures(ctx, by, key, since)
}

func (c conn) loginFailures(ctx context.Context, by LoginKey, key string, since time.Time) (int, time.Time, error) {
	if by != ByEmail && by != BySource {
		return 0, time.Time{}, errors.New("store: LoginFailures by unknown key")
	}
	col := string(by)
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
