package lifecycle

import (
	"context"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/pool"
)

// Metrics serves servers' CPU and bandwidth series from their providers
// (DigitalOcean monitoring, Linode stats), each cached for TTL so that a
// page polled by many viewers asks the provider once a minute.
type Metrics struct {
	db   AccountStore
	pool *pool.Service
	cfg  MetricsConfig

	mu    sync.Mutex
	cache map[metricsKey]metricsEntry
}

// MetricsConfig holds a Metrics' optional settings; zero values take
// defaults.
type MetricsConfig struct {
	TTL time.Duration    // default 1 minute
	Now func() time.Time // default webrana.Now
}

// NewMetrics returns the metrics of the servers whose accounts are in db,
// asked of their providers through pool. cfg may be nil.
func NewMetrics(db AccountStore, pool *pool.Service, cfg *MetricsConfig) *Metrics {
	var c MetricsConfig
	if cfg != nil {
		c = *cfg
	}
	if c.TTL <= 0 {
		c.TTL = time.Minute
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	return &Metrics{db: db, pool: pool, cfg: c}
}

type metricsKey struct {
	instance string
	hours    int
}

type metricsEntry struct {
	at     time.Time
	series *Series
}

// Series are a server's metrics over a window.
type Series struct {
	Hours     int       `json:"hours"`
	CPU       []Point   `json:"cpu"`       // percent busy of all vCPUs together, 0 to 100
	Bandwidth []Point   `json:"bandwidth"` // public outbound, in bits per second (bit/s) from every provider
	FetchedAt time.Time `json:"fetched_at"`
}

// Point is one sample.
type Point struct {
	Time  time.Time `json:"time"`
	Value float64   `json:"value"`
}

func points(ps []cloud.Point) []Point {
	out := make([]Point, len(ps))
	for i, p := range ps {
		out[i] = Point{Time: p.Time.UTC(), Value: p.Value}
	}
	return out
}

// MaxMetricHours is the longest window served (Linode keeps 24 hours).
const MaxMetricHours = 24

// Get returns the last hours of a server's metrics.
func (m *Metrics) Get(ctx context.Context, in *webrana.Instance, hours int) (*Series, error) {
	if hours < 1 || hours > MaxMetricHours {
		return nil, webrana.FieldError("metrics", "metrics is a number of hours, 1 to %d.", MaxMetricHours)
	}
	if in.ProviderID == "" || in.AccountID == "" || (in.Status != webrana.StatusActive && in.Status != webrana.StatusOff) {
		return nil, webrana.Errorf(webrana.ECONFLICT, "Metrics are shown for running or stopped servers; this one is %s.", in.Status)
	}
	now := m.now()
	key := metricsKey{in.ID, hours}
	m.mu.Lock()
	e, ok := m.cache[key]
	m.mu.Unlock()
	if ok && now.Sub(e.at) < m.ttl() {
		return e.series, nil
	}
	s, err := m.fetch(ctx, in, hours, now)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.cache == nil {
		m.cache = map[metricsKey]metricsEntry{}
	}
	for k, old := range m.cache { // forget what expired, so the map stays small
		if now.Sub(old.at) >= m.ttl() {
			delete(m.cache, k)
		}
	}
	m.cache[key] = metricsEntry{at: now, series: s}
	m.mu.Unlock()
	return s, nil
}

func (m *Metrics) fetch(ctx context.Context, in *webrana.Instance, hours int, now time.Time) (*Series, error) {
	a, err := m.db.AccountByID(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	c, err := m.pool.Client(ctx, a)
	if err != nil {
		return nil, err
	}
	start := now.Add(-time.Duration(hours) * time.Hour)
	cpu, err := c.Metrics(ctx, in.ProviderID, cloud.MetricCPU, start, now)
	if err != nil {
		return nil, metricsError(err)
	}
	bw, err := c.Metrics(ctx, in.ProviderID, cloud.MetricBandwidth, start, now)
	if err != nil {
		return nil, metricsError(err)
	}
	return &Series{Hours: hours, CPU: points(cpu), Bandwidth: points(bw), FetchedAt: now}, nil
}

func metricsError(err error) error {
	if cloud.Transient(err) {
		return webrana.Errorf(webrana.EUNAVAILABLE, "The provider's metrics are not available right now; try again shortly.")
	}
	return err
}

func (m *Metrics) ttl() time.Duration { return m.cfg.TTL }

func (m *Metrics) now() time.Time { return m.cfg.Now() }
