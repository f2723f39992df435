// Package jobs runs Webrana's background work on River, over whichever
// database the store uses: River's SQLite driver for the embedded default,
// and its pgx driver (LISTEN/NOTIFY, leader election across replicas) on
// PostgreSQL. Jobs are enqueued inside store transactions through InsertTx,
// so a job exists exactly when the rows it works on do.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/webrana/webrana/store"
)

// Config configures a Queue; every field is optional and zero values take
// defaults.
type Config struct {
	Logger     *slog.Logger
	Workers    *river.Workers // the job kinds this process works; nil means insert-only
	Periodic   []PeriodicTask // scheduled by the elected leader; their workers join Workers (made if nil)
	MaxWorkers int            // concurrent jobs per process (default 10)
	// JobTimeout bounds one run of a job (default 1 minute).
	JobTimeout time.Duration
	// RescueAfter is how long a job may run before it is taken to be lost
	// with a crashed process and run again (default 5 minutes; at least
	// JobTimeout). Jobs must therefore be safe to run twice.
	RescueAfter time.Duration
	Metrics     *Metrics // nil disables job metrics
}

// Queue is River bound to Webrana's database: it inserts jobs in store
// transactions and, when it has workers, works them.
type Queue struct {
	logger        *slog.Logger
	insertTx      func(context.Context, *sql.Tx, river.JobArgs, *river.InsertOpts) error
	retryTx       func(context.Context, *sql.Tx, int64) (rivertype.JobState, error)
	wake          func(context.Context, int64) (rivertype.JobState, error)
	start         func(context.Context) error
	stop          func(context.Context) error
	stopAndCancel func(context.Context) error
	stopped       func() <-chan struct{}
	events        func() (<-chan *river.Event, func())
	metrics       *Metrics
	running       atomic.Bool
	unsub         func()

	mu      sync.Mutex
	working map[int64]string // id → kind of each job being worked, for Drain's report
}

// Migrate applies River's own migrations to db.
func Migrate(ctx context.Context, db *store.DB) error {
	var err error
	switch db.Engine() {
	case store.SQLite:
		err = migrate(ctx, riversqlite.New(db.SQL()))
	case store.Postgres:
		err = migrate(ctx, riverpgxv5.New(db.PgxPool()))
	}
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// New returns a Queue on db. It does not start working until Start. cfg
// may be nil: an insert-only queue.
func New(db *store.DB, config *Config) (*Queue, error) {
	var cfg Config
	if config != nil {
		cfg = *config
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 10
	}
	q := &Queue{logger: cfg.Logger, metrics: cfg.Metrics, working: map[int64]string{}}
	periodic, err := q.register(&cfg)
	if err != nil {
		return nil, err
	}
	switch db.Engine() {
	case store.SQLite:
		// One client on the one connection both inserts and works.
		c, err := river.NewClient(riversqlite.New(db.SQL()), q.riverConfig(cfg, periodic))
		if err != nil {
			return nil, err
		}
		q.bind(c)
		q.wake = wakeFunc(c)
		q.insertTx, q.retryTx = insertFunc(c), retryTxFunc(c)
	case store.Postgres:
		// The worker speaks pgx for LISTEN/NOTIFY; an insert-only client over
		// database/sql lets store transactions (*sql.Tx) enqueue.
		c, err := river.NewClient(riverpgxv5.New(db.PgxPool()), q.riverConfig(cfg, periodic))
		if err != nil {
			return nil, err
		}
		ins, err := river.NewClient(riverdatabasesql.New(db.SQL()), &river.Config{Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
		q.bind(c)
		q.wake = wakeFunc(c)
		q.insertTx, q.retryTx = insertFunc(ins), retryTxFunc(ins)
	default:
		return nil, fmt.Errorf("jobs: unknown engine %q", db.Engine())
	}
	if cfg.Workers == nil {
		q.start = func(context.Context) error { return errors.New("jobs: queue has no workers") }
	}
	return q, nil
}

// register adds the queue's own workers and the periodic tasks' to
// cfg.Workers (made when there are tasks but no workers), and returns the
// tasks' schedules. Without workers the queue only inserts.
func (q *Queue) register(cfg *Config) ([]*river.PeriodicJob, error) {
	if cfg.Workers == nil && len(cfg.Periodic) > 0 {
		cfg.Workers = river.NewWorkers()
	}
	if cfg.Workers == nil {
		return nil, nil
	}
	river.AddWorker(cfg.Workers, &wakeWorker{q: q})
	return periodicJobs(cfg.Workers, cfg.Periodic)
}

// DuePoll is how often River looks for jobs due again. A job snoozed for a
// few seconds is due again without a notice to the producers (the boot
// watch's looks, an action's polls): looked for every 50ms, not every
// second, or each such wait grows by half a second on average. A job runs
// up to DuePoll after its snooze ends; one that must run on time snoozes
// that much less and waits the rest itself (provision's boot watch).
const DuePoll = 50 * time.Millisecond

func (q *Queue) riverConfig(cfg Config, periodic []*river.PeriodicJob) *river.Config {
	rc := &river.Config{Logger: cfg.Logger, PeriodicJobs: periodic,
		JobTimeout: cmp.Or(cfg.JobTimeout, time.Minute), RescueStuckJobsAfter: cmp.Or(cfg.RescueAfter, 5*time.Minute),
		// Fetch again soon after jobs finish (River waits 100ms by default):
		// orders queue behind each other otherwise.
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: DuePoll,
		Middleware:        []rivertype.Middleware{river.WorkerMiddlewareFunc(q.track)}}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	}
	return rc
}

// bind keeps the engine-specific client's lifecycle methods.
func (q *Queue) bind(c interface {
	Start(context.Context) error
	Stop(context.Context) error
	StopAndCancel(context.Context) error
	Stopped() <-chan struct{}
	Subscribe(...river.EventKind) (<-chan *river.Event, func())
}) {
	q.start, q.stop, q.stopAndCancel, q.stopped = c.Start, c.Stop, c.StopAndCancel, c.Stopped
	q.events = func() (<-chan *river.Event, func()) {
		return c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
			river.EventKindJobCancelled, river.EventKindJobSnoozed)
	}
}

func insertFunc(c *river.Client[*sql.Tx]) func(context.Context, *sql.Tx, river.JobArgs, *river.InsertOpts) error {
	return func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
		_, err := c.InsertTx(ctx, tx, args, opts)
		return err
	}
}

