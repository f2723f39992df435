package catalog_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

type fixture struct {
	sim   *cloudsim.Sim
	db    *store.DB
	svc   *catalog.Service
	src   catalog.Source
	clock *cloudtest.Clock
}

// setup wires the real chain: catalog service → providers → godo/linodego →
// the simulator, all on one fake clock.
func setup(t testing.TB, db *store.DB) *fixture { return setupSim(t, db, nil) }

// setupSim is setup with the simulator's way of waiting out injected
// latency (nil: real time).
func setupSim(t testing.TB, db *store.DB, latency func(context.Context, time.Duration)) *fixture {
	t.Helper()
	clock := cloudtest.NewClock(time.Date(2031, 5, 1, 8, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now, Sleep: latency})
	for _, spec := range []cloudsim.AccountSpec{
		{Provider: "digitalocean", Token: "do-token", Email: "do@example.com"},
		{Provider: "linode", Token: "li-token", Email: "li@example.com"},
	} {
		if err := sim.AddAccount(spec); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	db.Now = clock.Now
	for _, p := range webrana.ProviderTypes {
		if _, err := db.EnsureProvider(context.Background(), p, string(p)); err != nil {
			t.Fatal(err)
		}
	}
	opener := providers.New(providers.Config{DB: db, Pacers: cloud.NewPacers(clock.Now, clock.Sleep), Now: clock.Now,
		Sleep: clock.Sleep, SimulatorURL: srv.URL})
	src := providers.NewStatic(opener, map[webrana.ProviderType]string{webrana.DigitalOcean: "do-token", webrana.Linode: "li-token"})
	return &fixture{sim: sim, db: db, svc: catalog.New(db, src, &catalog.Config{Now: clock.Now}), src: src, clock: clock}
}

// calls counts the simulator's answers to one endpoint.
func (f *fixture) calls(path string) int {
	n := 0
	for _, r := range f.sim.Stats().Requests {
		if r.Path == path {
			n += r.Count
		}
	}
	return n
}

// TestConcurrentMissesMakeOneProviderCall: 100 concurrent requests on a cold
// cache, and again after the TTL expires, each cost one provider call.
func TestConcurrentMissesMakeOneProviderCall(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	burst := func() {
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := f.svc.GetSizes(context.Background(), webrana.DigitalOcean)
				if err != nil || len(res.Items) == 0 || res.Stale {
					t.Errorf("GetSizes: %d items, stale %v, %v", len(res.Items), res.Stale, err)
				}
			}()
		}
		wg.Wait()
	}
	burst()
	if n := f.calls("/v2/sizes"); n != 1 {
		t.Fatalf("100 concurrent misses made %d provider calls, want 1", n)
	}
	f.clock.Advance(30 * time.Minute)
	burst()
	if n := f.calls("/v2/sizes"); n != 1 {
		t.Fatalf("within the TTL: %d provider calls, want still 1", n)
	}
	f.clock.Advance(31 * time.Minute)
	burst()
	if n := f.calls("/v2/sizes"); n != 2 {
		t.Fatalf("across the TTL expiry: %d provider calls, want 2", n)
	}
}

func TestKindsHaveTheirOwnTTL(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	for _, fetch := range []func() error{
		func() error { _, err := f.svc.GetApps(ctx, webrana.Linode); return err },
		func() error { _, err := f.svc.GetImages(ctx, webrana.Linode, cloud.ImageDistribution); return err },
	} {
		if err := fetch(); err != nil {
			t.Fatal(err)
		}
	}
	// A fetch may take several pages (Linode's StackScripts do).
	apps, images := f.calls("/v4/linode/stackscripts"), f.calls("/v4/images")
	f.clock.Advance(2 * time.Hour) // images expired (1 h), apps not (6 h)
	if _, err := f.svc.GetApps(ctx, webrana.Linode); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetImages(ctx, webrana.Linode, cloud.ImageDistribution); err != nil {
		t.Fatal(err)
	}
	if a, i := f.calls("/v4/linode/stackscripts"), f.calls("/v4/images"); a != apps || i != 2*images {
		t.Fatalf("after 2 h: %d StackScript calls, %d image calls; want %d (no refetch) and %d (one)", a, i, apps, 2*images)
	}
}

