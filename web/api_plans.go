package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/plans"
)

// handleCustomerPlans lists the plans on offer (active ones), for a
// provider or all, cheapest first.
func (s *Server) handleCustomerPlans(w http.ResponseWriter, r *http.Request) error {
	return s.listPlans(w, r, true)
}

// handleAdminPlans lists every plan, active or not, each with its
// warnings (one selling below its provider's price is flagged).
func (s *Server) handleAdminPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.plansOf(r, false)
	if err != nil {
		return err
	}
	warnings := s.plans.Warnings(r.Context(), plans...)
	items := make([]savedPlanAnswer, len(plans))
	for i, p := range plans {
		items[i] = savedPlanAnswer{Plan: p, Warnings: nonNil(warnings[p.ID])}
	}
	writeJSON(w, http.StatusOK, newList(items, len(items), pageAll(len(items))))
	return nil
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
	return s.plans.List(r.Context(), webrana.ProviderType(r.URL.Query().Get("provider")), activeOnly)
}

// planRequest is a plan as an operator writes it (plans.Change); on PATCH,
// absent fields keep their values.
type planRequest plans.Change

// rangeError: a price JSON holds but an int64 cannot (a fraction, 1e30) is
// told the range, as any price outside it is.
func (planRequest) rangeError(field string) error {
	if field == "price_monthly" || field == "price_hourly" {
		return webrana.PriceRange.Error(field)
	}
	if field == "backup_price_monthly" || field == "backup_price_hourly" {
		return webrana.BackupPriceRange.Error(field)
	}
	return nil
}

func (s *Server) handleCreatePlan(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.plans.Create(r.Context(), actor(r), plans.Change(req))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.savedPlan(r, p))
	return nil
}

// savedPlanAnswer is a plan as operators see it (just created or changed,
// or listed), with what is wrong with it though allowed (a price below the
// provider's): warnings, never refusals.
type savedPlanAnswer struct {
	*webrana.Plan
	Warnings []string `json:"warnings"`
}

func (s *Server) savedPlan(r *http.Request, p *webrana.Plan) savedPlanAnswer {
	return savedPlanAnswer{Plan: p, Warnings: nonNil(s.plans.Warnings(r.Context(), p)[p.ID])}
}

func (s *Server) handleGetPlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.plans.Get(r.Context(), r.PathValue("id"))
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
	p, err := s.plans.Update(r.Context(), actor(r), r.PathValue("id"), plans.Change(req))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.savedPlan(r, p))
	return nil
}

func (s *Server) handleDeletePlan(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.plans.Delete(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
