package store

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLiteSchemaTranslated: SQLite gets the PostgreSQL-dialect migrations
// with column types it reads back as Go types; nothing PostgreSQL-only stays.
func TestSQLiteSchemaTranslated(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := db.sql.QueryRowContext(ctx, `SELECT group_concat(sql, ';') FROM sqlite_master WHERE sql IS NOT NULL`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	for _, pgOnly := range []string{"TIMESTAMPTZ", "BYTEA"} {
		if strings.Contains(schema, pgOnly) {
			t.Errorf("SQLite schema still has %s", pgOnly)
		}
	}
	for _, want := range []string{"created_at    DATETIME NOT NULL", "token_hash   BLOB NOT NULL UNIQUE"} {
		if !strings.Contains(schema, want) {
			t.Errorf("SQLite schema lacks %q", want)
		}
	}
	src, err := fs.ReadFile(migrations, "migrations/00001_init.sql")
	if err != nil || !strings.Contains(string(src), "created_at    TIMESTAMPTZ NOT NULL") {
		t.Fatalf("the migration source is not in PostgreSQL's dialect (%v)", err)
	}
}

func TestMigrationsCurrent(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	current, err := db.MigrationsCurrent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if current {
		t.Fatal("MigrationsCurrent is true on a fresh database")
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	current, err = db.MigrationsCurrent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !current {
		t.Fatal("MigrationsCurrent is false after Migrate")
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, dsn := range []string{"", "mysql://localhost/webrana", "sqlite:"} {
		if db, err := Open(context.Background(), dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}
