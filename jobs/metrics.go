package jobs

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
)

// Metrics are the Prometheus series the job system exports.
type Metrics struct {
	finished   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	heartbeats prometheus.Counter
	lastBeat   prometheus.Gauge
}

// NewMetrics creates the job metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "webrana_jobs_finished_total",
			Help: "Jobs that finished a run, by kind and outcome (completed, failed, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "webrana_job_run_seconds",
			Help:    "Time spent working a job, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		heartbeats: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "webrana_heartbeats_total",
			Help: "Heartbeat jobs worked by this process.",
		}),
		lastBeat: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "webrana_heartbeat_last_timestamp_seconds",
			Help: "Unix time of the last heartbeat job this process worked.",
		}),
	}
	reg.MustRegister(m.finished, m.duration, m.heartbeats, m.lastBeat)
	return m
}

func (m *Metrics) observe(ev *river.Event) {
	if m == nil || ev.Job == nil {
		return
	}
	outcome := string(ev.Kind)[len("job_"):]
	m.finished.WithLabelValues(ev.Job.Kind, outcome).Inc()
	if ev.JobStats != nil {
		m.duration.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.RunDuration.Seconds())
	}
}
