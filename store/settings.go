package store

import (
	"context"
	"database/sql"
	"errors"
)

// Setting returns an operator's setting and whether it is set; a key with
// no row takes its default from configuration (the caller's).
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	return db.conn().setting(ctx, key)
}

// Setting reads a setting in the transaction.
func (tx *Tx) Setting(ctx context.Context, key string) (string, bool, error) {
	return tx.conn().setting(ctx, key)
}

// SetSetting sets a setting in the transaction, so that the change and its
// audit commit together.
func (tx *Tx) SetSetting(ctx context.Context, key, value string) error {
	c := tx.conn()
	_, err := c.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, c.now())
	return err
}

func (c conn) setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := c.row(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}
