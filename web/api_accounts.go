package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
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
	a, err := h.s.db.AccountByID(r.Context(), r.PathValue("id"))
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
	a, err := h.s.addAccount(r, pool.AccountInput{ProviderType: req.ProviderType, Name: req.Name, Email: req.Email,
		Token: req.Token, Limit: req.Limit, IsPrimary: req.IsPrimary, IsActive: req.IsActive})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h.s.accountOut(a))
	return nil
}

func (h accountHandlers) list(w http.ResponseWriter, r *http.Request) error {
	p := webrana.ProviderType(r.URL.Query().Get("provider"))
	if p != "" && !p.Valid() {
		return webrana.FieldError("provider", "provider must be %s.", webrana.ProviderTypesText())
	}
	if h.only != "" {
		p = h.only
	}
	accounts, err := h.s.db.ListAccounts(r.Context(), p)
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
	a, err := h.s.changeAccount(r, r.PathValue("id"), pool.AccountPatch{Name: req.Name, Email: req.Email, Token: req.Token,
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
	if err := h.s.removeAccount(r, a); err != nil {
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

// addAccount adds an account through the pool (which checks its token with
// a live call) and audits it; the API and the accounts page share it.
func (s *Server) addAccount(r *http.Request, in pool.AccountInput) (*webrana.Account, error) {
	a, err := s.pool.Create(r.Context(), in)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Audit(r.Context(), principal(r), "account.created", "account", a.ID,
		fmt.Sprintf("provider=%s name=%s", a.ProviderType, a.Name), sourceAddr(r)); err != nil {
		return nil, err
	}
	return a, nil
}

// changeAccount applies an operator's change to an account and audits
// which fields it set.
func (s *Server) changeAccount(r *http.Request, id string, p pool.AccountPatch) (*webrana.Account, error) {
	a, err := s.pool.Update(r.Context(), id, p)
	if err != nil {
		return nil, err
	}
	var changed []string
	for field, set := range map[string]bool{"name": p.Name != nil, "email": p.Email != nil, "token": p.Token != nil,
		"limit": p.Limit != nil, "is_active": p.IsActive != nil, "is_primary": p.IsPrimary != nil} {
		if set {
			changed = append(changed, field)
		}
	}
	if err := s.auth.Audit(r.Context(), principal(r), "account.updated", "account", a.ID,
		"changed "+strings.Join(sortedCopy(changed), ","), sourceAddr(r)); err != nil {
		return nil, err
	}
	return a, nil
}

// removeAccount deletes an account (refused while it holds servers) and
// audits it.
func (s *Server) removeAccount(r *http.Request, a *webrana.Account) error {
	if err := s.db.DeleteAccount(r.Context(), a.ID); err != nil {
		return err
	}
	return s.auth.Audit(r.Context(), principal(r), "account.deleted", "account", a.ID, "name="+a.Name, sourceAddr(r))
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
