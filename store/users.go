package store

import (
	"context"

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
	return db.conn().userByID(ctx, id)
}

func (c conn) userByID(ctx context.Context, id string) (*webrana.User, error) {
	u, err := scanUser(c.row(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
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
	return db.conn().updateUser(ctx, id, upd)
}

// UpdateUser applies upd inside the transaction.
func (tx *Tx) UpdateUser(ctx context.Context, id string, upd UserUpdate) (*webrana.User, error) {
	return tx.conn().updateUser(ctx, id, upd)
}

func (c conn) updateUser(ctx context.Context, id string, upd UserUpdate) (*webrana.User, error) {
	if upd.Role != nil && !upd.Role.Valid() {
		return nil, webrana.FieldError("role", "Role must be admin or customer.")
	}
	set := setClause{}.
		add("role", upd.Role != nil, deref(upd.Role)).
		add("password_hash", upd.PasswordHash != nil, deref(upd.PasswordHash)).
		add("disabled", upd.Disabled != nil, deref(upd.Disabled))
	if err := c.update(ctx, "users", id, set, "User"); err != nil {
		return nil, err
	}
	return c.userByID(ctx, id)
}
