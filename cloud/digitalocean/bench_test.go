package digitalocean_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/digitalocean"
	"github.com/webrana/webrana/cloudsim"
)

// BenchmarkDriverOverhead compares GET /v2/droplets/{id} through the whole
// provider layer (cloud.Client → driver → godo → pacer) with the same
// request made by hand with net/http, against the simulator. The difference
// is what the layer costs per call.
func BenchmarkDriverOverhead(b *testing.B) {
	// A clock that moves a second per reading keeps every rate window
	// nearly empty: this measures overhead, not the 250/min budget.
	var mu sync.Mutex
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	sim := cloudsim.New(cloudsim.Config{Now: tick})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: "t", Email: "b@example.com", Limit: 1 << 20}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	pacers := cloud.NewPacers(tick, func(context.Context, time.Duration) error { return nil })
	d, err := digitalocean.New(digitalocean.Config{Token: "t", BaseURL: srv.URL, Pacers: pacers})
	if err != nil {
		b.Fatal(err)
	}
	c := cloud.New(d, nil)
	ctx := context.Background()
	in, err := c.CreateInstance(ctx, &cloud.CreateRequest{Name: "bench", Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cloud.Client", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.GetInstance(ctx, in.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net/http", func(b *testing.B) {
		for b.Loop() {
			req, _ := http.NewRequest("GET", srv.URL+"/v2/droplets/"+in.ID, nil)
			req.Header.Set("Authorization", "Bearer t")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body) // drained, so the connection is reused as godo's is
			res.Body.Close()
		}
	})
}
