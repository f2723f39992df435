package jobs_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
)

// napArgs is a job that snoozes for an hour on its first run, as a held
// order does, and ends on its second; block, when set, holds its first run
// until closed.
type napArgs struct{}

func (napArgs) Kind() string { return "nap" }

type napRun struct{ id int64 }

type napWorker struct {
	river.WorkerDefaults[napArgs]
	runs  chan napRun
	block chan struct{}
	mu    sync.Mutex
	seen  map[int64]bool
}

func (w *napWorker) Work(ctx context.Context, job *river.Job[napArgs]) error {
	w.mu.Lock()
	first := !w.seen[job.ID]
	w.seen[job.ID] = true
	w.mu.Unlock()
	w.runs <- napRun{id: job.ID}
	if !first {
		return nil
	}
	if w.block != nil {
		<-w.block
	}
	return river.JobSnooze(time.Hour)
}

func napQueue(t *testing.T, db *store.DB, block chan struct{}) (*jobs.Queue, *napWorker) {
	t.Helper()
	w := &napWorker{runs: make(chan napRun, 10), block: block, seen: map[int64]bool{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	q := startQueue(t, db, jobs.Config{Workers: workers})
	if err := db.InTx(context.Background(), func(tx *store.Tx) error { return q.InsertTx(context.Background(), tx, napArgs{}, nil) }); err != nil {
		t.Fatal(err)
	}
	return q, w
}

func wake(t *testing.T, db *store.DB, q *jobs.Queue, ids ...int64) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return q.WakeTx(ctx, tx, ids) }); err != nil {
		t.Fatal(err)
	}
}

func jobState(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var state string
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT state FROM river_job WHERE id = `+strconv.FormatInt(id, 10)).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

// awaitState polls River's table until the job is in state.
func awaitState(t *testing.T, db *store.DB, id int64, state string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for jobState(t, db, id) != state {
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s, want %s", id, jobState(t, db, id), state)
		}
		time.Sleep(10 * time.Millisecond) // polling an outcome, not timing it
	}
}

// TestWakeRunsASnoozedJobNow: a job snoozed for an hour runs again as soon
// as it is woken.
func TestWakeRunsASnoozedJobNow(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		q, w := napQueue(t, db, nil)
		first := wait(t, w.runs, "the first run")
		awaitState(t, db, first.id, "scheduled")
		wake(t, db, q, first.id)
		if again := wait(t, w.runs, "the run after the wake"); again.id != first.id {
			t.Fatalf("woke job %d, want %d", again.id, first.id)
		}
		awaitState(t, db, first.id, "completed")
		// A job that ended is not made to run again (River's retry would),
		// and an unknown one is no error.
		wake(t, db, q, first.id, 987654321)
		if st := jobState(t, db, first.id); st != "completed" {
			t.Fatalf("a completed job woken is %s, want it left completed", st)
		}
	})
}

// TestWakeWaitsForARunningJob: a job woken while it runs — it may have
// looked before the change and be about to snooze — runs again once it
// has snoozed.
func TestWakeWaitsForARunningJob(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		block := make(chan struct{})
		q, w := napQueue(t, db, block)
		first := wait(t, w.runs, "the first run")
		wake(t, db, q, first.id) // it is running: a wake job waits for it
		close(block)             // it snoozes for an hour
		if again := wait(t, w.runs, "the run after the wake"); again.id != first.id {
			t.Fatalf("woke job %d, want %d", again.id, first.id)
		}
	})
}
