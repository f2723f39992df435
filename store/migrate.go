package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// migrator returns goose's provider for this engine's embedded migrations.
func (db *DB) migrator() (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations/"+string(db.engine))
	if err != nil {
		return nil, err
	}
	if db.engine == SQLite {
		return goose.NewProvider(goose.DialectSQLite3, db.sql, dir)
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
