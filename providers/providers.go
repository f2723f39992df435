// Package providers opens cloud clients for Webrana's provider accounts: it
// picks the driver by provider type, shares one pacer per account across the
// process, and records the outcome of calls on the provider's row (status,
// last successful call, last error), so operators see each provider's health.
package providers

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/digitalocean"
	"github.com/webrana/webrana/cloud/linode"
	"github.com/webrana/webrana/store"
)

// Config configures an Opener. Zero values take defaults.
type Config struct {
	DB              *store.DB
	Pacers          *cloud.Pacers // default: real time
	DigitalOceanURL string        // DIGITALOCEAN_API_URL; default the real API
	LinodeURL       string        // LINODE_API_URL; default the real API
	Logger          *slog.Logger
	Now             func() time.Time
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

// Open returns a client of the account with the given token.
func (o *Opener) Open(p webrana.ProviderType, token string) (*cloud.Client, error) {
	var d cloud.Driver
	var err error
	switch p {
	case webrana.DigitalOcean:
		d, err = digitalocean.New(digitalocean.Config{Token: token, BaseURL: o.cfg.DigitalOceanURL, Pacers: o.cfg.Pacers})
	case webrana.Linode:
		d, err = linode.New(linode.Config{Token: token, BaseURL: o.cfg.LinodeURL, Pacers: o.cfg.Pacers})
	default:
		return nil, fmt.Errorf("providers: no driver for %q", p)
	}
	if err != nil {
		return nil, err
	}
	return cloud.New(d, &cloud.Options{Sleep: o.cfg.Sleep, Observe: func(op string, err error) { o.observe(p, op, err) }}), nil
}

// Budget is how many requests the account may still send now in its
// general budget (its pacer's view, corrected by the provider's headers).
func (o *Opener) Budget(p webrana.ProviderType, token string) int {
	var policy cloud.RatePolicy
	var path string
	switch p {
	case webrana.DigitalOcean:
		policy, path = digitalocean.RatePolicy, "/v2/account"
	case webrana.Linode:
		policy, path = linode.RatePolicy, "/v4/account"
	default:
		return 0
	}
	return o.cfg.Pacers.For(string(p), token, policy).Remaining("GET", path)
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
