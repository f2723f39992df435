package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

const userColumns = `id, email, role, password_hash, disabled, created_at, updated_at, email_verified_at`

func scanUser(s scanner) (*webrana.User, error) {
	var u webrana.User
	var verified sql.NullTime
	if err := s.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &u.Disabled, &u.CreatedAt, &u.UpdatedAt, &verified); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	u.EmailVerifiedAt = timePtr(verified)
	u.EmailVerified = u.EmailVerifiedAt != nil
	return &u, nil
}

// CreateUser inserts u, setting its ID and timestamps. The e-mail must already
// be normalised (webrana.NormalizeEmail); a taken e-mail is ECONFLICT. The
// address counts as confirmed when u.EmailVerified is set (an operator or
// the command line vouches for it); sign-ups and invitations leave it unset.
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
	if u.EmailVerified && u.EmailVerifiedAt == nil {
		at := u.CreatedAt
		u.EmailVerifiedAt = &at
	}
	u.EmailVerified = u.EmailVerifiedAt != nil
	_, err := c.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Role, u.PasswordHash, u.Disabled, u.CreatedAt, u.UpdatedAt, nullTime(u.EmailVerifiedAt))
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

// UserByID reads a user in the transaction.
func (tx *Tx) UserByID(ctx context.Context, id string) (*webrana.User, error) {
	return tx.conn().userByID(ctx, id)
}

// UserByEmail returns the user with the given normalised e-mail.
func (db *DB) UserByEmail(ctx context.Context, email string) (*webrana.User, error) {
	return db.conn().userByEmail(ctx, email)
}

// UserByEmail reads a user by e-mail in the transaction.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*webrana.User, error) {
	return tx.conn().userByEmail(ctx, email)
}

func (c conn) userByEmail(ctx context.Context, email string) (*webrana.User, error) {
	u, err := scanUser(c.row(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	return u, notFound(err, "User")
}

// AnyAdmin reports whether an administrator exists, disabled or not.
func (db *DB) AnyAdmin(ctx context.Context) (bool, error) {
	n, err := db.conn().count(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin'`)
	return n > 0, err
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
	Email        *string    // normalised; a taken one is ECONFLICT
	VerifiedAt   *time.Time // marks the address confirmed
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
		add("disabled", upd.Disabled != nil, deref(upd.Disabled)).
		add("email", upd.Email != nil, deref(upd.Email)).
		add("email_verified_at", upd.VerifiedAt != nil, nullTime(upd.VerifiedAt))
	if err := c.update(ctx, "users", id, set, "User"); err != nil {
		return nil, constraintError(err, "A user with this e-mail already exists.", "")
	}
	return c.userByID(ctx, id)
}
