package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webrana/webrana/store"
)

// Waking a job: a change that makes a waiting job's work possible (room in
// the pool for a held order) makes the job run now instead of at the end of
// its snooze. The store calls WakeTx in the transaction of the change
// (store.DB.WakeJobs).

// WakeTx makes the jobs with the given ids run as soon as tx commits. A job
// running at that moment cannot be woken — it may have looked before the
// change and be about to snooze — so a wake job waits for it to stop running
// and wakes it then. Jobs that ended or no longer exist are left alone.
func (q *Queue) WakeTx(ctx context.Context, tx *store.Tx, ids []int64) error {
	var running []int64
	for _, id := range ids {
		state, err := q.retryTx(ctx, tx.SQL(), id)
		if err != nil {
			return fmt.Errorf("wake job %d: %w", id, err)
		}
		if state == rivertype.JobStateRunning {
			running = append(running, id)
		}
	}
	if len(running) == 0 {
		return nil
	}
	return q.InsertTx(ctx, tx, WakeArgs{JobIDs: running, Until: time.Now().Add(wakeFor)}, nil)
}

// wakeFor bounds how long a wake job waits for a running job: longer than a
// run of a job that only looks at the database, short enough that a stuck
// one is left to its own snooze.
const wakeFor = time.Minute

// wakePoll is how often a wake job looks whether the jobs it waits for
// stopped running.
const wakePoll = 100 * time.Millisecond

// WakeArgs wakes jobs that were running when they were first woken.
type WakeArgs struct {
	JobIDs []int64   `json:"job_ids"`
	Until  time.Time `json:"until"`
}

func (WakeArgs) Kind() string { return "wake" }

// wakeWorker works WakeArgs: each job that snoozed or waits for a retry
// since is made available; while one still runs it looks again shortly.
type wakeWorker struct {
	river.WorkerDefaults[WakeArgs]
	q *Queue
}

func (w *wakeWorker) Work(ctx context.Context, job *river.Job[WakeArgs]) error {
	running := 0
	for _, id := range job.Args.JobIDs {
		state, err := w.q.wake(ctx, id)
		if err != nil {
			return fmt.Errorf("wake job %d: %w", id, err)
		}
		if state == rivertype.JobStateRunning {
			running++
		}
	}
	if running > 0 && time.Now().Before(job.Args.Until) {
		return river.JobSnooze(wakePoll)
	}
	return nil
}

// waker is what waking needs of a River client.
type waker[TTx any] interface {
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobGetTx(ctx context.Context, tx TTx, id int64) (*rivertype.JobRow, error)
	JobRetryTx(ctx context.Context, tx TTx, id int64) (*rivertype.JobRow, error)
}

// waiting reports whether a job in state waits to run later (snoozed or
// between retries): the states waking may cut short.
func waiting(s rivertype.JobState) bool {
	return s == rivertype.JobStateScheduled || s == rivertype.JobStateRetryable
}

// retryTxFunc wakes one job in a transaction if it is waiting, and says its
// state: River's JobRetryTx leaves a running job alone but would restart a
// finished one.
func retryTxFunc(c waker[*sql.Tx]) func(context.Context, *sql.Tx, int64) (rivertype.JobState, error) {
	return func(ctx context.Context, tx *sql.Tx, id int64) (rivertype.JobState, error) {
		return wakeOne(func() (*rivertype.JobRow, error) { return c.JobGetTx(ctx, tx, id) },
			func() (*rivertype.JobRow, error) { return c.JobRetryTx(ctx, tx, id) })
	}
}

// wakeFunc wakes one job outside a transaction if it is waiting, and says
// its state.
func wakeFunc[TTx any](c waker[TTx]) func(context.Context, int64) (rivertype.JobState, error) {
	return func(ctx context.Context, id int64) (rivertype.JobState, error) {
		return wakeOne(func() (*rivertype.JobRow, error) { return c.JobGet(ctx, id) },
			func() (*rivertype.JobRow, error) { return c.JobRetry(ctx, id) })
	}
}

// wakeOne retries a job that get says is waiting, and returns its state
// ("" when it no longer exists).
func wakeOne(get, retry func() (*rivertype.JobRow, error)) (rivertype.JobState, error) {
	row, err := get()
	if err == nil && waiting(row.State) {
		row, err = retry()
	}
	switch {
	case errors.Is(err, river.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return row.State, nil
}
