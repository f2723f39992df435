package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web"
)

// sandboxSim is the provider simulator the sandbox runs in-process, on its
// own loopback port, so that the drivers talk HTTP to it exactly as they
// would to DigitalOcean and Linode. It saves every change to its state file
// before answering it, so a crash never rolls the "provider" back.
type sandboxSim struct {
	sim  *cloudsim.Sim
	path string // saved state
	ln   net.Listener
	srv  *http.Server
}

// demoPool is the sandbox's provider accounts, as in the seed's mock-up
// (DESIGN.md §9): three DigitalOcean accounts at 20/25, 5/25 and 25/25, and
// one Linode account.
var demoPool = []demoAccount{
	{"Primary", cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Email: "primary@sandbox.webrana.local", Limit: 25, Instances: 20}},
	{"Account 2", cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Email: "account2@sandbox.webrana.local", Limit: 25, Instances: 5}},
	{"Account 3", cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Email: "account3@sandbox.webrana.local", Limit: 25, Instances: 25}},
	{"Linode", cloudsim.AccountSpec{Provider: cloudsim.Linode, Email: "linode@sandbox.webrana.local", Limit: 10, Instances: 2}},
}

type demoAccount struct {
	name string
	spec cloudsim.AccountSpec
}

// openSandboxSim restores the simulator from the data dir, or creates the
// demo pool on first start, and binds its loopback port.
func openSandboxSim(cfg *Config, now func() time.Time) (*sandboxSim, error) {
	path := filepath.Join(cfg.DataDir, "sim-state.json")
	s := &sandboxSim{path: path, sim: cloudsim.New(cloudsim.Config{Now: now, CreateDelay: cfg.SimCreateDelay,
		ActionDelay: cfg.SimActionDelay, StatePath: path})}
	loaded, err := s.sim.Load(s.path)
	if err != nil {
		return nil, fmt.Errorf("sandbox simulator state: %w", err)
	}
	if !loaded {
		for _, d := range demoPool { // each saved as it is added
			spec := d.spec
			spec.Token = cloudsim.NewToken(spec.Provider)
			if err := s.sim.AddAccount(spec); err != nil {
				return nil, fmt.Errorf("sandbox simulator: %w", err)
			}
		}
	}
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("sandbox simulator: %w", err)
	}
	s.srv = &http.Server{Handler: s.sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// URL is the simulator's base URL.
func (s *sandboxSim) URL() string { return "http://" + s.ln.Addr().String() }

// adminRoutes are the simulator's admin endpoints, served by the main server
// to administrators so outages can be rehearsed from the panel.
var simAdminRoutes = []string{
	"GET /_sim/stats", "DELETE /_sim/stats", "GET /_sim/accounts", "POST /_sim/accounts",
	"PATCH /_sim/accounts/{token}", "GET /_sim/faults", "POST /_sim/faults", "DELETE /_sim/faults",
}

func (s *sandboxSim) register(srv *web.Server) {
	h := s.sim.AdminHandler()
	for _, pattern := range simAdminRoutes {
		srv.Handle(pattern, web.Admin, h)
	}
}

// serve answers provider requests.
func (s *sandboxSim) serve() {
	go func() { _ = s.srv.Serve(s.ln) }()
}

// shutdown stops serving. Every change is saved already; this last save
// keeps what only followed from the clock (actions completed meanwhile),
// which a load would compute again anyway.
func (s *sandboxSim) shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if saveErr := s.sim.Save(s.path); saveErr != nil {
		return saveErr
	}
	return err
}

// bootstrapPool puts the demo accounts into the database on first start,
// with their simulator tokens sealed. No live check: the simulator is not
// answering yet; the health job that runs at start checks them.
func (m *Main) bootstrapPool(ctx context.Context) error {
	existing, err := m.DB.ListAccounts(ctx, "")
	if err != nil || len(existing) > 0 {
		return err
	}
	next := map[string]int{} // of each provider's tokens; its first account is its primary
	for _, d := range demoPool {
		tokens := m.Sim.sim.Tokens(d.spec.Provider)
		first := next[d.spec.Provider] == 0
		token := tokens[next[d.spec.Provider]]
		next[d.spec.Provider]++
		sealed, err := m.Keys.Seal(token)
		if err != nil {
			return err
		}
		provider := webrana.ProviderType(d.spec.Provider)
		a := &webrana.Account{ProviderType: provider, Name: d.name, Email: d.spec.Email,
			TokenCiphertext: sealed, TokenHint: secrets.Hint(token), IsPrimary: first, IsActive: true, Limit: d.spec.Limit,
			LimitFromProvider: providers.Of(provider).Capabilities.PublishesLimit, Active: d.spec.Instances, Health: webrana.HealthUnknown}
		if err := m.DB.CreateAccount(ctx, a); err != nil {
			return fmt.Errorf("sandbox pool: %w", err)
		}
	}
	return m.demoSnapshotPrices(ctx)
}

