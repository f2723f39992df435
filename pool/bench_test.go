package pool_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// BenchmarkReserve measures selection-and-reservation (then release, so
// capacity stays put) with 10, 100 and 1,000 accounts on both engines, and
// reports the median and 99th percentile. It calls no provider by
// construction: selection reads only the database.
func BenchmarkReserve(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/%d-accounts", engine.name, n), func(b *testing.B) {
				if engine.name == "postgres" {
					storetest.RequirePostgres(b)
				}
				db := engine.open(b)
				ctx := context.Background()
				if _, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean"); err != nil {
					b.Fatal(err)
				}
				for i := range n {
					a := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: fmt.Sprint("acct", i), TokenCiphertext: "x",
						IsActive: true, Limit: 25, Active: i % 25, Health: webrana.HealthHealthy}
					if err := db.CreateAccount(ctx, a); err != nil {
						b.Fatal(err)
					}
				}
				var lat []time.Duration
				i := 0
				for b.Loop() {
					start := time.Now()
					r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: fmt.Sprint("o", i)})
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
					if err := db.EndAttempt(ctx, r.OrderID, webrana.AttemptInterrupted, ""); err != nil { // gives the slot back
						b.Fatal(err)
					}
					i++
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			})
		}
	}
}

// BenchmarkOrdersSeedVsReserve places 30 concurrent orders on 5 DigitalOcean
// accounts with 10 free slots in all, through the simulator, two ways:
//
//   - seed: the original plan's selection, kept here only as a baseline:
//     for each candidate a live GET /v2/account and GET /v2/droplets
//     ?per_page=1, create on the first with room, count after the create;
//   - webrana: Reserve in the database, then create.
//
// It reports provider calls per order and creates the provider refused for
// the account limit.
func BenchmarkOrdersSeedVsReserve(b *testing.B) {
	for _, way := range []string{"seed", "webrana"} {
		b.Run(way, func(b *testing.B) {
			var calls, overLimit, placed float64
			for b.Loop() {
				b.StopTimer()
				w := newOrderWorld(b)
				b.StartTimer()
				var wg sync.WaitGroup
				for i := range 30 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if w.order(way, i) {
							w.mu.Lock()
							placed++
							w.mu.Unlock()
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				st := w.sim.Stats()
				for _, r := range st.Requests {
					calls += float64(r.Count)
				}
				overLimit += float64(st.LimitErrors)
				b.StartTimer()
			}
			b.ReportMetric(calls/float64(b.N*30), "provider-calls/order")
			b.ReportMetric(overLimit/float64(b.N), "over-limit-creates/run")
			b.ReportMetric(placed/float64(b.N), "placed/run")
		})
	}
}

type orderWorld struct {
	sim     *cloudsim.Sim
	db      *store.DB
	clients map[string]*cloud.Client // by account id
	order_  []string                 // account ids, primary first
	mu      sync.Mutex
	counter map[string]int // the seed's local count
}

func newOrderWorld(b *testing.B) *orderWorld {
	ctx := context.Background()
	clock := newTick()
	sim := cloudsim.New(cloudsim.Config{Now: clock})
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(srv.Close)
	db := storetest.OpenSQLite(b)
	if _, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean"); err != nil {
		b.Fatal(err)
	}
	opener := providers.New(providers.Config{DB: db, SimulatorURL: srv.URL, Pacers: cloud.NewPacers(clock, nil)})
	w := &orderWorld{sim: sim, db: db, clients: map[string]*cloud.Client{}, counter: map[string]int{}}
	for i, free := range []int{1, 2, 3, 2, 2} {
		token := fmt.Sprint("seed-token-", i)
		if err := sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: token, Email: fmt.Sprint(i, "@example.com"),
			Limit: 5, Instances: 5 - free}); err != nil {
			b.Fatal(err)
		}
		a := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: fmt.Sprint("acct", i), TokenCiphertext: "x",
			IsActive: true, Limit: 5, Active: 5 - free, Health: webrana.HealthHealthy, IsPrimary: i == 0}
		if err := db.CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		c, err := opener.Open(webrana.DigitalOcean, token)
		if err != nil {
			b.Fatal(err)
		}
		w.clients[a.ID] = c
		w.order_ = append(w.order_, a.ID)
	}
	sim.ResetStats()
	return w
}

// newTick is a clock that moves a second per reading, so rate windows stay
// open: the comparison is about selection, not rate limits.
func newTick() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
}

func (w *orderWorld) create(id string, i int) error {
	_, err := w.clients[id].CreateInstance(context.Background(), &cloud.CreateRequest{
		Name: fmt.Sprint("web-", i), Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"})
	return err
}

// order places one order; it reports whether a server was created.
func (w *orderWorld) order(way string, i int) bool {
	ctx := context.Background()
	if way == "webrana" {
		r, err := w.db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: fmt.Sprint("o", i)})
		if errors.Is(err, webrana.ErrAllAccountsFull) {
			return false // held until capacity appears
		}
		// The slot stays taken for the rest of the run, as it would once
		// the order records its server.
		return err == nil && w.create(r.AccountID, i) == nil
	}
	for _, id := range w.order_ {
		info, err := w.clients[id].Account(ctx) // GET /v2/account + GET /v2/droplets?per_page=1
		if err != nil || info.Active >= info.Limit {
			continue
		}
		if err := w.create(id, i); err != nil {
			continue // refused over the limit: try the next
		}
		w.mu.Lock()
		w.counter[id]++ // incremented after the create, as the seed does
		w.mu.Unlock()
		return true
	}
	return false
}
