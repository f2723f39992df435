package store

import (
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteWritersLeaveCheckpointsToTheCheckpointer: commits past SQLite's
// default threshold of 1,000 log pages do not checkpoint (a writer would
// have copied the log back and started it over), and one checkpoint of the
// checkpointer copies the whole log back.
func TestSQLiteWritersLeaveCheckpointsToTheCheckpointer(t *testing.T) {
	every := sqliteCheckpointEvery
	sqliteCheckpointEvery = time.Hour // only the test's checkpoint runs
	t.Cleanup(func() { sqliteCheckpointEvery = every })
	ctx := t.Context()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "webrana.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE pages (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	const commits = 1500 // each writes at least one page to the log
	for i := range commits {
		if _, err := db.sql.ExecContext(ctx, `INSERT INTO pages (n) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	logged, copied, err := db.ckpt.checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if logged < commits || copied != logged {
		t.Fatalf("the log held %d pages and %d were copied back; want at least %d, all copied", logged, copied, commits)
	}
}
