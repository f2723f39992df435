package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana/store"
)

// ErrNotStarted is what enqueueing through a Late returns before its Queue
// is bound.
var ErrNotStarted = errors.New("job queue not started")

// Late stands for the Queue before it exists: wiring's one late-bound
// dependency. River builds its client from every worker at once, and the
// workers hold the services that enqueue through that client (an order's
// worker raises alerts, which enqueue their notifications), so the services
// are built first with a Late, the Queue last, and Bind then connects them.
// The store's DB.WakeJobs takes its WakeTx for the same reason.
//
// Its zero value is unbound and ready to use. It is safe for concurrent use.
type Late struct {
	q atomic.Pointer[Queue]
}

var _ Enqueuer = (*Late)(nil)

// Bind makes q the queue the Late stands for. It panics when called again
// or with nil: a second queue would split the jobs of one process.
func (l *Late) Bind(q *Queue) {
	if q == nil {
		panic("jobs: Late bound to a nil Queue")
	}
	if !l.q.CompareAndSwap(nil, q) {
		panic("jobs: Late bound twice")
	}
}

// InsertTx enqueues through the bound Queue (Queue.InsertTx); unbound, it
// returns ErrNotStarted and enqueues nothing, so the change it belongs to
// rolls back.
func (l *Late) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	q := l.q.Load()
	if q == nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), ErrNotStarted)
	}
	return q.InsertTx(ctx, tx, args, opts)
}

// WakeTx wakes through the bound Queue (Queue.WakeTx); unbound, it wakes
// nothing and returns nil, as a store without DB.WakeJobs does: a held
// order then looks again at its next poll.
func (l *Late) WakeTx(ctx context.Context, tx *store.Tx, ids []int64) error {
	q := l.q.Load()
	if q == nil {
		return nil
	}
	return q.WakeTx(ctx, tx, ids)
}
