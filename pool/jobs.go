package pool

import "time"

// The pool's periodic jobs, run by River's elected leader (DESIGN.md §6),
// each wired as a jobs.Periodic task of its kind: health checks every
// account (Service.CheckAll), sync its limit and server count (SyncAll),
// sweep the slots of expired reservations.
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
