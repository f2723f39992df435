package cloudsim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// linodeBenchSim is a simulator whose clock moves a second per request, so
// Linode's rate limits (20 creates per 15 s) never bind and the benchmark
// measures the simulator, not the limiter. Clients use a plain transport:
// spec validation would dominate the figures.
func linodeBenchSim(b *testing.B, foreign int) (*linodego.Client, func()) {
	b.Helper()
	var tick atomic.Int64
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	sim := cloudsim.New(cloudsim.Config{Now: func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: cloudsim.Linode, Token: "bench", Email: "bench@example.com",
		Limit: 1 << 30, Instances: foreign}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	return linodeClient(srv.URL, "bench", tr), func() { tr.CloseIdleConnections(); srv.Close() }
}

// BenchmarkLinodeCreateGet: one op is a create and a get of the new Linode.
func BenchmarkLinodeCreateGet(b *testing.B) {
	c, done := linodeBenchSim(b, 0)
	defer done()
	var n atomic.Int64
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			in, err := c.CreateInstance(ctx, linodego.InstanceCreateOptions{Region: "us-east", Type: "g6-nanode-1",
				Label: fmt.Sprintf("bench-%d", n.Add(1)), Image: "linode/ubuntu24.04", RootPass: linodeGoodPass})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := c.GetInstance(ctx, in.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkLinodeList: one op lists a 100-Linode page of a 200-Linode
// account.
func BenchmarkLinodeList(b *testing.B) {
	c, done := linodeBenchSim(b, 200)
	defer done()
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		opts := &linodego.ListOptions{PageOptions: &linodego.PageOptions{Page: 1}, PageSize: 100}
		for pb.Next() {
			opts.Page = 1
			got, err := c.ListInstances(ctx, opts)
			if err != nil || len(got) != 100 {
				b.Errorf("list: %d %v", len(got), err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
