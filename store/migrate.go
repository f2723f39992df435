package store

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations are written once, in PostgreSQL's dialect, in the subset both
// engines understand; SQLite gets them with column types translated.
//
//go:embed migrations/*.sql
var migrations embed.FS

// sqliteTypes maps PostgreSQL column types to those modernc.org/sqlite reads
// back as the same Go types (DATETIME columns scan as time.Time).
// A BIGSERIAL key becomes SQLite's own autoincrementing key.
var sqliteTypes = strings.NewReplacer("TIMESTAMPTZ", "DATETIME", "BYTEA", "BLOB",
	"BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")

// sqliteFS serves the migrations with sqliteTypes applied to every file.
type sqliteFS struct{ fs.FS }

func (s sqliteFS) Open(name string) (fs.File, error) {
	f, err := s.FS.Open(name)
	if err != nil || !strings.HasSuffix(name, ".sql") {
		return f, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return translatedFile{File: f, r: strings.NewReader(sqliteTypes.Replace(string(b)))}, nil
}

// translatedFile is a migration file whose content was rewritten; Stat and
// Close are the original's.
type translatedFile struct {
	fs.File
	r *strings.Reader
}

func (f translatedFile) Read(p []byte) (int, error) { return f.r.Read(p) }

// migrator returns goose's provider for this engine.
func (db *DB) migrator() (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	if db.engine == SQLite {
		return goose.NewProvider(goose.DialectSQLite3, db.sql, sqliteFS{dir})
	}
	// Replicas starting together take turns: an advisory lock serialises them.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db.sql, dir, goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration, each in its own transaction.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrator()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationsCurrent reports whether every embedded migration has been applied.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := db.migrator()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	return !pending && err == nil, err
}
