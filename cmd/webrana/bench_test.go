package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// BenchmarkSandboxStartup measures `webrana` in sandbox mode from nothing to
// /readyz answering 200: data dir, key, SQLite, migrations (Webrana's and
// River's), two demo users (two argon2id hashes), the job queue and the
// listener. "first" starts on an empty data dir, "restart" on an existing one.
func BenchmarkSandboxStartup(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			startAndStop(b, b.TempDir())
		}
	})
	b.Run("restart", func(b *testing.B) {
		dir := b.TempDir()
		startAndStop(b, dir)
		for b.Loop() {
			startAndStop(b, dir)
		}
	})
}

func startAndStop(b *testing.B, dir string) {
	cfg, err := LoadConfig("bench", nil, testEnv(map[string]string{"WEBRANA_DATA_DIR": dir, "WEBRANA_ADDR": "127.0.0.1:0"}), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	<-m.Ready()
	res, err := http.Get("http://" + m.Addr() + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("/readyz: %v %v", res, err)
	}
	res.Body.Close()
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	m.Close()
	b.StartTimer()
}

// BenchmarkOrdersToActive measures orders placed through the HTTP API until
// every server is active, end to end: validation, the order transaction,
// River, reservation, tag lookup, create, the first look, completion and
// the charge. The simulator creates servers instantly; the pool has one
// account per 40 orders so that no account nears DigitalOcean's 250
// requests a minute (the pacer would otherwise set the pace). b.N is the
// number of orders; 16 clients place them at once; the job system works 10
// (the default) or 50 jobs at once.
func BenchmarkOrdersToActive(b *testing.B) {
	for _, workers := range []string{"10", "50"} {
		b.Run("sqlite/workers="+workers, func(b *testing.B) { benchOrders(b, map[string]string{"WEBRANA_WORKERS": workers}) })
		b.Run("postgres/workers="+workers, func(b *testing.B) {
			benchOrders(b, map[string]string{"WEBRANA_DATABASE_URL": storetest.PostgresURL(b, false), "WEBRANA_SANDBOX": "1",
				"WEBRANA_WORKERS": workers})
		})
	}
}

func benchOrders(b *testing.B, vars map[string]string) {
	r := newOrderRig(b, vars)
	plan := r.freshPool(b.N/40+1, 10_000_000)
	r.Sim.sim.ResetStats()
	ctx := context.Background()

	b.ResetTimer()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				body := map[string]any{"provider_type": "digitalocean", "plan_id": plan, "region": "sgp1",
					"image": "ubuntu-24-04-x64", "label": fmt.Sprintf("bench-%05d", i), "root_password": "Kx9!mQ2#vLp7"}
				if res := r.customer.Do("POST", "/api/vps", body); res.Status != 202 {
					b.Errorf("order: %d %s", res.Status, res.Body)
				}
			}
		})
	}
	for i := range b.N {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for {
		_, active, err := r.DB.ListInstances(ctx, webrana.InstanceFilter{Status: webrana.StatusActive, Page: webrana.Page{PerPage: 1}})
		if err != nil {
			b.Fatal(err)
		}
		if active == b.N {
			break
		}
		time.Sleep(2 * time.Millisecond) // polling the outcome; the clock is the benchmark's
	}
	b.StopTimer()
	calls := 0
	for _, row := range r.Sim.sim.Stats().Requests {
		calls += row.Count
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/server")
}

// freshPool switches the sandbox's demo DigitalOcean accounts off and adds
// n empty ones (limit 100 each) through the API, gives the demo customer
// credit (minor units), and returns the id of the s-1vcpu-1gb plan.
func (r *orderRig) freshPool(n int, credit int64) string {
	r.t.Helper()
	ctx := context.Background()
	for _, a := range []string{"Primary", "Account 2", "Account 3"} {
		if _, err := r.DB.UpdateAccount(ctx, r.account(a).ID, store.AccountUpdate{IsActive: ptr(false)}); err != nil {
			r.t.Fatal(err)
		}
	}
	for i := range n {
		token := fmt.Sprintf("dop_v1_pool%03d", i)
		if err := r.Sim.sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: token, Email: token + "@example.com", Limit: 100}); err != nil {
			r.t.Fatal(err)
		}
		if res := r.admin.Do("POST", "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": token, "token": token}); res.Status != 201 {
			r.t.Fatalf("add account: %d %s", res.Status, res.Body)
		}
	}
	var me struct{ ID string }
	r.customer.Do("GET", "/api/me", nil).JSON(r.t, &me)
	if res := r.admin.Do("POST", "/api/admin/customers/"+me.ID+"/credit", map[string]any{"amount": credit, "note": "bench"}); res.Status != 201 {
		r.t.Fatalf("credit: %d %s", res.Status, res.Body)
	}
	return r.plan(webrana.DigitalOcean, "s-1vcpu-1gb")
}

func ptr[T any](v T) *T { return &v }
