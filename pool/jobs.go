package pool

import "time"

// The pool's periodic jobs, run by River's elected leader (DESIGN.md §6),
// each wired as a jobs.Periodic task of its kind: health checks the
// accounts not heard from within the cycle (Service.HealthCycle), sync
// lists their servers to count them (SyncCycle), at most one call per
// account per cycle between the two; sweep frees the slots of expired
// reservations.
const (
	HealthEvery = time.Minute
	SyncEvery   = 5 * time.Minute
	SweepEvery  = time.Minute
)

// HealthArgs checks the health of the active accounts not heard from.
type HealthArgs struct{}

func (HealthArgs) Kind() string { return "pool_health" }

// SyncArgs counts every active account's servers.
type SyncArgs struct{}

func (SyncArgs) Kind() string { return "pool_sync" }

// SweepArgs frees the slots of expired reservations.
type SweepArgs struct{}

func (SweepArgs) Kind() string { return "pool_sweep" }
