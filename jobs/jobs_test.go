package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// engines runs fn on a migrated SQLite and PostgreSQL database.
func engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, migrated(t, storetest.OpenSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, migrated(t, storetest.OpenPostgres(t))) })
}

func migrated(t *testing.T, db *store.DB) *store.DB {
	if err := jobs.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// pingArgs is a job whose worker reports on a channel.
type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	seen chan int
}

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	w.seen <- job.Args.N
	return nil
}

// chanHandler is a slog handler that forwards each message to a channel.
type chanHandler struct{ msgs chan string }

func (h chanHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h chanHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}
func (h chanHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h chanHandler) WithGroup(string) slog.Handler      { return h }

func startQueue(t *testing.T, db *store.DB, cfg jobs.Config) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(db, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return q
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestHeartbeatRunsOnStart(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		logs := make(chan string, 100)
		reg := prometheus.NewRegistry()
		metrics := jobs.NewMetrics(reg)
		heartbeat := jobs.Heartbeat(slog.New(chanHandler{logs}), metrics, webrana.Now)
		q := startQueue(t, db, jobs.Config{Periodic: []jobs.PeriodicTask{heartbeat}, Metrics: metrics})
		if !q.Running() {
			t.Fatal("queue not running after Start")
		}
		for wait(t, logs, "heartbeat log") != "heartbeat" {
		}
		if got := counterValue(t, reg, "webrana_heartbeats_total"); got < 1 {
			t.Fatalf("webrana_heartbeats_total = %v, want ≥ 1", got)
		}
	})
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

func TestInsertTxFollowsTheTransaction(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seen := make(chan int, 10)
		workers := river.NewWorkers()
		river.AddWorker(workers, &pingWorker{seen: seen})
		q := startQueue(t, db, jobs.Config{Workers: workers})

		rollback := errors.New("rollback")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := q.InsertTx(ctx, tx, pingArgs{N: 1}, nil); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("InTx = %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return q.InsertTx(ctx, tx, pingArgs{N: 2}, nil) }); err != nil {
			t.Fatal(err)
		}
		// The committed job is worked; after the queue has drained and
		// stopped, the rolled-back one must never have been.
		if got := wait(t, seen, "committed job"); got != 2 {
			t.Fatalf("worked job %d, want the committed job 2", got)
		}
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := q.Stop(stopCtx); err != nil {
			t.Fatal(err)
		}
		if q.Running() {
			t.Fatal("queue still running after Stop")
		}
		select {
		case n := <-seen:
			t.Fatalf("rolled-back job %d was worked", n)
		default:
		}
	})
}

func TestCleanupRemovesExpiredSessionsAndOldLogins(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2031, 5, 1, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		u := &webrana.User{Email: "c@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		live := &webrana.Session{UserID: u.ID, TokenHash: []byte("live"), Kind: "api", ExpiresAt: now.Add(time.Hour)}
		dead := &webrana.Session{UserID: u.ID, TokenHash: []byte("dead"), Kind: "api", ExpiresAt: now.Add(-time.Second)}
		for _, s := range []*webrana.Session{live, dead} {
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		db.Now = func() time.Time { return now.Add(-25 * time.Hour) }
		if err := db.RecordLogin(ctx, "c@example.com", "10.0.0.1", false); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return now }
		if err := db.RecordLogin(ctx, "c@example.com", "10.0.0.1", false); err != nil {
			t.Fatal(err)
		}

		if err := jobs.Cleanup(db, slog.New(slog.DiscardHandler), db.Now)(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SessionByTokenHash(ctx, []byte("live")); err != nil {
			t.Errorf("live session removed: %v", err)
		}
		n, _, err := db.LoginFailures(ctx, store.ByEmail, "c@example.com", now.Add(-48*time.Hour))
		if err != nil || n != 1 {
			t.Errorf("login attempts after cleanup = %d (%v), want only the recent one", n, err)
		}
		if removed, _ := db.DeleteExpiredSessions(ctx); removed != 0 {
			t.Errorf("cleanup left %d expired sessions", removed)
		}
	})
}

// blockArgs is a job whose worker runs until the test releases it or its
// context ends, and reports which.
type blockArgs struct{}

func (blockArgs) Kind() string { return "block" }

