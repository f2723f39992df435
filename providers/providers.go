// Package providers is Webrana's registry of cloud providers and opens
// clients for their accounts. The registry (registry.go) is the one table
// of the providers Webrana drives: each entry is a driver package's
// cloud.Registration, which gives the provider's type, name, capabilities,
// rate limits and driver. Services read a provider's name and capabilities
// from it (Of) instead of asking which provider it is. The Opener opens
// clients through it, shares one pacer per account across the process, and
// records the outcome of calls on the provider's row (status, last
// successful call, last error), so operators see each provider's health.
//
// Adding a provider touches three places:
//
//  1. its driver, cloud/<name>: a cloud.Driver over the provider's official
//     Go client, with its Capabilities and its Registration, passing
//     cloudtest.RunConformanceTests (the whole contract, for free);
//  2. its simulator in cloudsim: the provider's API as the driver uses it,
//     checked against the provider's OpenAPI spec, so the driver, the
//     conformance suite and the sandbox run against it;
//  3. its wiring: one line in the registry (registry.go) that lists its
//     Registration, and its type in webrana.ProviderTypes, the domain's
//     list that the store and the API check types against without
//     knowing drivers (TestRegistryMatchesTheDomain keeps the two in step).
//
// Nothing else names a provider: the order rules (provision), the server
// rules (lifecycle) and the pages (web) read its capabilities, and its name
// and type from here. An operator may point its driver elsewhere with
// Config.BaseURLs; the sandbox and tests point every provider at one
// simulator (Config.SimulatorURL).
package providers

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// Recorder records the outcome of provider calls on the provider's row
// (store.DB).
type Recorder interface {
	RecordProviderCall(ctx context.Context, p webrana.ProviderType, lastError string) error
}

// Config configures an Opener. Zero values take defaults.
type Config struct {
	DB     Recorder
	Pacers *cloud.Pacers // default: real time
	// BaseURLs points providers at other APIs than their real ones
	// (DIGITALOCEAN_API_URL, LINODE_API_URL).
	BaseURLs map[webrana.ProviderType]string
	// SimulatorURL is a simulator (cloudsim) that serves every provider's
	// API, for each provider BaseURLs does not point elsewhere: the
	// sandbox's and tests'.
	SimulatorURL string
	Logger       *slog.Logger
	Now          func() time.Time
	// Sleep is how clients wait between retries; tests inject one.
	Sleep func(context.Context, time.Duration) error
}

// Opener opens clients. Safe for concurrent use.
type Opener struct {
	cfg Config

	mu       sync.Mutex
	recorded map[webrana.ProviderType]recorded
}

type recorded struct {
	at  time.Time
	err string
}

// New returns an Opener.
func New(cfg Config) *Opener {
	if cfg.Pacers == nil {
		cfg.Pacers = cloud.NewPacers(nil, nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = webrana.Now
	}
	return &Opener{cfg: cfg, recorded: map[webrana.ProviderType]recorded{}}
}

// Open returns a client of the account with the given token, through
// the provider's driver in the registry. Each observe given is told of
// every call's outcome too, after the provider's row has been (the pool
// learns an account's health from the calls made through its clients).
func (o *Opener) Open(p webrana.ProviderType, token string, observe ...func(op string, err error)) (*cloud.Client, error) {
	reg, ok := Lookup(p)
	if !ok {
		return nil, fmt.Errorf("providers: no driver for %q", p)
	}
	d, err := reg.New(cloud.DriverConfig{Token: token, BaseURL: cmp.Or(o.cfg.BaseURLs[p], o.cfg.SimulatorURL), Pacers: o.cfg.Pacers})
	if err != nil {
		return nil, err
	}
	return cloud.New(d, &cloud.Options{Sleep: o.cfg.Sleep, Observe: func(op string, err error) {
		o.observe(p, op, err)
		for _, f := range observe {
			f(op, err)
		}
	}}), nil
}

// Budget is how many requests the account may still send now in its
// general budget (its pacer's view, corrected by the provider's headers).
func (o *Opener) Budget(p webrana.ProviderType, token string) int {
	reg, ok := Lookup(p)
	if !ok {
		return 0
	}
	return o.cfg.Pacers.For(reg.Type, token, reg.RatePolicy).Remaining("GET", reg.BudgetPath)
}

// Rows are written at most this often per provider for unchanged outcomes.
const recordEvery = time.Minute

// observe records a call's outcome on the provider row. Request errors
// (not found, invalid, quota) say nothing about the provider's health and
// are not recorded.
func (o *Opener) observe(p webrana.ProviderType, op string, err error) {
	msg := ""
	if err != nil {
		switch cloud.Code(err) {
		case cloud.Unauthorized, cloud.Forbidden, cloud.Unavailable, cloud.RateLimited, cloud.Unknown:
			msg = fmt.Sprintf("%s: %s", op, cloud.Code(err))
		default:
			return
		}
	}
	now := o.cfg.Now()
	o.mu.Lock()
	last := o.recorded[p]
	due := last.err != msg || now.Sub(last.at) >= recordEvery
	if due {
		o.recorded[p] = recorded{at: now, err: msg}
	}
	o.mu.Unlock()
	if !due {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.cfg.DB.RecordProviderCall(ctx, p, msg); err != nil {
		o.cfg.Logger.Warn("record provider call", "provider", p, "err", err)
	}
}

// Static is a catalog source over fixed account tokens, one per provider,
// for tests and tools aimed at known accounts; the server uses the pool's
// (pool.Service.CatalogSource).
type Static struct {
	opener *Opener
	tokens map[webrana.ProviderType]string

	mu      sync.Mutex
	clients map[webrana.ProviderType]*cloud.Client
}

// NewStatic returns a source over the given tokens.
func NewStatic(o *Opener, tokens map[webrana.ProviderType]string) *Static {
	return &Static{opener: o, tokens: tokens, clients: map[webrana.ProviderType]*cloud.Client{}}
}

// Client returns the client of the provider's account.
func (s *Static) Client(ctx context.Context, p webrana.ProviderType) (*cloud.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[p]; ok {
		return c, nil
	}
	token, ok := s.tokens[p]
	if !ok {
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "No %s account is configured yet.", p)
	}
	c, err := s.opener.Open(p, token)
	if err != nil {
		return nil, err
	}
	s.clients[p] = c
	return c, nil
}
