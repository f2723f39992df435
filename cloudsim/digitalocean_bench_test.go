package cloudsim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloudsim"
)

// tickClock advances one second each time the simulator reads it, so a
// benchmark's thousands of requests spread over simulated hours and stay
// under DigitalOcean's 250/minute and 5,000/hour limits; lifecycles run on
// it too.
type tickClock struct {
	start time.Time
	ticks atomic.Int64
}

func (c *tickClock) Now() time.Time {
	return c.start.Add(time.Duration(c.ticks.Add(1)) * time.Second)
}

// benchDO starts a simulator with one DigitalOcean account and returns a
// godo client for it. Benchmarks measure the simulator and godo, so they
// skip spec validation; connections are pooled for parallel clients.
func benchDO(b *testing.B, spec cloudsim.AccountSpec) *godo.Client {
	b.Helper()
	sim := cloudsim.New(cloudsim.Config{Now: (&tickClock{start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}).Now})
	if err := sim.AddAccount(spec); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512}
	b.Cleanup(tr.CloseIdleConnections)
	c, err := godo.New(&http.Client{Transport: bearer{spec.Token, tr}}, godo.SetBaseURL(srv.URL+"/"))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkDigitalOceanCreateGet: parallel clients each create a droplet
// and read it back (two requests an operation).
func BenchmarkDigitalOceanCreateGet(b *testing.B) {
	c := benchDO(b, cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: "bench", Email: "bench@example.com", Limit: 1 << 30})
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d, _, err := c.Droplets.Create(ctx, createReq(fmt.Sprint("bench-", n.Add(1))))
			if err != nil {
				b.Error(err)
				return
			}
			if _, _, err := c.Droplets.Get(ctx, d.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkDigitalOceanList: parallel clients list an account of 200
// droplets, 50 a page, cycling through the four pages.
func BenchmarkDigitalOceanList(b *testing.B) {
	c := benchDO(b, cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: "bench", Email: "bench@example.com",
		Limit: 500, Instances: 200})
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			page := int(n.Add(1)%4) + 1
			ds, _, err := c.Droplets.List(ctx, &godo.ListOptions{Page: page, PerPage: 50})
			if err != nil || len(ds) != 50 {
				b.Errorf("page %d: %d droplets, %v", page, len(ds), err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkDigitalOceanCreate: parallel godo clients only create droplets:
// the most servers a client can create per second against this simulator,
// the physical limit for Webrana's end-to-end order rate here.
func BenchmarkDigitalOceanCreate(b *testing.B) {
	c := benchDO(b, cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: "bench", Email: "bench@example.com", Limit: 1 << 30})
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.Droplets.Create(ctx, createReq(fmt.Sprint("bench-", n.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
