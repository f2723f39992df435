package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// PeriodicTask is work the elected leader enqueues on a schedule: the job's
// kind, the function that works it and when it runs. Config.Periodic takes
// them and registers both the worker and the schedule, so that a task is
// one line where it is wired. Make one with Periodic.
type PeriodicTask struct {
	job *river.PeriodicJob
	add func(*river.Workers) error
}

// Periodic is the task that runs run each time every has passed, and once
// at start when onStart, as jobs of kind A: an empty struct whose Kind names
// the job in River's tables, in the job metrics and as the schedule's id, so
// a kind must never be renamed. (A is a type, not a string, because River
// finds a kind's worker by its args type.) Like every job, run may run twice
// (after a crash) and must return when ctx ends.
func Periodic[A river.JobArgs](every time.Duration, onStart bool, run func(context.Context) error) PeriodicTask {
	return periodic(every, onStart, func(ctx context.Context, _ *river.Job[A]) error { return run(ctx) })
}

// periodic is Periodic for a run that looks at its job (the heartbeat
// reports its lag).
func periodic[A river.JobArgs](every time.Duration, onStart bool, run func(context.Context, *river.Job[A]) error) PeriodicTask {
	var args A
	return PeriodicTask{
		job: river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: onStart}),
		add: func(ws *river.Workers) error { return river.AddWorkerSafely(ws, river.WorkFunc(run)) },
	}
}

// DropResult makes a method that also says what it did a task's run: a
// periodic job has nowhere to put the result, and the method logs what is
// worth keeping.
func DropResult[R any](run func(context.Context) (R, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := run(ctx)
		return err
	}
}

// periodicJobs registers the tasks' workers in ws and returns their
// schedules for River.
func periodicJobs(ws *river.Workers, tasks []PeriodicTask) ([]*river.PeriodicJob, error) {
	out := make([]*river.PeriodicJob, 0, len(tasks))
	for _, t := range tasks {
		if err := t.add(ws); err != nil {
			return nil, fmt.Errorf("jobs: periodic task: %w", err)
		}
		out = append(out, t.job)
	}
	return out, nil
}
