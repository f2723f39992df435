package pool

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webrana/webrana"
)

// Collector exports the pool's state to Prometheus at scrape time, read
// from the database so every replica reports the same numbers.
type Collector struct {
	DB interface {
		ListAccounts(ctx context.Context, t webrana.ProviderType) ([]*webrana.Account, error)
	}
}

var (
	descLimit    = prometheus.NewDesc("webrana_account_limit", "Server limit of a provider account.", []string{"provider", "account"}, nil)
	descActive   = prometheus.NewDesc("webrana_account_active", "Servers on a provider account.", []string{"provider", "account"}, nil)
	descReserved = prometheus.NewDesc("webrana_account_reserved", "Slots reserved for orders in flight.", []string{"provider", "account"}, nil)
	descHealth   = prometheus.NewDesc("webrana_account_health", "1 for the account's current health.", []string{"provider", "account", "health"}, nil)
	descPoolUse  = prometheus.NewDesc("webrana_pool_utilization_ratio", "Used share (0–1) of a provider's active accounts' limits.", []string{"provider"}, nil)
)

func (c Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLimit, descActive, descReserved, descHealth, descPoolUse} {
		ch <- d
	}
}

func (c Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	accounts, err := c.DB.ListAccounts(ctx, "")
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descLimit, err)
		return
	}
	used, limit := map[webrana.ProviderType]float64{}, map[webrana.ProviderType]float64{}
	for _, a := range accounts {
		labels := []string{string(a.ProviderType), a.Name}
		ch <- prometheus.MustNewConstMetric(descLimit, prometheus.GaugeValue, float64(a.Limit), labels...)
		ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(a.Active), labels...)
		ch <- prometheus.MustNewConstMetric(descReserved, prometheus.GaugeValue, float64(a.Reserved), labels...)
		for _, h := range []webrana.Health{webrana.HealthHealthy, webrana.HealthDegraded, webrana.HealthUnhealthy, webrana.HealthUnknown} {
			v := 0.0
			if a.Health == h {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descHealth, prometheus.GaugeValue, v, append(labels, string(h))...)
		}
		if a.IsActive {
			used[a.ProviderType] += float64(a.Active + a.Reserved)
			limit[a.ProviderType] += float64(a.Limit)
		}
	}
	for p, l := range limit {
		if l > 0 {
			ch <- prometheus.MustNewConstMetric(descPoolUse, prometheus.GaugeValue, used[p]/l, string(p))
		}
	}
}
