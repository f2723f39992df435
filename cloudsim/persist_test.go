package cloudsim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
)

// TestEveryChangeIsSavedBeforeItIsAnswered: with a state path, changes made
// through the providers' APIs and the admin API are in the file when their
// answer arrives: a fresh simulator loading it, without any Save, has them.
func TestEveryChangeIsSavedBeforeItIsAnswered(t *testing.T) {
	t.Parallel()
	clock := cloudtest.NewClock(time.Date(2030, 6, 3, 9, 30, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "sim.json")
	cfg := cloudsim.Config{Now: clock.Now, CreateDelay: 30 * time.Second, ActionDelay: 10 * time.Second, StatePath: path}
	sim, url := simServer(t, cfg)
	if code, body := send(t, "POST", url+"/_sim/accounts", "",
		`{"provider":"digitalocean","token":"do","email":"do@example.com","limit":5,"instances":1}`); code != 201 {
		t.Fatalf("add account: %d %s", code, body)
	}
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: cloudsim.Linode, Token: "li", Email: "li@example.com"})
	if code, body := send(t, "PATCH", url+"/_sim/accounts/do", "", `{"limit":9}`); code != 200 {
		t.Fatalf("patch account: %d %s", code, body)
	}
	do, err := godo.New(&http.Client{Transport: bearer{"do", http.DefaultTransport}}, godo.SetBaseURL(url+"/"))
	if err != nil {
		t.Fatal(err)
	}
	d := mustCreate(t, do, createReq("durable", "keep"))
	lin := linodeClient(url, "li", http.DefaultTransport)
	in := linodeCreate(t, lin, "durable-linode")
	clock.Advance(30 * time.Second)
	if _, _, err := do.DropletActions.PowerOff(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := lin.UpdateInstance(context.Background(), in.ID, linodego.InstanceUpdateOptions{Label: "renamed"}); err != nil {
		t.Fatal(err)
	}

	again := cloudsim.New(cfg)
	if ok, err := again.Load(path); !ok || err != nil {
		t.Fatalf("load: %v %v", ok, err)
	}
	accounts := again.Accounts()
	if len(accounts) != 2 || accounts[0].Limit != 9 || accounts[0].Instances != 2 || accounts[1].Instances != 1 {
		t.Fatalf("accounts after load: %+v", accounts)
	}
	srv := httptest.NewServer(again.Handler())
	defer srv.Close()
	do2, _ := godo.New(&http.Client{Transport: bearer{"do", http.DefaultTransport}}, godo.SetBaseURL(srv.URL+"/"))
	lin2 := linodeClient(srv.URL, "li", http.DefaultTransport)
	clock.Advance(10 * time.Second) // the power-off, in progress when saved, completes on the clock
	if got := mustGet(t, do2, d.ID); got.Status != "off" || got.Name != "durable" {
		t.Fatalf("droplet after load: %s %s", got.Name, got.Status)
	}
	if got, err := lin2.GetInstance(context.Background(), in.ID); err != nil || got.Label != "renamed" || got.Status != linodego.InstanceRunning {
		t.Fatalf("linode after load: %+v, %v", got, err)
	}
}

// TestAChangeThatCannotBeSavedIsRefused: when the state file cannot be
// written, the change is answered 500 (the provider's error body), never
// as a success that a restart would forget.
func TestAChangeThatCannotBeSavedIsRefused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gone")
	sim, url := simServer(t, cloudsim.Config{StatePath: filepath.Join(dir, "sim.json")})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: "do", Email: "do@example.com"}); err == nil ||
		!strings.Contains(err.Error(), "save state") {
		t.Fatalf("AddAccount with an unwritable state: %v", err)
	}
	code, body := send(t, "POST", url+"/v2/droplets", "do", `{"name":"x","region":"sgp1","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"}`)
	if code != 500 || !strings.Contains(body, "could not save its state") {
		t.Fatalf("create with an unwritable state: %d %s", code, body)
	}
	if code, body := send(t, "PATCH", url+"/_sim/accounts/do", "", `{"limit":3}`); code != 500 || !strings.Contains(body, "internal") {
		t.Fatalf("admin change with an unwritable state: %d %s", code, body)
	}
	// Reads still answer.
	if code, _ := send(t, "GET", url+"/v2/account", "do", ""); code != 200 {
		t.Fatalf("read with an unwritable state: %d", code)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if code, body := send(t, "PATCH", url+"/_sim/accounts/do", "", `{"limit":4}`); code != 200 {
		t.Fatalf("admin change once the state can be written: %d %s", code, body)
	}
}

// TestConcurrentChangesAreAllSaved: changes from many clients at once each
// wait for a save that covers them; the file ends with all of them.
func TestConcurrentChangesAreAllSaved(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	cfg := cloudsim.Config{StatePath: path, Now: (&tickClock{start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}).Now}
	sim, url := simServer(t, cfg)
	mustAdd(t, sim, cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: "do", Email: "do@example.com", Limit: 100})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"name":"c-%d","region":"sgp1","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"}`, i)
			if code, out := send(t, "POST", url+"/v2/droplets", "do", body); code != 202 {
				t.Errorf("create %d: %d %s", i, code, out)
			}
		}()
	}
	wg.Wait()
	again := cloudsim.New(cfg)
	if ok, err := again.Load(path); !ok || err != nil || again.Accounts()[0].Instances != 40 {
		t.Fatalf("after 40 concurrent creates the file holds %+v (%v %v)", again.Accounts(), ok, err)
	}
}

// BenchmarkPersistedChange measures what saving every change costs: one
// change (relabelling a Linode) on a simulator of servers Linodes over
// accounts, without a state path and with one (the state written, synced
// and renamed, and the directory synced, before the answer; only the
// changed account's resources are rendered again).
func BenchmarkPersistedChange(b *testing.B) {
	for _, tc := range []struct{ servers, accounts int }{{100, 1}, {500, 1}, {500, 5}} {
		for _, persist := range []bool{false, true} {
			b.Run(fmt.Sprintf("servers=%d/accounts=%d/persist=%v", tc.servers, tc.accounts, persist), func(b *testing.B) {
				cfg := cloudsim.Config{Now: (&tickClock{start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}).Now}
				if persist {
					cfg.StatePath = filepath.Join(b.TempDir(), "sim.json")
				}
				sim := cloudsim.New(cfg)
				per := tc.servers / tc.accounts
				for i := range tc.accounts {
					if err := sim.AddAccount(cloudsim.AccountSpec{Provider: cloudsim.Linode, Token: fmt.Sprint("bench", i),
						Email: fmt.Sprintf("bench%d@example.com", i), Limit: per, Instances: per}); err != nil {
						b.Fatal(err)
					}
				}
				srv := httptest.NewServer(sim.Handler())
				defer srv.Close()
				c := linodeClient(srv.URL, "bench0", http.DefaultTransport)
				ins, err := c.ListInstances(context.Background(), &linodego.ListOptions{PageSize: 25})
				if err != nil || len(ins) != per {
					b.Fatalf("%d linodes, %v", len(ins), err)
				}
				b.ResetTimer()
				for i := range b.N {
					opts := linodego.InstanceUpdateOptions{Label: fmt.Sprint("bench-", i)}
					if _, err := c.UpdateInstance(context.Background(), ins[0].ID, opts); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if info, err := os.Stat(cfg.StatePath); persist && err == nil {
					b.ReportMetric(float64(info.Size())/1024, "state-KiB")
				}
			})
		}
	}
}
