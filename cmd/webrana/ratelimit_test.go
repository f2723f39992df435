package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
)

// ordersUnder429s is the rig of issue 14's "waits are bounded" runs: the
// sandbox with one fresh DigitalOcean account with room for every order,
// and the simulator answering a share of every DigitalOcean call with a
// 429 that carries no Retry-After (as the simulator's injected faults do).
func ordersUnder429s(t testing.TB, rate float64) (*orderRig, string) {
	r := newOrderRig(t, map[string]string{})
	plan := r.freshPool(1, 1_000_000)
	if err := r.Sim.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", Status: 429, Rate: rate}); err != nil {
		t.Fatal(err)
	}
	r.Sim.sim.ResetStats()
	return r, plan
}

// placeAndAwait places n orders at once and waits until every one is
// active, failing at the first that fails; it returns the time from the
// first order to the last server active. There is no time limit but the
// test's own: how long it takes is measured, not asserted.
func placeAndAwait(t testing.TB, r *orderRig, plan string, n int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := map[string]any{"provider_type": "digitalocean", "plan_id": plan, "region": "sgp1",
				"image": "ubuntu-24-04-x64", "label": fmt.Sprintf("throttled-%02d", i), "root_password": "Kx9!mQ2#vLp7"}
			if res := r.customer.Do("POST", "/api/vps", body); res.Status != 202 {
				t.Errorf("order %d: %d %s", i, res.Status, res.Body)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	ctx := context.Background()
	for {
		_, active, err := r.DB.ListInstances(ctx, webrana.InstanceFilter{Status: webrana.StatusActive, Page: webrana.Page{PerPage: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if active == n {
			return time.Since(start)
		}
		failed, _, err := r.DB.ListInstances(ctx, webrana.InstanceFilter{Status: webrana.StatusFailed, Page: webrana.Page{PerPage: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) > 0 {
			t.Fatalf("order %s failed under 429s: %s", failed[0].Label, failed[0].Error)
		}
		time.Sleep(50 * time.Millisecond) // polling the outcome, not timing it
	}
}

// TestOrdersBecomeActiveUnder429s: with one DigitalOcean call in ten
// answered 429 without Retry-After, 30 orders on one account all become
// active, none failed, and the provider runs exactly 30 servers. (How long
// it takes is BenchmarkOrdersUnder429s.)
func TestOrdersBecomeActiveUnder429s(t *testing.T) {
	if testing.Short() {
		t.Skip("places 30 orders through a throttled provider")
	}
	r, plan := ordersUnder429s(t, 0.1)
	took := placeAndAwait(t, r, plan, 30)
	stats := r.Sim.sim.Stats()
	for _, a := range stats.Accounts {
		if a.Email == "dop_v1_pool000@example.com" && a.Instances != 30 {
			t.Errorf("the provider runs %d servers for 30 orders", a.Instances)
		}
	}
	t.Logf("30 orders active %v after the first, %d answers were 429", took.Round(time.Millisecond), stats.Faults)
}

// BenchmarkOrdersUnder429s measures issue 14's run: 30 orders placed at
// once on one DigitalOcean account whose every call has a 10 % chance of
// a 429 without Retry-After, from the first order to the last server
// active (s/30-orders). Run it with -benchtime 1x: one run takes seconds
// to minutes.
func BenchmarkOrdersUnder429s(b *testing.B) {
	var total time.Duration
	for range b.N {
		b.StopTimer()
		r, plan := ordersUnder429s(b, 0.1)
		b.StartTimer()
		total += placeAndAwait(b, r, plan, 30)
		b.StopTimer()
		b.Logf("429 answers: %d", r.Sim.sim.Stats().Faults)
		r.stop(b)
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/30-orders")
}
