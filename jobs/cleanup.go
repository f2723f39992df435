package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana/store"
)

// CleanupArgs is the hourly housekeeping job: expired sessions and login
// attempts older than any throttling window are deleted.
type CleanupArgs struct{}

func (CleanupArgs) Kind() string { return "cleanup" }

// LoginAttemptRetention is how long login attempts are kept: well past any
// throttling window, short enough that the table stays small.
const LoginAttemptRetention = 24 * time.Hour

// CleanupWorker works CleanupArgs.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	DB     *store.DB
	Logger *slog.Logger
	Now    func() time.Time
}

func (w *CleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	sessions, err := w.DB.DeleteExpiredSessions(ctx)
	if err != nil {
		return err
	}
	logins, err := w.DB.PruneLogins(ctx, w.Now().Add(-LoginAttemptRetention))
	if err != nil {
		return err
	}
	w.Logger.Info("cleanup", "expired_sessions", sessions, "old_login_attempts", logins)
	return nil
}

// CleanupJob runs the cleanup every hour (and once at start).
func CleanupJob() *river.PeriodicJob {
	return Every(time.Hour, CleanupArgs{}, true)
}
