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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// templatePrefix begins the name of every process's template database,
// followed by when it was made (Unix seconds) and a random part.
const templatePrefix = "webrana_tmpl_"

// templateKept is how long a template outlives its process: nothing says
// when a test process ends, so each process's template is left behind, and
// a later process drops those older than this (no test run is this long).
// On a long-lived server (a developer's) they would otherwise pile up, and
// autovacuum would visit every one of them all day.
const templateKept = 6 * time.Hour

// makeTemplate creates and migrates a template database for this process,
// and drops the templates of processes long gone.
func makeTemplate(admin string) (string, error) {
	dropStaleTemplates(admin, time.Now())
	name := fmt.Sprintf("%s%d_%s", templatePrefix, time.Now().Unix(), strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
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

// dropStaleTemplates drops the templates made more than templateKept
// before now. Best effort: one that cannot be dropped stays for the next.
func dropStaleTemplates(admin string, now time.Time) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return
	}
	defer db.Close()
	rows, err := db.Query(`SELECT datname FROM pg_database WHERE datname LIKE 'webrana\_tmpl\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil && templateMadeBefore(name, now.Add(-templateKept)) {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		_, _ = db.Exec(`DROP DATABASE IF EXISTS ` + name) // best effort: in use, it stays for the next
	}
}

// templateMadeBefore reports whether the template named name was made
// before t. A name without a time (made before templates carried one) is
// old.
func templateMadeBefore(name string, t time.Time) bool {
	made, _, _ := strings.Cut(strings.TrimPrefix(name, templatePrefix), "_")
	secs, err := strconv.ParseInt(made, 10, 64)
	return err != nil || time.Unix(secs, 0).Before(t)
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
