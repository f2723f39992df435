package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

const accountColumns = `id, provider_type, name, email, token_ciphertext, token_hint, is_primary, is_active,
	instance_limit, limit_from_provider, active_count, reserved_count, health, health_reason, provider_status,
	request_budget, last_sync_at, last_health_check_at, created_at, updated_at`

func scanAccount(s scanner) (*webrana.Account, error) {
	var a webrana.Account
	var synced, checked sql.NullTime
	err := s.Scan(&a.ID, &a.ProviderType, &a.Name, &a.Email, &a.TokenCiphertext, &a.TokenHint, &a.IsPrimary, &a.IsActive,
		&a.Limit, &a.LimitFromProvider, &a.Active, &a.Reserved, &a.Health, &a.HealthReason, &a.ProviderStatus,
		&a.RequestBudget, &synced, &checked, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return nil, err
	}
	a.LastSyncAt, a.LastHealthCheckAt = timePtr(synced), timePtr(checked)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// CreateAccount inserts a, setting its ID and timestamps. Names are unique per
// provider, and a provider has at most one primary account. a.Active is
// what the provider runs there: none of it is Webrana's yet, so it is the
// account's foreign count until its first sync (see Capacity). Held orders
// of the provider are woken if it has room. Each of also runs in the same
// transaction (the audit entry of the change, say).
func (db *DB) CreateAccount(ctx context.Context, a *webrana.Account, also ...func(*Tx) error) error {
	if a.Health == "" {
		a.Health = webrana.HealthUnknown
	}
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		a.ID = newID()
		a.CreatedAt = c.now()
		a.UpdatedAt = a.CreatedAt
		a.Reserved = 0
		_, err := c.exec(ctx, `INSERT INTO accounts (`+accountColumns+`, foreign_count)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ProviderType, a.Name, a.Email, a.TokenCiphertext, a.TokenHint, a.IsPrimary, a.IsActive,
			a.Limit, a.LimitFromProvider, a.Active, a.Reserved, a.Health, a.HealthReason, a.ProviderStatus,
			a.RequestBudget, nullTime(a.LastSyncAt), nullTime(a.LastHealthCheckAt), a.CreatedAt, a.UpdatedAt, a.Active)
		if err := constraintError(err, "An account with this name (or a primary account) already exists for this provider.",
			"Unknown provider."); err != nil {
			return err
		}
		k, err := tx.lockCapacity(ctx, a.ID)
		if err != nil {
			return err
		}
		k.touch(a.ID)
		if err := k.settle(ctx); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// AccountByID returns the account with the given id.
func (db *DB) AccountByID(ctx context.Context, id string) (*webrana.Account, error) {
	a, err := scanAccount(db.conn().row(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	return a, notFound(err, "Account")
}

// ListAccounts returns the accounts of one provider (or all when t is empty),
// primary first, then by name.
func (db *DB) ListAccounts(ctx context.Context, t webrana.ProviderType) ([]*webrana.Account, error) {
	where, args := whereClause{}.eq("provider_type", string(t)).build()
	return list(ctx, db.conn(), scanAccount, `SELECT `+accountColumns+` FROM accounts`+where+
		` ORDER BY provider_type, is_primary DESC, name`, args...)
}

// AccountUpdate lists the fields of an account to change; nil fields stay.
type AccountUpdate struct {
	Name              *string
	Email             *string
	TokenCiphertext   *string
	TokenHint         *string
	IsPrimary         *bool
	IsActive          *bool
	Limit             *int
	LimitFromProvider *bool
	Health            *webrana.Health
	HealthReason      *string
	ProviderStatus    *string
	RequestBudget     *int
	LastSyncAt        *time.Time
	LastHealthCheckAt *time.Time
}

// UpdateAccount applies upd and returns the result. The account's counts
// are not among the fields: they are the capacity's (see Capacity). A
// change that gives the account room — a raised limit, an account made
// active or healthy again — wakes the provider's held orders. Each of also
// runs in the same transaction.
func (db *DB) UpdateAccount(ctx context.Context, id string, upd AccountUpdate, also ...func(*Tx) error) (*webrana.Account, error) {
	set := setClause{}.
		add("name", upd.Name != nil, deref(upd.Name)).
		add("email", upd.Email != nil, deref(upd.Email)).
		add("token_ciphertext", upd.TokenCiphertext != nil, deref(upd.TokenCiphertext)).
		add("token_hint", upd.TokenHint != nil, deref(upd.TokenHint)).
		add("is_primary", upd.IsPrimary != nil, deref(upd.IsPrimary)).
		add("is_active", upd.IsActive != nil, deref(upd.IsActive)).
		add("instance_limit", upd.Limit != nil, deref(upd.Limit)).
		add("limit_from_provider", upd.LimitFromProvider != nil, deref(upd.LimitFromProvider)).
		add("health", upd.Health != nil, deref(upd.Health)).
		add("health_reason", upd.HealthReason != nil, deref(upd.HealthReason)).
		add("provider_status", upd.ProviderStatus != nil, deref(upd.ProviderStatus)).
		add("request_budget", upd.RequestBudget != nil, deref(upd.RequestBudget)).
		add("last_sync_at", upd.LastSyncAt != nil, nullTime(upd.LastSyncAt)).
		add("last_health_check_at", upd.LastHealthCheckAt != nil, nullTime(upd.LastHealthCheckAt))
	err := db.InTx(ctx, func(tx *Tx) error {
		k, err := tx.lockCapacity(ctx, id)
		if err != nil {
			return err
		}
		err = tx.conn().update(ctx, "accounts", id, set, "Account")
		if err := constraintError(err, "Another account already has this name or is already primary.", ""); err != nil {
			return err
		}
		if upd.Limit != nil || upd.IsActive != nil || upd.Health != nil {
			k.touch(id)
		}
		if err := k.settle(ctx); err != nil {
			return err
		}
		return tx.then(also)
	})
	if err != nil {
		return nil, err
	}
	return db.AccountByID(ctx, id)
}

// DeleteAccount removes an account. It refuses while any instance that is not
// deleted still lives on it; the history of deleted ones keeps no reference.
// Each of also runs in the same transaction.
func (db *DB) DeleteAccount(ctx context.Context, id string, also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		n, err := c.count(ctx, `SELECT COUNT(*) FROM instances WHERE account_id = ? AND status <> ?`, id, webrana.StatusDeleted)
		if err != nil {
			return err
		}
		if n > 0 {
			return webrana.Errorf(webrana.ECONFLICT, "This account still holds %d Webrana server(s); delete or move them first.", n)
		}
		res, err := c.exec(ctx, `DELETE FROM accounts WHERE id = ?`, id)
		if err := mustAffect(res, err, "Account"); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// ResealAccountTokens rewrites every account token through reseal in one
// transaction (a key rotation): either all tokens change or none does.
// reseal returns the new ciphertext, or the same one to leave it. It returns
// how many changed.
func (db *DB) ResealAccountTokens(ctx context.Context, reseal func(ciphertext string) (string, error)) (int, error) {
	changed := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		changed, err = resealColumn(ctx, tx.conn(), "accounts", "id", "token_ciphertext", "account", reseal)
		return err
	})
	return changed, err
}

// ResealSecrets rewrites every sealed secret — account tokens and users'
// two-factor secrets — through reseal in one transaction: a failure
// changes nothing. It returns how many changed.
func (db *DB) ResealSecrets(ctx context.Context, reseal func(ciphertext string) (string, error)) (int, error) {
	changed := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		tokens, err := resealColumn(ctx, tx.conn(), "accounts", "id", "token_ciphertext", "account", reseal)
		if err != nil {
			return err
		}
		totps, err := tx.ResealTOTPSecrets(ctx, reseal)
		changed = tokens + totps
		return err
	})
	return changed, err
}

// MakePrimary makes an account its provider's primary, and the previous
// primary an ordinary account, in one transaction.
func (db *DB) MakePrimary(ctx context.Context, id string) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.MakePrimary(ctx, id) })
}

// MakePrimary makes an account its provider's primary inside the
// transaction.
func (tx *Tx) MakePrimary(ctx context.Context, id string) error {
	c := tx.conn()
	var provider string
	if err := c.row(ctx, `SELECT provider_type FROM accounts WHERE id = ?`, id).Scan(&provider); err != nil {
		return notFound(err, "Account")
	}
	now := c.now()
	if _, err := c.exec(ctx, `UPDATE accounts SET is_primary = FALSE, updated_at = ? WHERE provider_type = ? AND is_primary AND id <> ?`,
		now, provider, id); err != nil {
		return err
	}
	_, err := c.exec(ctx, `UPDATE accounts SET is_primary = TRUE, updated_at = ? WHERE id = ?`, now, id)
	return err
}
