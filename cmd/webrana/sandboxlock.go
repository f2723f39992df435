package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/webrana/webrana/store"
)

// A sandbox process runs a simulator of its own, with its own tokens, and
// places its demo pool in the database. A second sandbox on the same data
// dir or the same PostgreSQL database would run another simulator that
// knows none of the first one's servers, and poison the shared pool:
// orders refused, accounts marked UNHEALTHY. So a sandbox holds two locks
// for its lifetime, both released by the system when the process ends,
// however it ends:
//
//   - its data dir (the simulator's state, and SQLite's database): an
//     exclusive flock on sandbox.lock there;
//   - on PostgreSQL, the database: a session-level advisory lock.
//
// Production replicas take neither: they share real providers.
type sandboxLocks struct {
	dir *os.File  // nil where file locks are not supported
	db  *pgx.Conn // PostgreSQL only: the session holding the advisory lock
}

// sandboxLockKey is the advisory lock's key: "wbrsandb" in ASCII, apart
// from goose's migration lock.
const sandboxLockKey int64 = 0x77627273616e6462

var errLocked = errors.New("locked")

// lockSandboxDir takes the data dir's lock, or names who holds it.
func (l *sandboxLocks) lockSandboxDir(dir string) error {
	f, err := lockFile(filepath.Join(dir, "sandbox.lock"))
	if errors.Is(err, errLocked) {
		return fmt.Errorf("WEBRANA_DATA_DIR: another sandbox webrana is running on %s (its simulator's state lives there); stop it first, or give this one its own WEBRANA_DATA_DIR", dir)
	}
	if err != nil {
		return fmt.Errorf("WEBRANA_DATA_DIR: lock %s: %w", dir, unwrapPath(err))
	}
	l.dir = f
	return nil
}

// lockSandboxDatabase takes the PostgreSQL database's sandbox lock on a
// session of its own, kept until release.
func (l *sandboxLocks) lockSandboxDatabase(ctx context.Context, db *store.DB) error {
	conn, err := pgx.ConnectConfig(ctx, db.PgxPool().Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("WEBRANA_DATABASE_URL: connect to PostgreSQL for the sandbox lock: %w", err)
	}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, sandboxLockKey).Scan(&locked); err != nil {
		conn.Close(ctx)
		return fmt.Errorf("WEBRANA_DATABASE_URL: take the sandbox lock: %w", err)
	}
	if !locked {
		conn.Close(ctx)
		return errors.New("WEBRANA_SANDBOX: another sandbox webrana is running on this PostgreSQL database, and a second would run a simulator of its own and poison the shared pool; stop it first, or run replicas with WEBRANA_SANDBOX=0")
	}
	l.db = conn
	return nil
}

// release gives both locks back.
func (l *sandboxLocks) release() error {
	var err error
	if l.db != nil {
		err = l.db.Close(context.Background())
		l.db = nil
	}
	if l.dir != nil {
		err = errors.Join(err, l.dir.Close())
		l.dir = nil
	}
	return err
}
