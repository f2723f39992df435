// Package catalog serves the providers' catalogs — sizes, regions, images,
// marketplace apps — from a cache: each kind for its time to live (sizes,
// regions and images an hour, apps six hours), concurrent misses collapsed
// into one provider call, dropped as soon as the provider's configuration
// changes (its updated_at, which every replica reads), and, when the
// provider cannot be reached, the last good copy is served with its age.
package catalog

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/store"
)

// Source gives a provider client for catalog reads.
type Source interface {
	Client(ctx context.Context, p webrana.ProviderType) (*cloud.Client, error)
}

// Kind is a catalog.
type Kind string

const (
	Sizes        Kind = "sizes"
	Regions      Kind = "regions"
	Distribution Kind = "images/distribution"
	Application  Kind = "images/application"
	Apps         Kind = "apps"
)

// fetchTimeout bounds one fetch of a catalog from its provider. The fetch
// is shared by every caller waiting for it and has this bound of its own:
// a caller that may not wait so long (a web request has 10 s) is served
// the stale copy or told to try again, while the fetch goes on and fills
// the cache for the next.
const fetchTimeout = time.Minute

// DefaultTTL is how long a kind is served from cache unless Config says
// otherwise (DESIGN.md §7): an hour, and six for marketplace apps.
func DefaultTTL(k Kind) time.Duration {
	if k == Apps {
		return 6 * time.Hour
	}
	return time.Hour
}

// Config configures a Service. A nil Config, and zero fields, take the
// defaults.
type Config struct {
	Now    func() time.Time // default webrana.Now
	Logger *slog.Logger     // default discards
	// TTLs are how long kinds are served from cache; a kind missing here
	// keeps its DefaultTTL. New copies the map.
	TTLs map[Kind]time.Duration
}

// Result is a catalog as served: the items, when they were fetched, and
// whether they are a stale copy kept because the provider failed.
type Result[T any] struct {
	Items     []T
	FetchedAt time.Time
	Stale     bool
}

// Service caches catalogs per provider. Safe for concurrent use.
type Service struct {
	db     *store.DB
	src    Source
	now    func() time.Time
	logger *slog.Logger
	ttls   map[Kind]time.Duration // read only, so shared without a lock

	group   singleflight.Group
	mu      sync.Mutex
	entries map[key]*entry
}

type key struct {
	provider webrana.ProviderType
	kind     Kind
}

type entry struct {
	items     any
	fetchedAt time.Time
	version   time.Time // the provider's updated_at when fetched
}

// New returns a catalog service reading providers from db and catalogs
// from src. cfg may be nil.
func New(db *store.DB, src Source, cfg *Config) *Service {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	return &Service{db: db, src: src, now: c.Now, logger: cmp.Or(c.Logger, slog.New(slog.DiscardHandler)),
		ttls: maps.Clone(c.TTLs), entries: map[key]*entry{}}
}

// ttl is how long kind k is served from cache.
func (s *Service) ttl(k Kind) time.Duration {
	if d, ok := s.ttls[k]; ok {
		return d
	}
	return DefaultTTL(k)
}

// GetSizes returns a provider's sizes.
func (s *Service) GetSizes(ctx context.Context, p webrana.ProviderType) (Result[*cloud.Size], error) {
	return viewing(ctx, s, p, View.Sizes)
}

// GetRegions returns a provider's regions.
func (s *Service) GetRegions(ctx context.Context, p webrana.ProviderType) (Result[*cloud.Region], error) {
	return viewing(ctx, s, p, View.Regions)
}

// GetImages returns a provider's images of a type.
func (s *Service) GetImages(ctx context.Context, p webrana.ProviderType, t cloud.ImageType) (Result[*cloud.Image], error) {
	return viewing(ctx, s, p, func(v View, ctx context.Context) (Result[*cloud.Image], error) { return v.Images(ctx, t) })
}

// GetApps returns a provider's marketplace apps.
func (s *Service) GetApps(ctx context.Context, p webrana.ProviderType) (Result[*cloud.App], error) {
	return viewing(ctx, s, p, View.Apps)
}

// viewing serves one catalog of a provider through a view of its own.
func viewing[T any](ctx context.Context, s *Service, p webrana.ProviderType,
	catalog func(View, context.Context) (Result[T], error)) (Result[T], error) {
	v, err := s.View(ctx, p)
	if err != nil {
		return Result[T]{}, err
	}
	return catalog(v, ctx)
}

// View is a provider's catalogs as of one read of its row. Whether a
// cached catalog is current is decided by the row's updated_at, so each
// Get… reads the row; a caller that needs several catalogs at once (an
// order checks sizes, regions and images) reads it once, for all.
type View struct {
	s    *Service
	prov *webrana.Provider
}

// View reads the provider's row for the catalogs asked of the view.
func (s *Service) View(ctx context.Context, p webrana.ProviderType) (View, error) {
	prov, err := s.db.ProviderByType(ctx, p)
	if err != nil {
		return View{}, err
	}
	return s.Of(prov), nil
}

// Of is the provider's catalogs as of prov, its row as the caller read it.
func (s *Service) Of(prov *webrana.Provider) View { return View{s: s, prov: prov} }

// Provider is the provider's row the view is of.
func (v View) Provider() *webrana.Provider { return v.prov }

// Sizes returns the provider's sizes.
func (v View) Sizes(ctx context.Context) (Result[*cloud.Size], error) {
	return get(ctx, v, Sizes, (*cloud.Client).Sizes)
}

// Regions returns the provider's regions.
func (v View) Regions(ctx context.Context) (Result[*cloud.Region], error) {
	return get(ctx, v, Regions, (*cloud.Client).Regions)
}

