// Package plans owns what Webrana sells: plans, each one provider size at
// Webrana's own prices in the regions the operator chose. Its rules — a
// plan's own fields, its size and regions checked against the provider's
// catalog, a provider that never changes, the audit of every change — live
// here once, for the JSON API and the operator's pages alike; the web layer
// only decodes a Change and encodes the plan it gets back.
//
// Every change is audited inside its own transaction, with the acting
// operator (webrana.Actor): an example for services that follow.
package plans

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Store is what plans needs of the database (store.DB).
type Store interface {
	PlanByID(ctx context.Context, id string) (*webrana.Plan, error)
	ListPlans(ctx context.Context, f store.PlanFilter) ([]*webrana.Plan, error)
	InTx(ctx context.Context, fn func(*store.Tx) error) error
}

// Catalog checks a plan against its provider's offer (catalog.Service).
type Catalog interface {
	CheckPlan(ctx context.Context, p *webrana.Plan) error
}

// Costs tells what is wrong with a plan's prices against its provider's
// (revenue.Service): a plan selling below its size's price is warned
// about, never refused.
type Costs interface {
	PlanWarnings(ctx context.Context, plans ...*webrana.Plan) map[string][]string
}

// Service keeps the plans.
type Service struct {
	db       Store
	catalog  Catalog
	costs    Costs
	currency string
}

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	// Currency is a new plan's when its Change names none (default
	// webrana.BillingCurrency).
	Currency string
	// Costs warns of plans priced below their provider's price (nil:
	// no warnings).
	Costs Costs
}

// New returns the plans in db, checked against catalog. cfg may be nil.
func New(db Store, catalog Catalog, cfg *Config) *Service {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	return &Service{db: db, catalog: catalog, costs: c.Costs, currency: cmp.Or(c.Currency, webrana.BillingCurrency)}
}

// Warnings says what is wrong, though allowed, with plans as they are, by
// plan id: that one sells below its provider's price for its size. The API
// answers a plan's creation and changes with its warnings, and the plans
// page flags them.
func (s *Service) Warnings(ctx context.Context, plans ...*webrana.Plan) map[string][]string {
	if s.costs == nil || len(plans) == 0 {
		return map[string][]string{}
	}
	return s.costs.PlanWarnings(ctx, plans...)
}

// Change is a plan as an operator writes it (POST and PATCH
// /api/admin/plans, the plan form); on an update, absent fields keep their
// values.
type Change struct {
	ProviderType *webrana.ProviderType `json:"provider_type"`
	SizeSlug     *string               `json:"size_slug"`
	Name         *string               `json:"name"`
	Slug         *string               `json:"slug"`
	VCPUs        *int                  `json:"vcpus"`
	MemoryMB     *int                  `json:"memory_mb"`
	DiskGB       *int                  `json:"disk_gb"`
	TransferGB   *int                  `json:"transfer_gb"`
	PriceMonthly *int64                `json:"price_monthly"`
	PriceHourly  *int64                `json:"price_hourly"`
	// Backup prices; left at zero (or absent on a new plan) they take the
	// provider's default.
	BackupPriceMonthly *int64   `json:"backup_price_monthly"`
	BackupPriceHourly  *int64   `json:"backup_price_hourly"`
	Currency           *string  `json:"currency"`
	Regions            []string `json:"regions"`
	IsActive           *bool    `json:"is_active"`
}

// apply writes the change's fields onto p.
func (c Change) apply(p *webrana.Plan) {
	set(&p.ProviderType, c.ProviderType)
	set(&p.SizeSlug, c.SizeSlug)
	set(&p.Name, c.Name)
	set(&p.Slug, c.Slug)
	set(&p.Currency, c.Currency)
	set(&p.VCPUs, c.VCPUs)
	set(&p.MemoryMB, c.MemoryMB)
	set(&p.DiskGB, c.DiskGB)
	set(&p.TransferGB, c.TransferGB)
	set(&p.PriceMonthly, c.PriceMonthly)
	set(&p.PriceHourly, c.PriceHourly)
	set(&p.BackupPriceMonthly, c.BackupPriceMonthly)
	set(&p.BackupPriceHourly, c.BackupPriceHourly)
	set(&p.IsActive, c.IsActive)
	if c.Regions != nil {
		p.Regions = c.Regions
	}
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// List returns the plans of one provider (every provider's for ""),
// grouped by provider, cheapest first: the active ones, or all.
func (s *Service) List(ctx context.Context, p webrana.ProviderType, activeOnly bool) ([]*webrana.Plan, error) {
	if p != "" && !p.Valid() {
		return nil, webrana.FieldError("provider", "provider must be %s.", webrana.ProviderTypesText())
	}
	plans, err := s.db.ListPlans(ctx, store.PlanFilter{ProviderType: p, ActiveOnly: activeOnly})
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	return plans, nil
}

// Get returns a plan.
func (s *Service) Get(ctx context.Context, id string) (*webrana.Plan, error) {
	p, err := s.db.PlanByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", id, err)
	}
	return p, nil
}

