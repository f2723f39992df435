// Package storetest is the contract of the store package: a suite of tests
// that every database engine must pass, and helpers that open real, migrated,
// throwaway databases (SQLite in a temp dir, PostgreSQL cloned from a
// migrated template) for any package's tests.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for admin statements

	"github.com/webrana/webrana/store"
)

// PostgresEnv names the variable holding an admin URL of a PostgreSQL server
// for tests. scripts/test starts a throwaway server and sets it.
const PostgresEnv = "WEBRANA_TEST_POSTGRES_URL"

// OpenSQLite returns a migrated SQLite database in a temp dir, closed at the
// end of the test.
func OpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "webrana.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// OpenPostgres returns a migrated PostgreSQL database of its own, dropped at
// the end of the test.
func OpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), PostgresURL(tb, true))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// RequirePostgres returns the admin URL of the test server. Without one the
// test is skipped on a developer's machine, but fails in CI (CI=true), where a
// skipped PostgreSQL run would hide a broken engine.
func RequirePostgres(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set: CI must run the PostgreSQL tests (run them through scripts/test)", PostgresEnv)
		}
		tb.Skipf("%s not set; run scripts/test to start a throwaway PostgreSQL", PostgresEnv)
	}
	return u
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
	createMu     sync.Mutex // CREATE DATABASE … TEMPLATE needs the template to itself
	dbSeq        atomic.Int64
)

// PostgresURL creates a fresh database on the test server and returns its
// URL; the database is dropped when the test ends. When migrated is true it
// is cloned from a template that already has Webrana's schema.
func PostgresURL(tb testing.TB, migrated bool) string {
	tb.Helper()
	admin := RequirePostgres(tb)
	source := "template0"
	if migrated {
		templateOnce.Do(func() { templateName, templateErr = makeTemplate(admin) })
		if templateErr != nil {
			tb.Fatal(templateErr)
		}
		source = templateName
	}
	name := fmt.Sprintf("webrana_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	createMu.Lock()
	err := adminExec(admin, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, source))
	createMu.Unlock()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := adminExec(admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	return withDatabase(admin, name)
}

// makeTemplate creates and migrates a template database for this process.
func makeTemplate(admin string) (string, error) {
	name := "webrana_tmpl_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if err := adminExec(admin, `CREATE DATABASE `+name+` TEMPLATE template0`); err != nil {
		return "", err
	}
	db, err := store.Open(context.Background(), withDatabase(admin, name))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	return name, nil
}

func adminExec(admin, stmt string) error {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// withDatabase returns the URL u pointing at database name.
func withDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	parsed.Path = "/" + name
	return parsed.String()
}