// Images returns the provider's images of a type.
func (v View) Images(ctx context.Context, t cloud.ImageType) (Result[*cloud.Image], error) {
	kind := Distribution
	if t == cloud.ImageApplication {
		kind = Application
	}
	return get(ctx, v, kind, func(c *cloud.Client, ctx context.Context) ([]*cloud.Image, error) { return c.Images(ctx, t) })
}

// Apps returns the provider's marketplace apps.
func (v View) Apps(ctx context.Context) (Result[*cloud.App], error) {
	return get(ctx, v, Apps, (*cloud.Client).Apps)
}

// get serves one catalog: fresh from cache, or fetched once for every
// concurrent caller, or stale when the provider fails.
func get[T any](ctx context.Context, v View, kind Kind,
	fetch func(*cloud.Client, context.Context) ([]T, error)) (Result[T], error) {
	s, prov, p := v.s, v.prov, v.prov.Type
	if err := ctx.Err(); err != nil {
		return Result[T]{}, err // a caller out of time asks for nothing more, as a read of the provider's row would fail
	}
	if !prov.Enabled {
		return Result[T]{}, webrana.Errorf(webrana.ENOTFOUND, "%s is not offered.", prov.Name)
	}
	k := key{p, kind}
	if e := s.lookup(k); e != nil && e.version.Equal(prov.UpdatedAt) && s.now().Before(e.fetchedAt.Add(s.ttl(kind))) {
		return Result[T]{Items: e.items.([]T), FetchedAt: e.fetchedAt}, nil
	}
	flight := s.group.DoChan(string(p)+"\x00"+string(kind)+"\x00"+prov.UpdatedAt.String(), func() (any, error) {
		// Shared by every waiting caller: bounded on its own, not by the
		// caller that started it.
		fctx, cancel := context.WithTimeout(cloud.FailFast(context.WithoutCancel(ctx)), fetchTimeout)
		defer cancel()
		return s.fetch(fctx, k, prov.UpdatedAt, func(c *cloud.Client) (any, error) { return fetch(c, fctx) })
	})
	select {
	case res := <-flight:
		if res.Err != nil {
			return stale[T](s, k, p, kind, res.Err)
		}
		e := res.Val.(*entry)
		return Result[T]{Items: e.items.([]T), FetchedAt: e.fetchedAt}, nil
	case <-ctx.Done(): // the caller may wait no longer; the fetch goes on
		return stale[T](s, k, p, kind, ctx.Err())
	}
}

// fetch fills a cache entry from the provider, unless a caller that waited
// on an earlier flight finds it filled.
func (s *Service) fetch(ctx context.Context, k key, version time.Time, items func(*cloud.Client) (any, error)) (*entry, error) {
	if e := s.lookup(k); e != nil && e.version.Equal(version) && s.now().Before(e.fetchedAt.Add(s.ttl(k.kind))) {
		return e, nil
	}
	c, err := s.src.Client(ctx, k.provider)
	if err != nil {
		return nil, err
	}
	v, err := items(c)
	if err != nil {
		return nil, err
	}
	e := &entry{items: v, fetchedAt: s.now(), version: version}
	s.mu.Lock()
	s.entries[k] = e
	s.mu.Unlock()
	return e, nil
}

// stale serves the last good copy when the provider failed or the caller
// could wait no longer, whatever its age or version: old prices beat no
// catalog. Without one, a provider that was slow or limiting us is
// webrana.ErrProviderBusy.
func stale[T any](s *Service, k key, p webrana.ProviderType, kind Kind, err error) (Result[T], error) {
	e := s.lookup(k)
	if e == nil {
		s.logger.Warn("catalog unavailable", "provider", p, "kind", kind, "err", err)
		switch {
		case webrana.ErrorCode(err) != webrana.EINTERNAL:
			return Result[T]{}, err
		case cloud.Transient(err): // also the caller's deadline, which no provider answered
			return Result[T]{}, webrana.ErrProviderBusy
		}
		return Result[T]{}, webrana.Errorf(webrana.EUNAVAILABLE, "The %s catalog cannot be fetched from the provider right now; try again shortly.", p)
	}
	s.logger.Warn("serving a stale catalog", "provider", p, "kind", kind, "fetched_at", e.fetchedAt, "err", err)
	return Result[T]{Items: e.items.([]T), FetchedAt: e.fetchedAt, Stale: true}, nil
}

func (s *Service) lookup(k key) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries[k]
}

// CheckPlan checks a plan against its provider's catalog: the size exists
// and is offered in every region of the plan. Resources the operator left
// at zero are filled from the size, and backup prices left at zero take
// the provider's default (fillBackupPrices).
func (s *Service) CheckPlan(ctx context.Context, p *webrana.Plan) error {
	sizes, err := s.GetSizes(ctx, p.ProviderType)
	if err != nil {
		return err
	}
	for _, z := range sizes.Items {
		if z.Slug != p.SizeSlug {
			continue
		}
		for _, r := range p.Regions {
			if !slices.Contains(z.Regions, r) {
				return webrana.FieldError("regions", "%s does not offer %s in %s.", p.ProviderType, p.SizeSlug, r)
			}
		}
		p.VCPUs = cmp.Or(p.VCPUs, z.VCPUs)
		p.MemoryMB = cmp.Or(p.MemoryMB, z.MemoryMB)
		p.DiskGB = cmp.Or(p.DiskGB, z.DiskGB)
		p.TransferGB = cmp.Or(p.TransferGB, z.TransferGB)
		fillBackupPrices(p, z) // backups.go
		return nil
	}
	return webrana.FieldError("size_slug", "%s has no size %q.", p.ProviderType, p.SizeSlug)
}