// TestConfiguredTTLs: the catalog's config sets a kind's TTL, the others
// keep theirs, and the service keeps its own copy of the map.
func TestConfiguredTTLs(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	ttls := map[catalog.Kind]time.Duration{catalog.Sizes: 5 * time.Minute}
	svc := catalog.New(f.db, f.src, &catalog.Config{Now: f.clock.Now, TTLs: ttls})
	ttls[catalog.Sizes] = 100 * time.Hour
	read := func() {
		t.Helper()
		if _, err := svc.GetSizes(ctx, webrana.DigitalOcean); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GetRegions(ctx, webrana.DigitalOcean); err != nil {
			t.Fatal(err)
		}
	}
	read()
	f.clock.Advance(4 * time.Minute)
	read()
	if s, r := f.calls("/v2/sizes"), f.calls("/v2/regions"); s != 1 || r != 1 {
		t.Fatalf("within 5 min: %d size and %d region calls, want 1 and 1", s, r)
	}
	f.clock.Advance(2 * time.Minute)
	read()
	if s, r := f.calls("/v2/sizes"), f.calls("/v2/regions"); s != 2 || r != 1 {
		t.Fatalf("after 6 min: %d size and %d region calls, want 2 (sizes expired at 5 min) and 1 (regions keep an hour)", s, r)
	}
}

// TestConfigurationChangeDropsTheCache: a change to the provider's row (on
// any replica) is seen through its updated_at, and the next read refetches.
func TestConfigurationChangeDropsTheCache(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConfigChange(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testConfigChange(t, storetest.OpenPostgres(t)) })
}

