// Package store keeps Webrana's state in a SQL database: SQLite (embedded, the
// sandbox default) or PostgreSQL (production, several replicas).
//
// There is one implementation of every query, written once over database/sql
// in the subset of SQL both engines share; the few differences (placeholders,
// column types, error codes) are handled here and in the per-engine migration
// files. The storetest package states the contract and runs on both engines.
//
// A change that must commit with others is written in one transaction:
// simple writes have Tx variants (tx.CreatePlan, tx.AppendAudit, …) for a
// service's db.InTx; writes that keep more in step themselves (capacity,
// jobs) take the caller's work as a callback run in their transaction
// (PlaceOrder and CreateAction's enqueue, CreateAccount's also). That is
// how every audit entry commits with its change. The list views
// (views.go) read a page with the names its rows show in one query.
// Errors leave this package wrapped once with their statement.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/webrana/webrana"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is Webrana's database. It is safe for concurrent use.
type DB struct {
	sql    *sql.DB
	pool   *pgxpool.Pool // PostgreSQL only: the pool River's worker driver needs
	engine Engine
	ckpt   *checkpointer // SQLite only

	// Now returns the current time; tests replace it. Defaults to webrana.Now.
	Now func() time.Time

	// WakeJobs makes the given River jobs (held orders) run now, in tx. A
	// change of capacity that leaves a provider with room calls it in its
	// own transaction (see Capacity). Wiring sets it to a jobs.Late's
	// WakeTx, which wakes nothing until the job queue exists — the one
	// late-bound dependency; nil wakes nothing either (held orders then
	// look again at their next poll).
	WakeJobs func(ctx context.Context, tx *Tx, jobIDs []int64) error

	// EstimateFrom is the size from which a list that allows it (an
	// unfiltered InstanceFilter with Estimate) answers PostgreSQL's
	// estimate of its total rather than counting it; smaller lists, and
	// lists the statistics know nothing of yet, are counted. 0 means
	// DefaultEstimateFrom.
	EstimateFrom int
}

// Open connects to the database named by dsn — a postgres:// (or
// postgresql://) URL, or "sqlite:" followed by a file path — and checks that it
// answers. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	default:
		return nil, errors.New("unsupported database URL: want postgres://… or sqlite:PATH")
	}
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("invalid PostgreSQL URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", cfg.ConnConfig.Host, err)
	}
	return &DB{sql: stdlib.OpenDBFromPool(pool), pool: pool, engine: Postgres, Now: webrana.Now}, nil
}

// sqliteParams apply to every SQLite connection: foreign keys enforced,
// write-ahead logging, a generous busy timeout for a second process (such as
// `webrana user add`) writing while the server runs, and times written in the
// format SQLite's own date functions read, always in UTC: SQLite compares
// times as text, so a time written with another offset would compare wrong.
// A writer checkpoints the log itself only past sqliteWriterCheckpoint
// pages, a safety net: the checkpointer does it in the background.
const sqliteParams = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
	"&_pragma=synchronous(NORMAL)&_time_format=sqlite&_timezone=UTC&_txlock=immediate" +
	"&_pragma=wal_autocheckpoint(" + sqliteWriterCheckpoint + ")"

// sqliteWriterCheckpoint is how many pages the write-ahead log may hold
// before a committing writer checkpoints it (SQLite's default is 1,000).
const sqliteWriterCheckpoint = "20000"

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty file path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("sqlite: data directory: %w", err)
		}
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqliteParams
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// One connection: SQLite has one writer anyway, and River's SQLite driver
	// requires it. Never hold rows open while issuing another query.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ckpt, err := startCheckpointer(ctx, dsn, sqliteCheckpointEvery)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &DB{sql: db, engine: SQLite, ckpt: ckpt, Now: webrana.Now}, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.ckpt.stop()
	err := db.sql.Close()
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Engine reports which engine db runs on.
func (db *DB) Engine() Engine { return db.engine }

// SQL returns the database/sql handle (for River's SQLite driver and its
// insert-only database/sql driver).
func (db *DB) SQL() *sql.DB { return db.sql }

// PgxPool returns the pgx pool on PostgreSQL and nil on SQLite.
func (db *DB) PgxPool() *pgxpool.Pool { return db.pool }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Tx is a transaction. Its methods mirror DB's for the operations that must be
// combined atomically; SQL returns the *sql.Tx so a job can be enqueued in it.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// SQL returns the underlying transaction.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// InTx runs fn in a transaction, committing if it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{tx: sqlTx, db: db}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// then runs the caller's work that must commit with a store write (an
// audit entry, a job, a message) in the write's transaction, in order; nil
// steps are skipped.
func (tx *Tx) then(also []func(*Tx) error) error {
	for _, fn := range also {
		if fn == nil {
			continue
		}
		if err := fn(tx); err != nil {
			return err
		}
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries written with ? placeholders on either engine.
type conn struct {
	q      querier
	engine Engine
	now    func() time.Time
}

func (db *DB) conn() conn { return conn{q: db.sql, engine: db.engine, now: db.Now} }
func (tx *Tx) conn() conn { return conn{q: tx.tx, engine: tx.db.engine, now: tx.db.Now} }

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := c.q.ExecContext(ctx, c.rebind(query), args...)
	return res, statementError(query, err)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.q.QueryContext(ctx, c.rebind(query), args...)
	return rows, statementError(query, err)
}

func (c conn) row(ctx context.Context, query string, args ...any) row {
	return row{c.q.QueryRowContext(ctx, c.rebind(query), args...), query}
}

// row is a query's one row; the error of its Scan names the statement.
type row struct {
	r     *sql.Row
	query string
}

func (r row) Scan(dest ...any) error { return statementError(r.query, r.r.Scan(dest...)) }

// statementWords are a statement's verb and first table.
var statementWords = regexp.MustCompile(`(?is)^\s*(?:with\b.*?\)\s*)?(insert\s+into|update|delete\s+from|select\b.*?\bfrom)\s+([a-z_]+)`)

// statementError wraps a database error once, in this layer, with the
// statement it came from ("store: update accounts: …"), so that a log or a
// failed job says where. Callers above look through it with errors.Is and
// errors.As (sql.ErrNoRows, constraint codes) and wrap with their own
// operation.
func statementError(query string, err error) error {
	if err == nil {
		return nil
	}
	what := "query"
	if m := statementWords.FindStringSubmatch(query); m != nil {
		verb := strings.ToLower(strings.Join(strings.Fields(m[1]), " "))
		if strings.HasPrefix(verb, "select") {
			verb = "read"
		}
		what = verb + " " + strings.ToLower(m[2])
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, …. Queries in this
// package never contain a literal question mark.
func (c conn) rebind(query string) string {
	if c.engine != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// count runs a COUNT query.
func (c conn) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := c.row(ctx, query, args...).Scan(&n)
	return n, err
}

// mustAffect turns "no row changed" into a not-found error.
func mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return webrana.Errorf(webrana.ENOTFOUND, "%s not found.", what)
	}
	return nil
}