// Create checks a new plan (active unless it says otherwise) and stores
// it with its audit entry.
func (s *Service) Create(ctx context.Context, by webrana.Actor, c Change) (*webrana.Plan, error) {
	p := &webrana.Plan{Currency: s.currency, IsActive: true}
	c.apply(p)
	if err := s.check(ctx, p, c.Slug != nil); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePlan(ctx, p); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("plan.created", "plan", p.ID, p.Name))
	})
	if err != nil {
		return nil, fmt.Errorf("create plan %q: %w", p.Name, err)
	}
	return p, nil
}

// Update applies a change to a plan, checks the result and stores it with
// its audit entry. A plan's provider never changes: its servers run there.
func (s *Service) Update(ctx context.Context, by webrana.Actor, id string, c Change) (*webrana.Plan, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.ProviderType != nil && *c.ProviderType != p.ProviderType {
		return nil, webrana.FieldError("provider_type", "A plan's provider cannot change; create a new plan.")
	}
	c.apply(p)
	if err := s.check(ctx, p, c.Slug != nil); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if p, err = tx.UpdatePlan(ctx, p); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("plan.updated", "plan", p.ID, p.Name))
	})
	if err != nil {
		return nil, fmt.Errorf("update plan %s: %w", id, err)
	}
	return p, nil
}

// Delete removes a plan no server was ever ordered on (others are
// deactivated instead), with its audit entry, and returns it as it was.
func (s *Service) Delete(ctx context.Context, by webrana.Actor, id string) (*webrana.Plan, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeletePlan(ctx, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("plan.deleted", "plan", id, ""))
	})
	if err != nil {
		return nil, fmt.Errorf("delete plan %s: %w", id, err)
	}
	return p, nil
}

// check validates a plan's own fields, its slug, then against its
// provider's catalog, where the size must be offered in every region of
// the plan (resources left at zero are taken from the size).
func (s *Service) check(ctx context.Context, p *webrana.Plan, slugGiven bool) error {
	if err := s.slug(ctx, p, slugGiven); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.catalog.CheckPlan(ctx, p)
}

// slug settles an active plan's slug among the other active plans (the
// DigitalOcean-compatible API's sizes): a slug the operator gave, or the
// one the plan has, must be free (a field error names the plan that has
// it); a plan without one takes its name's (webrana.PlanSlug), followed by
// its provider, then a number, until it is free.
func (s *Service) slug(ctx context.Context, p *webrana.Plan, given bool) error {
	p.Slug = strings.TrimSpace(p.Slug)
	if !p.IsActive && (given || p.Slug != "") {
		return nil
	}
	active, err := s.db.ListPlans(ctx, store.PlanFilter{ActiveOnly: true})
	if err != nil {
		return fmt.Errorf("plan slugs: %w", err)
	}
	taken := map[string]string{}
	for _, o := range active {
		if o.ID != p.ID {
			taken[o.Slug] = o.Name
		}
	}
	if given || p.Slug != "" {
		if other, ok := taken[p.Slug]; ok {
			return webrana.FieldError("slug", "The active plan %q has the slug %q already; choose another.", other, p.Slug)
		}
		return nil
	}
	base := webrana.PlanSlug(p.Name)
	for i, slug := 1, base; ; i++ {
		if _, ok := taken[slug]; !ok {
			p.Slug = slug
			return nil
		}
		slug = base + "-" + string(p.ProviderType)
		if i > 1 {
			slug += "-" + strconv.Itoa(i)
		}
	}
}
