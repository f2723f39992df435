package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// handleCustomerPlans lists the plans on offer (active ones), for a
// provider or all, cheapest first.
func (s *Server) handleCustomerPlans(w http.ResponseWriter, r *http.Request) error {
	return s.listPlans(w, r, true)
}

// handleAdminPlans lists every plan, active or not.
func (s *Server) handleAdminPlans(w http.ResponseWriter, r *http.Request) error {
	return s.listPlans(w, r, false)
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request, activeOnly bool) error {
	plans, err := s.plansOf(r, activeOnly)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(plans, len(plans), pageAll(len(plans))))
	return nil
}

// plansOf lists the plans of the ?provider= (every provider's when absent),
// grouped by provider, cheapest first; active ones only, or all.
func (s *Server) plansOf(r *http.Request, activeOnly bool) ([]*webrana.Plan, error) {
	p := webrana.ProviderType(r.URL.Query().Get("provider"))
	if p != "" && !p.Valid() {
		return nil, webrana.FieldError("provider", "provider must be %s.", webrana.ProviderTypesText())
	}
	return s.db.ListPlans(r.Context(), store.PlanFilter{ProviderType: p, ActiveOnly: activeOnly})
}

// planRequest is a plan as an operator writes it; on PATCH, absent fields
// keep their values.
type planRequest struct {
	ProviderType *webrana.ProviderType `json:"provider_type"`
	SizeSlug     *string               `json:"size_slug"`
	Name         *string               `json:"name"`
	VCPUs        *int                  `json:"vcpus"`
	MemoryMB     *int                  `json:"memory_mb"`
	DiskGB       *int                  `json:"disk_gb"`
	TransferGB   *int                  `json:"transfer_gb"`
	PriceMonthly *int64                `json:"price_monthly"`
	PriceHourly  *int64                `json:"price_hourly"`
	Currency     *string               `json:"currency"`
	Regions      []string              `json:"regions"`
	IsActive     *bool                 `json:"is_active"`
}

// rangeError: a price JSON holds but an int64 cannot (a fraction, 1e30) is
// told the range, as any price outside it is.
func (planRequest) rangeError(field string) error {
	if field == "price_monthly" || field == "price_hourly" {
		return webrana.PriceRange.Error(field)
	}
	return nil
}

// apply writes the request's fields onto p.
func (req planRequest) apply(p *webrana.Plan) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	if req.ProviderType != nil {
		p.ProviderType = *req.ProviderType
	}
	set(&p.SizeSlug, req.SizeSlug)
	set(&p.Name, req.Name)
	set(&p.Currency, req.Currency)
	setInt(&p.VCPUs, req.VCPUs)
	setInt(&p.MemoryMB, req.MemoryMB)
	setInt(&p.DiskGB, req.DiskGB)
	setInt(&p.TransferGB, req.TransferGB)
	if req.PriceMonthly != nil {
		p.PriceMonthly = *req.PriceMonthly
	}
	if req.PriceHourly != nil {
		p.PriceHourly = *req.PriceHourly
	}
	if req.Regions != nil {
		p.Regions = req.Regions
	}
	if req.IsActive != nil {
		p.IsActive = *req.IsActive
	}
}

// checkPlan validates a plan's fields and then against the provider's
// catalog, where the size must exist in every region of the plan.
func (s *Server) checkPlan(r *http.Request, p *webrana.Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.catalog.CheckPlan(r.Context(), p)
}

func (s *Server) handleCreatePlan(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.createPlan(r, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// createPlan validates a new plan against the catalog, stores and audits it.
func (s *Server) createPlan(r *http.Request, req planRequest) (*webrana.Plan, error) {
	p := &webrana.Plan{Currency: webrana.BillingCurrency, IsActive: true}
	req.apply(p)
	if err := s.checkPlan(r, p); err != nil {
		return nil, err
	}
	if err := s.db.CreatePlan(r.Context(), p); err != nil {
		return nil, err
	}
	if err := s.auth.Audit(r.Context(), principal(r), "plan.created", "plan", p.ID, p.Name, sourceAddr(r)); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) handleGetPlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.db.PlanByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleUpdatePlan(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.updatePlan(r, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// updatePlan applies a change to a plan (its provider stays), checks it
// against the catalog, stores and audits it.
func (s *Server) updatePlan(r *http.Request, id string, req planRequest) (*webrana.Plan, error) {
	p, err := s.db.PlanByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if req.ProviderType != nil && *req.ProviderType != p.ProviderType {
		return nil, webrana.FieldError("provider_type", "A plan's provider cannot change; create a new plan.")
	}
	req.apply(p)
	if err := s.checkPlan(r, p); err != nil {
		return nil, err
	}
	if p, err = s.db.UpdatePlan(r.Context(), p); err != nil {
		return nil, err
	}
	if err := s.auth.Audit(r.Context(), principal(r), "plan.updated", "plan", p.ID, p.Name, sourceAddr(r)); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) handleDeletePlan(w http.ResponseWriter, r *http.Request) error {
	if err := s.deletePlan(r, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deletePlan removes a plan and audits it.
func (s *Server) deletePlan(r *http.Request, id string) error {
	if err := s.db.DeletePlan(r.Context(), id); err != nil {
		return err
	}
	return s.auth.Audit(r.Context(), principal(r), "plan.deleted", "plan", id, "", sourceAddr(r))
}
