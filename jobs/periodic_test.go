package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// tickArgs and tockArgs are the kinds of two test tasks.
type tickArgs struct{}

func (tickArgs) Kind() string { return "tick" }

type tockArgs struct{}

func (tockArgs) Kind() string { return "tock" }

// TestPeriodicTaskRunsAtStartUnderItsKind: a task run on start is worked as
// a job of its kind, with only its Periodic line to wire it; a task that is
// not run on start waits for its interval, so it is not among the jobs River
// inserted at start (all in one batch).
func TestPeriodicTaskRunsAtStartUnderItsKind(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		running, release := make(chan struct{}, 1), make(chan struct{})
		tick := jobs.Periodic[tickArgs](time.Hour, true, func(ctx context.Context) error {
			running <- struct{}{}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		tock := jobs.Periodic[tockArgs](time.Hour, false, func(context.Context) error {
			t.Error("the tock task ran at start")
			return nil
		})
		startQueue(t, db, jobs.Config{Periodic: []jobs.PeriodicTask{tick, tock}})
		defer close(release) // before the queue's cleanup stops it
		wait(t, running, "the tick task to run")
		if got := jobStates(t, db); !slices.Equal(got, []string{"tick running"}) {
			t.Fatalf("jobs %q, want only the tick task's, running", got)
		}
	})
}

// jobStates is every job in River's table as "kind state", oldest first.
func jobStates(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT kind, state FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, state string
		if err := rows.Scan(&kind, &state); err != nil {
			t.Fatal(err)
		}
		out = append(out, kind+" "+state)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPeriodicKindsAreUnique: two tasks of one kind would share a worker
// and a schedule id; the queue refuses them.
func TestPeriodicKindsAreUnique(t *testing.T) {
	db := migrated(t, storetest.OpenSQLite(t))
	run := func(context.Context) error { return nil }
	_, err := jobs.New(db, &jobs.Config{Periodic: []jobs.PeriodicTask{
		jobs.Periodic[tickArgs](time.Minute, true, run), jobs.Periodic[tickArgs](time.Hour, false, run)}})
	if err == nil || !strings.Contains(err.Error(), `"tick"`) {
		t.Fatalf("New = %v, want an error naming the kind registered twice", err)
	}
}

func TestDropResultKeepsTheError(t *testing.T) {
	failed := errors.New("failed")
	for _, tc := range []struct {
		name string
		err  error
	}{{"success", nil}, {"failure", failed}} {
		t.Run(tc.name, func(t *testing.T) {
			run := jobs.DropResult(func(context.Context) (int, error) { return 3, tc.err })
			if err := run(context.Background()); err != tc.err {
				t.Fatalf("run = %v, want %v", err, tc.err)
			}
		})
	}
}
