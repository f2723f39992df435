package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/pool"
)

// accountJSON is an account as the API shows it: capacity spelled out,
// never the token (a four-character hint at most).
type accountJSON struct {
	*webrana.Account
	Free        int     `json:"free"`
	Utilization float64 `json:"utilization"`
}

func (s *Server) accountOut(a *webrana.Account) accountJSON {
	return accountJSON{Account: s.pool.WithBudget(a), Free: a.Free(), Utilization: a.Utilization()}
}

// accountRoutes registers the account endpoints under a prefix; only is the
// provider the prefix is limited to ("" for every provider). The seed's
// /internal/do-accounts is the same resource, DigitalOcean only.
func (s *Server) accountRoutes(prefix string, only webrana.ProviderType) {
	h := accountHandlers{s: s, only: only}
	s.api("POST "+prefix, Admin, h.create)
	s.api("GET "+prefix, Admin, h.list)
	s.api("POST "+prefix+"/sync-all", Admin, h.syncAll)
	s.api("GET "+prefix+"/{id}", Admin, h.get)
	s.api("PATCH "+prefix+"/{id}", Admin, h.update)
	s.api("DELETE "+prefix+"/{id}", Admin, h.delete)
	s.api("POST "+prefix+"/{id}/sync", Admin, h.sync)
	s.api("GET "+prefix+"/{id}/health", Admin, h.health)
}

type accountHandlers struct {
	s    *Server
	only webrana.ProviderType
}

// account returns the account of the path, if this prefix covers it.
func (h accountHandlers) account(r *http.Request) (*webrana.Account, error) {
	a, err := h.s.pool.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if h.only != "" && a.ProviderType != h.only {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Account not found.")
	}
	return a, nil
}

type createAccountRequest struct {
	ProviderType webrana.ProviderType `json:"provider_type"`
	Name         string               `json:"name"`
	Email        string               `json:"email"`
	Token        string               `json:"token"`
	Limit        int                  `json:"limit"`
	IsPrimary    bool                 `json:"is_primary"`
	IsActive     *bool                `json:"is_active"`
}

func (h accountHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var req createAccountRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if h.only != "" {
		if req.ProviderType != "" && req.ProviderType != h.only {
			return webrana.FieldError("provider_type", "This endpoint manages %s accounts only.", h.only)
		}
		req.ProviderType = h.only
	}
	a, err := h.s.pool.Create(r.Context(), actor(r), pool.AccountInput{ProviderType: req.ProviderType, Name: req.Name, Email: req.Email,
		Token: req.Token, Limit: req.Limit, IsPrimary: req.IsPrimary, IsActive: req.IsActive})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h.s.accountOut(a))
	return nil
}

func (h accountHandlers) list(w http.ResponseWriter, r *http.Request) error {
	p := webrana.ProviderType(r.URL.Query().Get("provider"))
	if h.only != "" && (p == "" || p.Valid()) { // an unknown ?provider= is refused, as everywhere
		p = h.only
	}
	accounts, err := h.s.pool.Accounts(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]accountJSON, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, h.s.accountOut(a))
	}
	writeJSON(w, http.StatusOK, newList(out, len(out), pageAll(len(out))))
	return nil
}

func (h accountHandlers) get(w http.ResponseWriter, r *http.Request) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.s.accountOut(a))
	return nil
}

type updateAccountRequest struct {
	Name      *string `json:"name"`
	Email     *string `json:"email"`
	Token     *string `json:"token"`
	Limit     *int    `json:"limit"`
	IsActive  *bool   `json:"is_active"`
	IsPrimary *bool   `json:"is_primary"`
}

func (h accountHandlers) update(w http.ResponseWriter, r *http.Request) error {
	var req updateAccountRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if _, err := h.account(r); err != nil {
		return err
	}
	a, err := h.s.pool.Update(r.Context(), actor(r), r.PathValue("id"), pool.AccountPatch{Name: req.Name, Email: req.Email, Token: req.Token,
		Limit: req.Limit, IsActive: req.IsActive, IsPrimary: req.IsPrimary})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.s.accountOut(a))
	return nil
}

func (h accountHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	a, err := h.account(r)
	if err != nil {
		return err
	}
	if err := h.s.pool.Delete(r.Context(), actor(r), a.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h accountHandlers) sync(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.account(r); err != nil {
		return err
	}
	a, err := h.s.pool.Sync(r.Context(), r.PathValue("id"))
	if err := providerAnswer(r, err); err != nil {
		return err // also when the provider failed and the pool recorded it
	}
	writeJSON(w, http.StatusOK, h.s.accountOut(a))
	return nil
}

type syncAllResponse struct {
	Synced int    `json:"synced"`
	Error  string `json:"error,omitempty"` // the first account that failed, if any
}

// syncAll syncs every active account. An account that fails is reported
// in the answer and the others are synced; but when a provider was slow or
// limiting us the answer is 503 (the pool counts an account whose provider
// failed as synced: it recorded the failure as the account's health).
func (h accountHandlers) syncAll(w http.ResponseWriter, r *http.Request) error {
	n, err := h.s.pool.SyncAll(r.Context())
	if busy := providerAnswer(r, nil); busy != nil {
		return busy
	}
	out := syncAllResponse{Synced: n}
	if err != nil {
		out.Error = webrana.ErrorMessage(err)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type healthResponse struct {
	Health            webrana.Health `json:"health_status"`
	Reason            string         `json:"health_reason"`
	ProviderStatus    string         `json:"provider_status"`
	LastHealthCheckAt *time.Time     `json:"last_health_check_at"`
}

// health checks the account now, with a live call.
func (h accountHandlers) health(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.account(r); err != nil {
		return err
	}
	a, err := h.s.pool.CheckHealth(r.Context(), r.PathValue("id"))
	if err := providerAnswer(r, err); err != nil {
		return err // the verdict may be recorded; the provider did not answer
	}
	writeJSON(w, http.StatusOK, healthResponse{Health: a.Health, Reason: a.HealthReason, ProviderStatus: a.ProviderStatus,
		LastHealthCheckAt: a.LastHealthCheckAt})
	return nil
}