func testConfigChange(t *testing.T, db *store.DB) {
	f := setup(t, db)
	ctx := context.Background()
	if _, err := f.svc.GetRegions(ctx, webrana.DigitalOcean); err != nil {
		t.Fatal(err)
	}
	p, err := f.db.ProviderByType(ctx, webrana.DigitalOcean)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	name := "DigitalOcean (EU)"
	if _, err := f.db.UpdateProvider(ctx, p.ID, store.ProviderUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetRegions(ctx, webrana.DigitalOcean); err != nil {
		t.Fatal(err)
	}
	if n := f.calls("/v2/regions"); n != 2 {
		t.Fatalf("%d provider calls, want a refetch after the configuration changed", n)
	}
	// Recording a call's outcome is no configuration change.
	if err := f.db.RecordProviderCall(ctx, webrana.DigitalOcean, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetRegions(ctx, webrana.DigitalOcean); err != nil || f.calls("/v2/regions") != 2 {
		t.Fatalf("a recorded call dropped the cache (%d calls, %v)", f.calls("/v2/regions"), err)
	}
}

// TestOutageServesTheLastGoodCopy: when the provider fails after the TTL,
// the last good catalog is served, marked stale, with its fetch time.
func TestOutageServesTheLastGoodCopy(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	good, err := f.svc.GetSizes(ctx, webrana.Linode)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sim.AddFault(cloudsim.FaultSpec{Provider: "linode", Status: 503}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour)
	res, err := f.svc.GetSizes(ctx, webrana.Linode)
	if err != nil || !res.Stale || !res.FetchedAt.Equal(good.FetchedAt) || len(res.Items) != len(good.Items) {
		t.Fatalf("during the outage: stale %v fetched %v (%d items), %v; want the copy of %v", res.Stale, res.FetchedAt, len(res.Items), err, good.FetchedAt)
	}
	_, err = f.svc.GetApps(ctx, webrana.Linode)
	if webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
		t.Fatalf("never cached and provider down: %v, want unavailable", err)
	}
	p, _ := f.db.ProviderByType(ctx, webrana.Linode)
	if p.Status != webrana.ProviderError || p.LastError == "" || p.LastSuccessAt == nil {
		t.Fatalf("provider row after the outage: %+v; want status error with the last error and the last success", p)
	}
	f.sim.ClearFaults()
	if res, err := f.svc.GetSizes(ctx, webrana.Linode); err != nil || res.Stale {
		t.Fatalf("after recovery: stale %v, %v", res.Stale, err)
	}
}

func TestDisabledProviderIsNotOffered(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	p, _ := f.db.ProviderByType(ctx, webrana.Linode)
	off := false
	if _, err := f.db.UpdateProvider(ctx, p.ID, store.ProviderUpdate{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetSizes(ctx, webrana.Linode); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("disabled provider: %v, want not found", err)
	}
}

// TestCallerThatMayNotWaitIsAnswered: a caller whose context ends while
// the provider has not answered (a web request's bound) is answered at
// once: webrana.ErrProviderBusy on a cold cache, the last good copy on a
// warm one; the shared fetch goes on and fills the cache for the next.
func TestCallerThatMayNotWaitIsAnswered(t *testing.T) {
	// Each delayed request takes a gate and sits on it until it opens.
	held, gates := make(chan struct{}, 1), make(chan chan struct{}, 1)
	f := setupSim(t, storetest.OpenSQLite(t), func(ctx context.Context, _ time.Duration) {
		gate := <-gates
		held <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
		}
	})
	release := make(chan struct{})
	gates <- release
	if err := f.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", PathPrefix: "/v2/sizes", LatencyMS: 1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	impatient := func() (catalog.Result[*cloud.Size], error) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-held; cancel() }() // gives up while the provider holds it
		return f.svc.GetSizes(ctx, webrana.DigitalOcean)
	}
	if _, err := impatient(); err != webrana.ErrProviderBusy {
		t.Fatalf("cold cache, provider holding the request: %v, want ErrProviderBusy", err)
	}
	close(release)
	fresh, err := f.svc.GetSizes(context.Background(), webrana.DigitalOcean)
	if err != nil || fresh.Stale || len(fresh.Items) == 0 || f.calls("/v2/sizes") != 1 {
		t.Fatalf("after the provider answered: %d items, stale %v, %v, %d calls; want the first fetch's catalog",
			len(fresh.Items), fresh.Stale, err, f.calls("/v2/sizes"))
	}

	release = make(chan struct{})
	defer close(release)
	gates <- release
	f.clock.Advance(2 * time.Hour) // expired: the next read asks the provider
	if err := f.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", PathPrefix: "/v2/sizes", LatencyMS: 1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	res, err := impatient()
	if err != nil || !res.Stale || !res.FetchedAt.Equal(fresh.FetchedAt) || len(res.Items) != len(fresh.Items) {
		t.Fatalf("warm cache, provider holding the request: stale %v fetched %v, %v; want the copy of %v", res.Stale, res.FetchedAt, err, fresh.FetchedAt)
	}
}

// TestViewServesOneReadOfTheProvider: a view serves every catalog against
// the one read of the provider's row it was made with, as each Get… does
// against its own read; and a caller whose time is up is told so rather
// than served, as a read of the row would tell it.
func TestViewServesOneReadOfTheProvider(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	v, err := f.svc.View(ctx, webrana.DigitalOcean)
	if err != nil {
		t.Fatal(err)
	}
	sizes, err := v.Sizes(ctx)
	if err != nil || len(sizes.Items) == 0 {
		t.Fatalf("sizes through a view: %d, %v", len(sizes.Items), err)
	}
	again, err := f.svc.GetSizes(ctx, webrana.DigitalOcean)
	if err != nil || !again.FetchedAt.Equal(sizes.FetchedAt) {
		t.Fatalf("the view's sizes are not the cache's: fetched %v and %v (%v)", sizes.FetchedAt, again.FetchedAt, err)
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := v.Sizes(ended); err == nil {
		t.Fatal("a caller whose context ended was served")
	}
}