type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	started chan struct{}
	release chan struct{}
	ended   chan error // nil when released, else the context's error
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	w.started <- struct{}{}
	select {
	case <-w.release:
		w.ended <- nil
		return nil
	case <-ctx.Done():
		w.ended <- ctx.Err()
		return ctx.Err()
	}
}

// signalHandler is a slog handler that closes seen at the first message
// containing match.
type signalHandler struct {
	match string
	seen  chan struct{}
	once  *sync.Once
}

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.match) {
		h.once.Do(func() { close(h.seen) })
	}
	return nil
}
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }

// drainRig is a started queue working one blocking job, and a drain of it
// in the background.
type drainRig struct {
	db       *store.DB
	w        *blockWorker
	stopping chan struct{} // closed once River stops fetching jobs
	cancel   context.CancelFunc
	done     chan drainResult
}

type drainResult struct {
	cancelled []string
	err       error
}

// startDrain starts a queue, waits until it works a blocking job, and
// starts draining it with a grace period that ends when the test says.
func startDrain(t *testing.T, db *store.DB) *drainRig {
	t.Helper()
	ctx := context.Background()
	r := &drainRig{db: db, stopping: make(chan struct{}), done: make(chan drainResult, 1),
		w: &blockWorker{started: make(chan struct{}, 1), release: make(chan struct{}), ended: make(chan error, 1)}}
	workers := river.NewWorkers()
	river.AddWorker(workers, r.w)
	logger := slog.New(signalHandler{match: "Client: Stopping producers", seen: r.stopping, once: &sync.Once{}})
	q, err := jobs.New(db, &jobs.Config{Workers: workers, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return q.InsertTx(ctx, tx, blockArgs{}, nil) }); err != nil {
		t.Fatal(err)
	}
	wait(t, r.w.started, "the job to start")
	grace, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	t.Cleanup(cancel)
	go func() {
		cancelled, err := q.Drain(grace, 30*time.Second)
		r.done <- drainResult{cancelled, err}
	}()
	wait(t, r.stopping, "River to stop fetching")
	if q.Running() {
		select {
		case res := <-r.done:
			t.Fatalf("Drain returned %v while its job ran", res)
		default:
		}
	}
	return r
}

// jobRow is the blocking job's state and recorded errors.
func (r *drainRig) jobRow(t *testing.T) (state, errs string) {
	t.Helper()
	err := r.db.SQL().QueryRowContext(context.Background(),
		`SELECT state, COALESCE(CAST(errors AS TEXT), '') FROM river_job WHERE kind = 'block'`).Scan(&state, &errs)
	if err != nil {
		t.Fatal(err)
	}
	return state, errs
}

// TestDrainLetsRunningJobsFinish: once a drain has begun, a running job
// keeps its context and completes; Drain returns when it has, cancelling
// nothing.
func TestDrainLetsRunningJobsFinish(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		r := startDrain(t, db)
		close(r.w.release)
		if err := wait(t, r.w.ended, "the job to end"); err != nil {
			t.Fatalf("the running job's context ended during the drain: %v", err)
		}
		res := wait(t, r.done, "Drain to return")
		if res.err != nil || len(res.cancelled) != 0 {
			t.Fatalf("Drain = %v, %v; want nothing cancelled and no error", res.cancelled, res.err)
		}
		if state, errs := r.jobRow(t); state != "completed" || errs != "" {
			t.Fatalf("job %s with errors %q, want completed without errors", state, errs)
		}
	})
}

// TestDrainCancelsJobsStillRunningAfterTheGrace: when the grace period ends,
// the jobs still running are cancelled, reported, and left for River to run
// again.
func TestDrainCancelsJobsStillRunningAfterTheGrace(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		r := startDrain(t, db)
		r.cancel() // the grace period ends
		if err := wait(t, r.w.ended, "the job to end"); !errors.Is(err, context.Canceled) {
			t.Fatalf("the job ended with %v, want its context cancelled", err)
		}
		res := wait(t, r.done, "Drain to return")
		if res.err != nil || !slices.Equal(res.cancelled, []string{"block"}) {
			t.Fatalf("Drain = %v, %v; want [block] cancelled and no error", res.cancelled, res.err)
		}
		// A short retry delay makes River schedule the job straight back
		// as available.
		if state, errs := r.jobRow(t); (state != "retryable" && state != "available") || !strings.Contains(errs, "context canceled") {
			t.Fatalf("job %s with errors %q, want it to be run again, with the cancellation recorded", state, errs)
		}
	})
}
