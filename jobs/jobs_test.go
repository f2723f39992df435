package jobs_test

import (
	"context"
	"errors"
	"log/slog"
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
	q, err := jobs.New(db, cfg)
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
		workers := river.NewWorkers()
		river.AddWorker(workers, &jobs.HeartbeatWorker{Logger: slog.New(chanHandler{logs}), Metrics: metrics, Now: webrana.Now})
		q := startQueue(t, db, jobs.Config{Workers: workers, Periodic: []*river.PeriodicJob{jobs.HeartbeatJob()}, Metrics: metrics})
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

		w := &jobs.CleanupWorker{DB: db, Logger: slog.New(slog.DiscardHandler), Now: db.Now}
		if err := w.Work(ctx, &river.Job[jobs.CleanupArgs]{}); err != nil {
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
