package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
)

// providerJSON is a provider as the API shows it.
type providerJSON struct {
	*webrana.Provider
	Logo string `json:"logo"`
}

func providerOut(p *webrana.Provider) providerJSON {
	return providerJSON{Provider: p, Logo: "/assets/" + string(p.Type) + ".svg"} // served by GET /assets/
}

// handleListProviders lists the enabled providers, for the provider selector.
func (s *Server) handleListProviders(w http.ResponseWriter, r *http.Request) error {
	offered, err := s.catalog.Offered(r.Context())
	if err != nil {
		return err
	}
	var out []providerJSON
	for _, p := range offered {
		out = append(out, providerOut(p))
	}
	writeJSON(w, http.StatusOK, newList(out, len(out), pageAll(len(out))))
	return nil
}

// handleAdminListProviders lists every provider, a page at a time
// (?page=, ?per_page=).
func (s *Server) handleAdminListProviders(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	all, err := s.catalog.Providers(r.Context())
	if err != nil {
		return err
	}
	out := make([]providerJSON, 0, len(all))
	for _, p := range all {
		out = append(out, providerOut(p))
	}
	writeJSON(w, http.StatusOK, pageOf(out, page))
	return nil
}

func (s *Server) handleAdminGetProvider(w http.ResponseWriter, r *http.Request) error {
	p, err := s.catalog.Provider(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, providerOut(p))
	return nil
}

type updateProviderRequest struct {
	Name                 *string `json:"name"`
	IsEnabled            *bool   `json:"is_enabled"`
	SnapshotPriceGBMonth *int64  `json:"snapshot_price_gb_month"` // snapshots' price (api_snapshots.go)
}

// handleAdminUpdateProvider renames or enables/disables a provider. The
// change drops cached catalogs on every replica (through updated_at).
func (s *Server) handleAdminUpdateProvider(w http.ResponseWriter, r *http.Request) error {
	var req updateProviderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.catalog.UpdateProvider(r.Context(), actor(r), r.PathValue("id"), catalog.ProviderChange{Name: req.Name, Enabled: req.IsEnabled,
		SnapshotPriceGBMonth: req.SnapshotPriceGBMonth})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, providerOut(p))
	return nil
}

type validateResponse struct {
	OK       bool          `json:"ok"`
	Message  string        `json:"message"`
	Provider providerJSON  `json:"provider"`
	Account  *validAccount `json:"account,omitempty"`
}

type validAccount struct {
	Email  string `json:"email"`
	Status string `json:"status"`
	Limit  *int   `json:"limit"` // null when the provider publishes none
	Active int    `json:"active"`
}

// handleAdminValidateProvider makes a live call with the provider's account
// credentials, so the operator knows they work before offering it; a
// failed check is a result (ok false), not an error.
func (s *Server) handleAdminValidateProvider(w http.ResponseWriter, r *http.Request) error {
	v, err := s.catalog.ValidateProvider(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, validateOut(v))
	return nil
}

func validateOut(v *catalog.Validation) validateResponse {
	out := validateResponse{OK: v.OK, Message: v.Message, Provider: providerOut(v.Provider)}
	if a := v.Account; a != nil {
		out.Account = &validAccount{Email: a.Email, Status: a.Status, Active: a.Active}
		if a.LimitKnown {
			out.Account.Limit = &a.Limit
		}
	}
	return out
}

// providerKind reads and checks the {provider} path value.
func (s *Server) providerKind(r *http.Request) (webrana.ProviderType, error) {
	t := webrana.ProviderType(r.PathValue("provider"))
	if !t.Valid() {
		return "", webrana.Errorf(webrana.ENOTFOUND, "There is no provider %q.", t)
	}
	return t, nil
}

// catalogMeta tells how fresh a catalog answer is.
type catalogMeta struct {
	FetchedAt time.Time `json:"fetched_at"`
	Stale     bool      `json:"stale"` // the provider failed; this is the last good copy
}
