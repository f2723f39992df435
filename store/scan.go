package store

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/webrana/webrana"
)

// newID returns a random UUID (version 4). Not version 7: its first 8
// characters are a timestamp that changes once a minute, and servers are
// named webrana-<first 8 of the order id> (DESIGN.md §5), which must not
// collide; random ids also reveal nothing about when a thing was made.
func newID() string { return uuid.NewString() }

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// nullString maps "" to NULL, for optional references.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime maps a nil *time.Time to NULL.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// timePtr turns a scanned NullTime into a *time.Time in UTC.
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// jsonText stores a value as JSON text and reads it back; both engines keep it
// in a TEXT column.
type jsonText struct{ v any }

func (j jsonText) Value() (driver.Value, error) {
	b, err := json.Marshal(j.v)
	return string(b), err
}

func (j jsonText) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return json.Unmarshal([]byte(s), j.v)
	case []byte:
		return json.Unmarshal(s, j.v)
	case nil:
		return nil
	default:
		return fmt.Errorf("jsonText: cannot scan %T", src)
	}
}

// notFound maps sql.ErrNoRows to a not-found *webrana.Error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return webrana.Errorf(webrana.ENOTFOUND, "%s not found.", what)
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		c := liteErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key failure on either
// engine.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// constraintError maps constraint failures to user-facing errors and leaves
// every other error as it is.
func constraintError(err error, conflict, missing string) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return webrana.Errorf(webrana.ECONFLICT, "%s", conflict)
	case isForeignKeyViolation(err):
		return webrana.Errorf(webrana.EINVALID, "%s", missing)
	default:
		return err
	}
}
