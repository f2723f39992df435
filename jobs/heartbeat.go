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

// HeartbeatWorker works HeartbeatArgs.
type HeartbeatWorker struct {
	river.WorkerDefaults[HeartbeatArgs]
	Logger  *slog.Logger
	Metrics *Metrics
	Now     func() time.Time
}

func (w *HeartbeatWorker) Work(ctx context.Context, job *river.Job[HeartbeatArgs]) error {
	now := w.Now()
	// Count first: once the log line is out, the beat is in the metrics.
	if w.Metrics != nil {
		w.Metrics.heartbeats.Inc()
		w.Metrics.lastBeat.Set(float64(now.UnixMilli()) / 1000)
	}
	w.Logger.Info("heartbeat", "job_id", job.ID, "scheduled_at", job.ScheduledAt.UTC(), "lag", now.Sub(job.ScheduledAt).Round(time.Millisecond))
	return nil
}

// HeartbeatEvery is the heartbeat's period.
const HeartbeatEvery = time.Minute

// HeartbeatJob is the periodic schedule of the heartbeat, run once at start
// and then every HeartbeatEvery.
func HeartbeatJob() *river.PeriodicJob {
	return Every(HeartbeatEvery, HeartbeatArgs{}, true)
}
