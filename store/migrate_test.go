package store

import (
	"context"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMigrationsInStep: the SQLite schema is the PostgreSQL one with only the
// column types translated (the first three lines, a comment, may differ).
func TestMigrationsInStep(t *testing.T) {
	names := func(engine Engine) []string {
		entries, err := fs.ReadDir(migrations, "migrations/"+string(engine))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".sql") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	pg, lite := names(Postgres), names(SQLite)
	if len(pg) == 0 || !slices.Equal(pg, lite) {
		t.Fatalf("migration files differ: postgres %v, sqlite %v", pg, lite)
	}
	body := func(engine Engine, name string) []string {
		b, err := fs.ReadFile(migrations, path.Join("migrations", string(engine), name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) < 4 {
			t.Fatalf("%s/%s: only %d lines", engine, name, len(lines))
		}
		for i, l := range lines[:3] {
			if !strings.HasPrefix(l, "--") {
				t.Fatalf("%s/%s: line %d is not a comment: %q", engine, name, i+1, l)
			}
		}
		return lines[3:]
	}
	translate := strings.NewReplacer("TIMESTAMPTZ", "DATETIME", "BYTEA", "BLOB")
	for _, name := range pg {
		want := strings.Split(translate.Replace(strings.Join(body(Postgres, name), "\n")), "\n")
		got := body(SQLite, name)
		for i := range max(len(got), len(want)) {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Fatalf("%s line %d:\n sqlite   %q\n postgres %q (translated)", name, i+4, g, w)
			}
		}
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