// demoSnapshotPrices are the sandbox's snapshot prices per GB-month (minor
// units, USD): a mark-up over DigitalOcean's 0.06 and Linode's 0.10 for
// images.
var demoSnapshotPrices = map[webrana.ProviderType]int64{webrana.DigitalOcean: 8, webrana.Linode: 12}

// demoSnapshotPrices prices the demo providers' snapshots on first start.
func (m *Main) demoSnapshotPrices(ctx context.Context) error {
	for t, price := range demoSnapshotPrices {
		p, err := m.DB.ProviderByType(ctx, t)
		if err != nil {
			return fmt.Errorf("sandbox snapshot prices: %w", err)
		}
		if err := m.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SetSnapshotPrice(ctx, p.ID, price) }); err != nil {
			return fmt.Errorf("sandbox snapshot prices: %w", err)
		}
	}
	return nil
}

// demoPlans are what the sandbox sells, at a reseller's mark-up over the
// providers' list prices (minor units, USD), in regions the simulator's
// catalog offers them; their backups at the providers' defaults
// (DigitalOcean's 20 %, the simulated Linode catalog's backup prices).
var demoPlans = []webrana.Plan{
	{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: "Basic 1 GB", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, TransferGB: 1000,
		PriceMonthly: 800, PriceHourly: 2, BackupPriceMonthly: 160, BackupPriceHourly: 1, Regions: []string{"sgp1", "nyc3", "fra1", "ams3"}},
	{ProviderType: webrana.DigitalOcean, SizeSlug: "s-2vcpu-2gb", Name: "Basic 2 GB", VCPUs: 2, MemoryMB: 2048, DiskGB: 60, TransferGB: 3000,
		PriceMonthly: 2400, PriceHourly: 4, BackupPriceMonthly: 480, BackupPriceHourly: 1, Regions: []string{"sgp1", "nyc3", "fra1", "ams3"}},
	{ProviderType: webrana.DigitalOcean, SizeSlug: "s-2vcpu-4gb", Name: "Basic 4 GB", VCPUs: 2, MemoryMB: 4096, DiskGB: 80, TransferGB: 4000,
		PriceMonthly: 3200, PriceHourly: 5, BackupPriceMonthly: 640, BackupPriceHourly: 1, Regions: []string{"sgp1", "nyc3", "fra1", "ams3"}},
	{ProviderType: webrana.Linode, SizeSlug: "g6-nanode-1", Name: "Nanode 1 GB", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, TransferGB: 1000,
		PriceMonthly: 700, PriceHourly: 1, BackupPriceMonthly: 200, BackupPriceHourly: 1, Regions: []string{"ap-south", "us-east", "eu-central"}},
	{ProviderType: webrana.Linode, SizeSlug: "g6-standard-1", Name: "Linode 2 GB", VCPUs: 1, MemoryMB: 2048, DiskGB: 50, TransferGB: 2000,
		PriceMonthly: 1600, PriceHourly: 3, BackupPriceMonthly: 300, BackupPriceHourly: 1, Regions: []string{"ap-south", "us-east", "eu-central"}},
}

// bootstrapPlans adds the demo plans on first start.
func (m *Main) bootstrapPlans(ctx context.Context) error {
	existing, err := m.DB.ListPlans(ctx, store.PlanFilter{})
	if err != nil || len(existing) > 0 {
		return err
	}
	for _, p := range demoPlans {
		p.Currency, p.IsActive = webrana.BillingCurrency, true
		if err := m.DB.CreatePlan(ctx, &p); err != nil {
			return fmt.Errorf("sandbox plans: %w", err)
		}
	}
	return nil
}
