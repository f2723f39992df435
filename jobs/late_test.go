package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// TestLateUnboundEnqueuesNothing: before Bind, an insert fails (and its
// transaction with it) and a wake wakes nothing without failing.
func TestLateUnboundEnqueuesNothing(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var late jobs.Late
		err := db.InTx(ctx, func(tx *store.Tx) error { return late.InsertTx(ctx, tx, pingArgs{N: 1}, nil) })
		if !errors.Is(err, jobs.ErrNotStarted) {
			t.Fatalf("unbound InsertTx = %v, want ErrNotStarted", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return late.WakeTx(ctx, tx, []int64{1}) }); err != nil {
			t.Fatalf("unbound WakeTx = %v, want nil", err)
		}
		var jobsLeft int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&jobsLeft); err != nil {
			t.Fatal(err)
		}
		if jobsLeft != 0 {
			t.Fatalf("%d jobs in River's table, want none", jobsLeft)
		}
	})
}

// TestLateBoundDelegates: once bound, inserts reach the queue's workers.
func TestLateBoundDelegates(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seen := make(chan int, 1)
		workers := river.NewWorkers()
		river.AddWorker(workers, &pingWorker{seen: seen})
		var late jobs.Late
		late.Bind(startQueue(t, db, jobs.Config{Workers: workers}))
		if err := db.InTx(ctx, func(tx *store.Tx) error { return late.InsertTx(ctx, tx, pingArgs{N: 7}, nil) }); err != nil {
			t.Fatal(err)
		}
		if got := wait(t, seen, "job inserted through Late"); got != 7 {
			t.Fatalf("worked job %d, want 7", got)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return late.WakeTx(ctx, tx, []int64{-1}) }); err != nil {
			t.Fatalf("bound WakeTx of a job that does not exist = %v, want nil", err)
		}
	})
}

// TestLateBindsOnce: a second Bind panics rather than split one process's
// jobs between two queues.
func TestLateBindsOnce(t *testing.T) {
	db := migrated(t, storetest.OpenSQLite(t))
	q, err := jobs.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var late jobs.Late
	late.Bind(q)
	defer func() {
		if recover() == nil {
			t.Fatal("second Bind did not panic")
		}
	}()
	late.Bind(q)
}
