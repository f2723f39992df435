package store

import (
	"context"
	"database/sql"
	"slices"

	"github.com/webrana/webrana"
)

const providerColumns = `id, type, name, enabled, status, last_success_at, last_error, created_at, updated_at,
	snapshot_price_gb_month`

func scanProvider(s scanner) (*webrana.Provider, error) {
	var p webrana.Provider
	var lastOK sql.NullTime
	if err := s.Scan(&p.ID, &p.Type, &p.Name, &p.Enabled, &p.Status, &lastOK, &p.LastError, &p.CreatedAt, &p.UpdatedAt,
		&p.SnapshotPriceGBMonth); err != nil {
		return nil, err
	}
	p.LastSuccessAt = timePtr(lastOK)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// EnsureProvider inserts the provider of type t with the given display name if
// it is not there yet, and returns it. Safe to call at every start and from
// several replicas at once.
func (db *DB) EnsureProvider(ctx context.Context, t webrana.ProviderType, name string) (*webrana.Provider, error) {
	if !t.Valid() {
		return nil, webrana.FieldError("provider_type", "Unknown provider %q.", t)
	}
	c := db.conn()
	now := c.now()
	_, err := c.exec(ctx, `INSERT INTO providers (`+providerColumns+`) VALUES (?, ?, ?, TRUE, ?, NULL, '', ?, ?, 0)
		ON CONFLICT (type) DO NOTHING`, newID(), t, name, webrana.ProviderInactive, now, now)
	if err != nil {
		return nil, err
	}
	return db.ProviderByType(ctx, t)
}

// ProviderByType returns the provider of the given type.
func (db *DB) ProviderByType(ctx context.Context, t webrana.ProviderType) (*webrana.Provider, error) {
	p, err := scanProvider(db.conn().row(ctx, `SELECT `+providerColumns+` FROM providers WHERE type = ?`, t))
	return p, notFound(err, "Provider")
}

// ProviderByID returns the provider with the given id.
func (db *DB) ProviderByID(ctx context.Context, id string) (*webrana.Provider, error) {
	return db.conn().providerByID(ctx, id)
}

func (c conn) providerByID(ctx context.Context, id string) (*webrana.Provider, error) {
	p, err := scanProvider(c.row(ctx, `SELECT `+providerColumns+` FROM providers WHERE id = ?`, id))
	return p, notFound(err, "Provider")
}

// ListProviders returns every provider, in webrana.ProviderTypes order.
func (db *DB) ListProviders(ctx context.Context) ([]*webrana.Provider, error) {
	ps, err := list(ctx, db.conn(), scanProvider, `SELECT `+providerColumns+` FROM providers ORDER BY created_at, type`)
	slices.SortStableFunc(ps, func(a, b *webrana.Provider) int {
		return displayOrder(a.Type) - displayOrder(b.Type)
	})
	return ps, err
}

// displayOrder is t's place in webrana.ProviderTypes; unknown types go last.
func displayOrder(t webrana.ProviderType) int {
	if i := slices.Index(webrana.ProviderTypes, t); i >= 0 {
		return i
	}
	return len(webrana.ProviderTypes)
}

// ProviderUpdate lists the fields of a provider to change; nil fields stay.
type ProviderUpdate struct {
	Name          *string
	Enabled       *bool
	Status        *string
	LastSuccessAt *sql.NullTime
	LastError     *string
}

// UpdateProvider applies upd and returns the result.
func (db *DB) UpdateProvider(ctx context.Context, id string, upd ProviderUpdate) (*webrana.Provider, error) {
	return db.conn().updateProvider(ctx, id, upd)
}

// UpdateProvider applies upd inside the transaction.
func (tx *Tx) UpdateProvider(ctx context.Context, id string, upd ProviderUpdate) (*webrana.Provider, error) {
	return tx.conn().updateProvider(ctx, id, upd)
}

func (c conn) updateProvider(ctx context.Context, id string, upd ProviderUpdate) (*webrana.Provider, error) {
	set := setClause{}.
		add("name", upd.Name != nil, deref(upd.Name)).
		add("enabled", upd.Enabled != nil, deref(upd.Enabled)).
		add("status", upd.Status != nil, deref(upd.Status)).
		add("last_success_at", upd.LastSuccessAt != nil, deref(upd.LastSuccessAt)).
		add("last_error", upd.LastError != nil, deref(upd.LastError))
	if err := c.update(ctx, "providers", id, set, "Provider"); err != nil {
		return nil, err
	}
	return c.providerByID(ctx, id)
}

// RecordProviderCall records the outcome of a call to a provider: a success
// sets the status active and the time of the last successful call; a
// failure sets the status error and the last error. It leaves updated_at
// alone: updated_at marks configuration changes, which drop cached catalogs.
func (db *DB) RecordProviderCall(ctx context.Context, t webrana.ProviderType, callErr string) error {
	c := db.conn()
	var res sql.Result
	var err error
	if callErr == "" {
		res, err = c.exec(ctx, `UPDATE providers SET status = ?, last_success_at = ?, last_error = '' WHERE type = ?`,
			webrana.ProviderActive, c.now(), t)
	} else {
		res, err = c.exec(ctx, `UPDATE providers SET status = ?, last_error = ? WHERE type = ?`, webrana.ProviderError, callErr, t)
	}
	return mustAffect(res, err, "Provider")
}
