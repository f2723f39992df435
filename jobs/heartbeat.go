package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// HeartbeatArgs is the trivial periodic job that proves the job system works
// end to end: enqueued by the leader every minute, worked by some replica,
// visible in the logs and in webrana_heartbeats_total.
type HeartbeatArgs struct{}

func (HeartbeatArgs) Kind() string { return "heartbeat" }

// HeartbeatEvery is the heartbeat's period.
const HeartbeatEvery = time.Minute

// Heartbeat is the heartbeat's task, run once at start and then every
// HeartbeatEvery. metrics may be nil. It is built here rather than with
// Periodic where it is wired because it reports its own job's lag.
func Heartbeat(logger *slog.Logger, metrics *Metrics, now func() time.Time) PeriodicTask {
	return periodic(HeartbeatEvery, true, func(ctx context.Context, job *river.Job[HeartbeatArgs]) error {
		t := now()
		// Count first: once the log line is out, the beat is in the metrics.
		if metrics != nil {
			metrics.heartbeats.Inc()
			metrics.lastBeat.Set(float64(t.UnixMilli()) / 1000)
		}
		logger.Info("heartbeat", "job_id", job.ID, "scheduled_at", job.ScheduledAt.UTC(), "lag", t.Sub(job.ScheduledAt).Round(time.Millisecond))
		return nil
	})
}
