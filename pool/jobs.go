package pool

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
)

// The pool's periodic jobs, run by River's elected leader (DESIGN.md §6).
const (
	HealthEvery = time.Minute
	SyncEvery   = 5 * time.Minute
	SweepEvery  = time.Minute
)

// HealthArgs checks every active account's health.
type HealthArgs struct{}

func (HealthArgs) Kind() string { return "pool_health" }

// SyncArgs syncs every active account's limit and server count.
type SyncArgs struct{}

func (SyncArgs) Kind() string { return "pool_sync" }

// SweepArgs frees the slots of expired reservations.
type SweepArgs struct{}

func (SweepArgs) Kind() string { return "pool_sweep" }

// HealthWorker works HealthArgs.
type HealthWorker struct {
	river.WorkerDefaults[HealthArgs]
	Pool *Service
}

func (w *HealthWorker) Work(ctx context.Context, _ *river.Job[HealthArgs]) error {
	_, err := w.Pool.CheckAll(ctx)
	return err
}

// SyncWorker works SyncArgs.
type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	Pool *Service
}

func (w *SyncWorker) Work(ctx context.Context, _ *river.Job[SyncArgs]) error {
	_, err := w.Pool.SyncAll(ctx)
	return err
}

// SweepWorker works SweepArgs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	DB *store.DB
}

func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	_, err := w.DB.ReleaseExpiredReservations(ctx)
	return err
}

// Workers adds the pool's workers.
func Workers(ws *river.Workers, p *Service, db *store.DB) {
	river.AddWorker(ws, &HealthWorker{Pool: p})
	river.AddWorker(ws, &SyncWorker{Pool: p})
	river.AddWorker(ws, &SweepWorker{DB: db})
}

// PeriodicJobs are the pool's schedules.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		jobs.Every(HealthEvery, HealthArgs{}, true),
		jobs.Every(SyncEvery, SyncArgs{}, true),
		jobs.Every(SweepEvery, SweepArgs{}, true),
	}
}