// Enqueuer inserts a job in a store transaction: the job becomes visible to
// workers only if tx commits. The services that enqueue (provision,
// lifecycle, alerts) take it rather than a *Queue, so that wiring decides
// which queue; it is declared once here, with the job system it stands for,
// because its signature names store.Tx and River's types, which the root
// package cannot.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

var _ Enqueuer = (*Queue)(nil)

// InsertTx enqueues a job in the store transaction tx: it becomes visible to
// workers only if tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if err := q.insertTx(ctx, tx.SQL(), args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Start starts working jobs and running periodic ones. Ending ctx cancels
// every running job at once (River's hard stop): give it a context that
// outlives a shutdown signal, and end the work with Drain or Stop.
func (q *Queue) Start(ctx context.Context) error {
	events, unsub := q.events()
	if err := q.start(ctx); err != nil {
		unsub()
		return fmt.Errorf("start jobs: %w", err)
	}
	q.unsub = unsub
	q.running.Store(true)
	go q.watch(events)
	return nil
}

// watch records finished jobs in the metrics and notices the client stopping.
func (q *Queue) watch(events <-chan *river.Event) {
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			q.metrics.observe(ev)
		case <-q.stopped():
			q.running.Store(false)
			return
		}
	}
}

// Running reports whether the queue is started and has not stopped.
func (q *Queue) Running() bool { return q.running.Load() }

// Stop waits for running jobs to finish (until ctx ends) and stops.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.running.Load() {
		return nil
	}
	defer q.stopping()
	return q.stop(ctx)
}

// Drain stops taking jobs and lets the running ones finish until ctx ends.
// Jobs still running then are cancelled: their context ends, River records
// the error and runs them again later (each attempt costs one of their
// retries). Drain waits up to cancelWait more for them to return, and
// returns the kinds of the jobs it cancelled, one entry per job.
func (q *Queue) Drain(ctx context.Context, cancelWait time.Duration) ([]string, error) {
	if !q.running.Load() {
		return nil, nil
	}
	defer q.stopping()
	if err := q.stop(ctx); err == nil || ctx.Err() == nil {
		return nil, err
	}
	cancelled := q.workingKinds()
	hard, cancel := context.WithTimeout(context.Background(), cancelWait)
	defer cancel()
	if err := q.stopAndCancel(hard); err != nil {
		return cancelled, fmt.Errorf("jobs still running %s after they were cancelled: %w", cancelWait, err)
	}
	return cancelled, nil
}

// stopping records that the queue no longer works jobs.
func (q *Queue) stopping() {
	q.running.Store(false)
	if q.unsub != nil {
		q.unsub()
	}
}

// track keeps the set of jobs being worked, so that a drain can say which
// it had to cancel.
func (q *Queue) track(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	q.mu.Lock()
	q.working[job.ID] = job.Kind
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		delete(q.working, job.ID)
		q.mu.Unlock()
	}()
	return doInner(ctx)
}

// workingKinds is the kind of every job being worked, sorted.
func (q *Queue) workingKinds() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Sorted(maps.Values(q.working))
}
