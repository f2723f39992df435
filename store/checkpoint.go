package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// SQLite's write-ahead log is copied back into the database file by a
// checkpoint, which waits for the disk twice (the log, then the file). Left
// to SQLite, the writer whose commit takes the log past 1,000 pages runs it
// inside that commit: every few dozen reservations one waited milliseconds
// for the disk (issue 18). The checkpointer runs it instead, in the
// background, on a connection of its own: a PASSIVE checkpoint waits for no
// reader or writer, and commits (synchronous=NORMAL) never wait for the
// disk. Writers keep a far larger threshold as a safety net should the
// checkpointer fall behind.

// sqliteCheckpointEvery is how often the checkpointer copies the log back.
var sqliteCheckpointEvery = 250 * time.Millisecond

type checkpointer struct {
	db       *sql.DB
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// startCheckpointer opens its own connection to the database at dsn and
// checkpoints every interval until stopped.
func startCheckpointer(ctx context.Context, dsn string, every time.Duration) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	k := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go k.run(every)
	return k, nil
}

func (k *checkpointer) run(every time.Duration) {
	defer close(k.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-k.quit:
			return
		case <-t.C:
		}
		// A checkpoint that fails (the disk full, the file locked by
		// another process) leaves the log to the next one, or to writers
		// past their threshold.
		_, _, _ = k.checkpoint(context.Background())
	}
}

// checkpoint copies what it can of the log back into the database file and
// reports the log's pages and how many of them are now in the file.
func (k *checkpointer) checkpoint(ctx context.Context) (logged, copied int, err error) {
	var busy int
	err = k.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied)
	return logged, copied, err
}

// stop ends the checkpoints and closes their connection; nil is stopped.
func (k *checkpointer) stop() {
	if k == nil {
		return
	}
	k.stopOnce.Do(func() {
		close(k.quit)
		<-k.done
		k.db.Close()
	})
}
