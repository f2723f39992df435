package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/webrana/webrana/store"
)

// CleanupArgs is the hourly housekeeping job: expired sessions and login
// attempts older than any throttling window are deleted.
type CleanupArgs struct{}

func (CleanupArgs) Kind() string { return "cleanup" }

// CleanupEvery is the cleanup's period.
const CleanupEvery = time.Hour

// LoginAttemptRetention is how long login attempts are kept: well past any
// throttling window, short enough that the table stays small.
const LoginAttemptRetention = 24 * time.Hour

// Cleanup is the cleanup's run: it deletes the expired sessions and the
// login attempts older than LoginAttemptRetention (and the account
// actions' attempts and expired one-time links older than that).
func Cleanup(db *store.DB, logger *slog.Logger, now func() time.Time) func(context.Context) error {
	return func(ctx context.Context) error {
		sessions, err := db.DeleteExpiredSessions(ctx)
		if err != nil {
			return err
		}
		logins, err := db.PruneLogins(ctx, now().Add(-LoginAttemptRetention))
		if err != nil {
			return err
		}
		// Sign-up and e-mail throttling counts, and expired one-time links.
		attempts, err := db.PruneAttempts(ctx, now().Add(-LoginAttemptRetention))
		if err != nil {
			return err
		}
		logger.Info("cleanup", "expired_sessions", sessions, "old_login_attempts", logins, "old_account_attempts", attempts)
		return nil
	}
}
