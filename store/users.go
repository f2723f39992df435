package store

import (
	"context"
	"database/sql"

	"github.com/webrana/webrana"
)

const userColumns = `id, email, role, password_hash, disabled, created_at, updated_at`

func scanUser(s scanner) (*webrana.User, error) {
	var u webrana.User
	if err := s.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &u.Disabled, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

// CreateUser inserts u, setting its ID and timestamps. The e-mail must already
// be normalised (webrana.NormalizeEmail); a taken e-mail is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *webrana.User) error {
	return db.conn().createUser(ctx, u)
}

// CreateUser inserts u inside the transaction.
func (tx *Tx) CreateUser(ctx context.Context, u *webrana.User) error {
	return tx.conn().createUser(ctx, u)
}

func (c conn) createUser(ctx context.Context, u *webrana.User) error {
	if !u.Role.Valid() {
		return webrana.FieldError("role", "Role must be admin or customer.")
	}
	u.ID = newID()
	u.CreatedAt = c.now()
	u.UpdatedAt = u.CreatedAt
	_, err := c.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Role, u.PasswordHash, u.Disabled, u.CreatedAt, u.UpdatedAt)
	return constraintError(err, "A user with this e-mail already exists.", "")
}

// UserByID returns the user with the given id.
func (db *DB) UserByID(ctx context.Context, id string) (*webrana.User, error) {
	u, err := scanUser(db.conn().row(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	return u, notFound(err, "User")
}

// UserByEmail returns the user with the given normalised e-mail.
func (db *DB) UserByEmail(ctx context.Context, email string) (*webrana.User, error) {
	u, err := scanUser(db.conn().row(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	return u, notFound(err, "User")
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Role webrana.Role
	Page webrana.Page
}

// ListUsers returns a page of users, oldest first, and the total matching.
func (db *DB) ListUsers(ctx context.Context, f UserFilter) ([]*webrana.User, int, error) {
	where, args := whereClause{}.eq("role", string(f.Role)).build()
	return listPage(ctx, db.conn(), scanUser, `SELECT `+userColumns+` FROM users`+where+` ORDER BY created_at, id`,
		`SELECT COUNT(*) FROM users`+where, args, f.Page)
}

// UserUpdate lists the fields of a user to change; nil fields stay.
type UserUpdate struct {
	Role         *webrana.Role
	PasswordHash *string
	Disabled     *bool
}

// UpdateUser applies upd to the user with the given id and returns the result.
func (db *DB) UpdateUser(ctx context.Context, id string, upd UserUpdate) (*webrana.User, error) {
	if upd.Role != nil && !upd.Role.Valid() {
		return nil, webrana.FieldError("role", "Role must be admin or customer.")
	}
	set := setClause{}.
		add("role", upd.Role != nil, deref(upd.Role)).
		add("password_hash", upd.PasswordHash != nil, deref(upd.PasswordHash)).
		add("disabled", upd.Disabled != nil, deref(upd.Disabled))
	if err := db.conn().update(ctx, "users", id, set, "User"); err != nil {
		return nil, err
	}
	return db.UserByID(ctx, id)
}

// UserBalance is a user as the operator's list shows them: with their
// balance when they are a customer (administrators have none).
type UserBalance struct {
	*webrana.User
	Balance *webrana.Money
}

// ListUserBalances is ListUsers with each customer's balance in currency,
// in one query however long the page: the list view of the customers page.
func (db *DB) ListUserBalances(ctx context.Context, f UserFilter, currency string) ([]*UserBalance, int, error) {
	where, args := whereClause{}.eq("role", string(f.Role)).build()
	scan := func(s scanner) (*UserBalance, error) {
		var u webrana.User
		var balance sql.NullInt64
		if err := s.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &u.Disabled, &u.CreatedAt, &u.UpdatedAt, &balance); err != nil {
			return nil, err
		}
		u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
		row := &UserBalance{User: &u}
		if balance.Valid {
			row.Balance = &webrana.Money{Amount: balance.Int64, Currency: currency}
		}
		return row, nil
	}
	// The balance is summed per row of the page, through the ledger's
	// user index, rather than over every customer's entries.
	query := `SELECT ` + userColumns + `, CASE WHEN role = ? THEN
			(SELECT COALESCE(SUM(amount), 0) FROM ledger_entries l WHERE l.user_id = users.id AND l.currency = ?) END
		FROM users` + where + ` ORDER BY created_at, id`
	c, p := db.conn(), f.Page.Normalize()
	items, err := list(ctx, c, scan, query+` LIMIT ? OFFSET ?`,
		append(append([]any{webrana.RoleCustomer, currency}, args...), p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, err
	}
	total, err := c.count(ctx, `SELECT COUNT(*) FROM users`+where, args...)
	return items, total, err
}
