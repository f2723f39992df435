package store

import (
	"context"
	"database/sql"

	"github.com/webrana/webrana"
)

const alertColumns = `id, kind, key, severity, message, opened_at, resolved_at`

func scanAlert(s scanner) (*webrana.Alert, error) {
	var a webrana.Alert
	var resolved sql.NullTime
	if err := s.Scan(&a.ID, &a.Kind, &a.Key, &a.Severity, &a.Message, &a.OpenedAt, &resolved); err != nil {
		return nil, err
	}
	a.OpenedAt = a.OpenedAt.UTC()
	a.ResolvedAt = timePtr(resolved)
	return &a, nil
}

// OpenAlert opens a for its Key unless an alert with that key is already open,
// and reports whether it opened a new one (so notifications go out once).
func (db *DB) OpenAlert(ctx context.Context, a *webrana.Alert) (bool, error) {
	return db.conn().openAlert(ctx, a)
}

// OpenAlert opens an alert inside the transaction, so that its notification
// job commits with it.
func (tx *Tx) OpenAlert(ctx context.Context, a *webrana.Alert) (bool, error) {
	return tx.conn().openAlert(ctx, a)
}

func (c conn) openAlert(ctx context.Context, a *webrana.Alert) (bool, error) {
	a.ID = newID()
	a.OpenedAt = c.now()
	a.ResolvedAt = nil
	res, err := c.exec(ctx, `INSERT INTO alerts (`+alertColumns+`) VALUES (?, ?, ?, ?, ?, ?, NULL)
		ON CONFLICT (key) WHERE resolved_at IS NULL DO NOTHING`,
		a.ID, a.Kind, a.Key, a.Severity, a.Message, a.OpenedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResolveAlert resolves the open alert with the given key and reports whether
// there was one.
func (db *DB) ResolveAlert(ctx context.Context, key string) (bool, error) {
	return db.conn().resolveAlert(ctx, key)
}

// ResolveAlert resolves an alert inside the transaction.
func (tx *Tx) ResolveAlert(ctx context.Context, key string) (bool, error) {
	return tx.conn().resolveAlert(ctx, key)
}

func (c conn) resolveAlert(ctx context.Context, key string) (bool, error) {
	res, err := c.exec(ctx, `UPDATE alerts SET resolved_at = ? WHERE key = ? AND resolved_at IS NULL`, c.now(), key)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AlertFilter narrows ListAlerts.
type AlertFilter struct {
	Kind     string
	OpenOnly bool
	Page     webrana.Page
}

// ListAlerts returns a page of alerts, newest first, and the total.
func (db *DB) ListAlerts(ctx context.Context, f AlertFilter) ([]*webrana.Alert, int, error) {
	where, args := whereClause{}.eq("kind", f.Kind).cond(f.OpenOnly, "resolved_at IS NULL").build()
	return listPage(ctx, db.conn(), scanAlert, `SELECT `+alertColumns+` FROM alerts`+where+` ORDER BY opened_at DESC, id DESC`,
		`SELECT COUNT(*) FROM alerts`+where, args, f.Page)
}

// AlertByID returns an alert.
func (db *DB) AlertByID(ctx context.Context, id string) (*webrana.Alert, error) {
	a, err := scanAlert(db.conn().row(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id))
	return a, notFound(err, "Alert")
}

// OpenAlerts returns every open alert.
func (db *DB) OpenAlerts(ctx context.Context) ([]*webrana.Alert, error) {
	return list(ctx, db.conn(), scanAlert, `SELECT `+alertColumns+` FROM alerts WHERE resolved_at IS NULL ORDER BY opened_at, id`)
}
