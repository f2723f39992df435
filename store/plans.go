package store

import (
	"context"
	"strings"

	"github.com/webrana/webrana"
)

const planColumns = `id, provider_type, size_slug, name, slug, vcpus, memory_mb, disk_gb, transfer_gb,
	price_monthly, price_hourly, currency, regions, is_active, created_at, updated_at,
	backup_price_monthly, backup_price_hourly`

func scanPlan(s scanner) (*webrana.Plan, error) {
	var p webrana.Plan
	err := s.Scan(&p.ID, &p.ProviderType, &p.SizeSlug, &p.Name, &p.Slug, &p.VCPUs, &p.MemoryMB, &p.DiskGB, &p.TransferGB,
		&p.PriceMonthly, &p.PriceHourly, &p.Currency, jsonText{&p.Regions}, &p.IsActive, &p.CreatedAt, &p.UpdatedAt,
		&p.BackupPriceMonthly, &p.BackupPriceHourly)
	if err != nil {
		return nil, err
	}
	if p.Regions == nil {
		p.Regions = []string{}
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// CreatePlan inserts p, setting its ID and timestamps. Plan names are unique
// per provider. Prices out of range (webrana.CheckPrices) are refused.
func (db *DB) CreatePlan(ctx context.Context, p *webrana.Plan) error {
	return db.conn().createPlan(ctx, p)
}

// CreatePlan inserts p inside the transaction.
func (tx *Tx) CreatePlan(ctx context.Context, p *webrana.Plan) error {
	return tx.conn().createPlan(ctx, p)
}

func (c conn) createPlan(ctx context.Context, p *webrana.Plan) error {
	if err := p.CheckPrices(); err != nil {
		return err
	}
	p.ID = newID()
	p.CreatedAt = c.now()
	p.UpdatedAt = p.CreatedAt
	if p.Regions == nil {
		p.Regions = []string{}
	}
	// A plan stored without a slug (plans.Service always gives one) takes
	// its name's, made unique by its id when an active plan has it.
	if p.Slug == "" {
		p.Slug = webrana.PlanSlug(p.Name)
		n, err := c.count(ctx, `SELECT COUNT(*) FROM plans WHERE is_active AND slug = ?`, p.Slug)
		if err != nil {
			return err
		}
		if n > 0 {
			p.Slug += "-" + p.ID[:8]
		}
	}
	_, err := c.exec(ctx, `INSERT INTO plans (`+planColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.ProviderType, p.SizeSlug, p.Name, p.Slug, p.VCPUs, p.MemoryMB, p.DiskGB, p.TransferGB,
		p.PriceMonthly, p.PriceHourly, p.Currency, jsonText{p.Regions}, p.IsActive, p.CreatedAt, p.UpdatedAt,
		p.BackupPriceMonthly, p.BackupPriceHourly)
	return planConstraint(err, "Unknown provider.")
}

// PlanByID returns the plan with the given id.
func (db *DB) PlanByID(ctx context.Context, id string) (*webrana.Plan, error) {
	return db.conn().planByID(ctx, id)
}

func (c conn) planByID(ctx context.Context, id string) (*webrana.Plan, error) {
	p, err := scanPlan(c.row(ctx, `SELECT `+planColumns+` FROM plans WHERE id = ?`, id))
	return p, notFound(err, "Plan")
}

// PlanFilter narrows ListPlans.
type PlanFilter struct {
	ProviderType webrana.ProviderType
	ActiveOnly   bool
}

// ListPlans returns plans grouped by provider, cheapest first.
func (db *DB) ListPlans(ctx context.Context, f PlanFilter) ([]*webrana.Plan, error) {
	where, args := whereClause{}.eq("provider_type", string(f.ProviderType)).cond(f.ActiveOnly, "is_active = ?", true).build()
	return list(ctx, db.conn(), scanPlan, `SELECT `+planColumns+` FROM plans`+where+
		` ORDER BY provider_type, price_monthly, name`, args...)
}

// UpdatePlan replaces the editable fields of the plan with p's and returns the
// result. Prices apply to future billing only; past ledger entries stay.
// Prices out of range (webrana.CheckPrices) are refused.
func (db *DB) UpdatePlan(ctx context.Context, p *webrana.Plan) (*webrana.Plan, error) {
	return db.conn().updatePlan(ctx, p)
}

// UpdatePlan changes the plan inside the transaction.
func (tx *Tx) UpdatePlan(ctx context.Context, p *webrana.Plan) (*webrana.Plan, error) {
	return tx.conn().updatePlan(ctx, p)
}

func (c conn) updatePlan(ctx context.Context, p *webrana.Plan) (*webrana.Plan, error) {
	if err := p.CheckPrices(); err != nil {
		return nil, err
	}
	if p.Regions == nil {
		p.Regions = []string{}
	}
	set := setClause{}.
		add("size_slug", true, p.SizeSlug).add("name", true, p.Name).add("slug", true, p.Slug).
		add("vcpus", true, p.VCPUs).add("memory_mb", true, p.MemoryMB).add("disk_gb", true, p.DiskGB).
		add("transfer_gb", true, p.TransferGB).add("price_monthly", true, p.PriceMonthly).
		add("price_hourly", true, p.PriceHourly).add("currency", true, p.Currency).
		add("regions", true, jsonText{p.Regions}).add("is_active", true, p.IsActive).
		add("backup_price_monthly", true, p.BackupPriceMonthly).add("backup_price_hourly", true, p.BackupPriceHourly)
	err := c.update(ctx, "plans", p.ID, set, "Plan")
	if err := planConstraint(err, ""); err != nil {
		return nil, err
	}
	return c.planByID(ctx, p.ID)
}

// DeletePlan removes a plan no instance was ever ordered on; plans with
// history should be deactivated instead.
func (db *DB) DeletePlan(ctx context.Context, id string) error {
	return db.conn().deletePlan(ctx, id)
}

// DeletePlan removes the plan inside the transaction.
func (tx *Tx) DeletePlan(ctx context.Context, id string) error {
	return tx.conn().deletePlan(ctx, id)
}

func (c conn) deletePlan(ctx context.Context, id string) error {
	res, err := c.exec(ctx, `DELETE FROM plans WHERE id = ?`, id)
	if isForeignKeyViolation(err) {
		return webrana.Errorf(webrana.ECONFLICT, "Servers were ordered on this plan; deactivate it instead.")
	}
	return mustAffect(res, err, "Plan")
}

// planConstraint says which of a plan's unique fields clashed: its slug
// among the active plans (a field error), or its name for its provider.
func planConstraint(err error, missing string) error {
	if isUniqueViolation(err) && strings.Contains(err.Error(), "slug") {
		return webrana.FieldError("slug", "Another active plan has this slug.")
	}
	return constraintError(err, "A plan with this name already exists for this provider.", missing)
}
