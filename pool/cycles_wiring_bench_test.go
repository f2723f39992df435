package pool_test

import (
	"context"
	"time"

	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// What BenchmarkCycles reads from the code it measures: the pool it runs
// and its periodic jobs, as cmd/webrana wires them.

// latencyRun is the provider's answer time in the benchmark's third run
// (negative: skipped).
const latencyRun = 100 * time.Millisecond

func newScalePool(db *store.DB, keys *secrets.Keyring, opener *providers.Opener, clock *cloudtest.Clock) *pool.Service {
	return pool.New(db, keys, opener, &pool.Config{Now: clock.Now})
}

func cycles(p *pool.Service) (health, sync func(context.Context) (int, error)) {
	return p.HealthCycle, p.SyncCycle
}
