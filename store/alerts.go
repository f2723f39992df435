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
	c := db.conn()
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
	c := db.conn()
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
