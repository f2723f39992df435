package linode_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloud/linode"
	"github.com/webrana/webrana/cloudsim"
)

func TestConformance(t *testing.T) {
	cloudtest.RunConformanceTests(t, cloudtest.Harness{
		Registration: linode.Registration(),
		Region:       "ap-south", Size: "g6-nanode-1", Image: "linode/ubuntu24.04", BiggerSize: "g6-standard-1",
		App: "401701", AppImage: "linode/ubuntu24.04",
		AppFields:        map[string]string{"soa_email_address": "ops@example.com", "user_name": "admin"},
		CreatePath:       "/v4/linode/instances",
		FirewallPath:     "/v4/networking/firewalls",
		MultiPageCatalog: "/v4/linode/stackscripts", // more items than the driver's page (DigitalOcean 200, Linode 100)
		Burst:            1700,                      // over Linode's 1,600 a minute
	})
}

// TestCPUIsPercentOfTheWholeLinode: Linode counts CPU at 100 percent per
// core; the driver answers percent of all the Linode's vCPUs, as DigitalOcean's
// does, so an 8-vCPU Linode's stats are divided by 8.
func TestCPUIsPercentOfTheWholeLinode(t *testing.T) {
	clock := cloudtest.NewClock(time.Date(2031, 5, 1, 8, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now, CreateDelay: 30 * time.Second})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: linode.Type, Token: "cores", Email: "cores@example.com"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	d, err := linode.New(linode.Config{Token: "cores", BaseURL: srv.URL, Pacers: cloud.NewPacers(clock.Now, clock.Sleep)})
	if err != nil {
		t.Fatal(err)
	}
	c := cloud.New(d, &cloud.Options{Sleep: clock.Sleep})
	ctx := context.Background()
	in, err := c.CreateInstance(ctx, &cloud.CreateRequest{Name: "cores", Region: "ap-south", Size: "g6-standard-8",
		Image: "linode/ubuntu24.04", RootPassword: "Conformance-Root-Pw-2031!"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * time.Hour)
	end := clock.Now()
	got, err := c.Metrics(ctx, in.ID, cloud.MetricCPU, end.Add(-6*time.Hour), end)
	if err != nil || len(got) < 10 {
		t.Fatalf("cpu: %d points, %v", len(got), err)
	}

	req, _ := http.NewRequest("GET", srv.URL+"/v4/linode/instances/"+in.ID+"/stats", nil)
	req.Header.Set("Authorization", "Bearer cores")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw struct {
		Data struct{ CPU [][2]float64 } `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	perCore := map[int64]float64{}
	for _, p := range raw.Data.CPU {
		perCore[int64(p[0])] = p[1]
	}
	for _, p := range got {
		v, ok := perCore[p.Time.UnixMilli()]
		if !ok || math.Abs(p.Value-v/8) > 1e-9 || p.Value < 0 || p.Value > 100 {
			t.Fatalf("cpu at %v = %v; Linode says %v (of 800)", p.Time, p.Value, v)
		}
	}
}
