package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/web/pages"
)

// operatorPoolPages registers the operator's accounts and providers pages.
func (s *Server) operatorPoolPages() {
	s.ui("GET /admin/accounts", Admin, s.handleAccountsPage)
	s.ui("GET /admin/accounts/new", Admin, s.handleNewAccountPage)
	s.ui("POST /admin/accounts", Admin, s.handleCreateAccountForm)
	s.ui("POST /admin/accounts/sync-all", Admin, s.handleSyncAllForm)
	s.ui("GET /admin/accounts/{id}/edit", Admin, s.handleEditAccountPage)
	s.ui("POST /admin/accounts/{id}", Admin, s.handleUpdateAccountForm)
	s.ui("POST /admin/accounts/{id}/delete", Admin, s.handleDeleteAccountForm)
	s.ui("POST /admin/accounts/{id}/sync", Admin, s.handleSyncAccountForm)
	s.ui("POST /admin/accounts/{id}/active", Admin, s.handleAccountActiveForm)
	s.ui("GET /admin/providers", Admin, s.handleProvidersPage)
	s.ui("POST /admin/providers/{id}", Admin, s.handleProviderEnabledForm)
	s.ui("POST /admin/providers/{id}/validate", Admin, s.handleValidateProviderForm)
}

// poolNearlyFull is the share of a provider's capacity in use (percent)
// from which the accounts page warns.
const poolNearlyFull = 80

// accountsFilter reads the accounts page's ?provider= filter.
func accountsFilter(r *http.Request) (webrana.ProviderType, error) {
	p := webrana.ProviderType(r.URL.Query().Get("provider"))
	if p != "" && !p.Valid() {
		return "", webrana.FieldError("provider", "provider must be %s.", webrana.ProviderTypesText())
	}
	return p, nil
}

// accountsData builds the accounts page: the accounts grouped by provider,
// the capacity of the active ones, and what the banner should say.
func (s *Server) accountsData(r *http.Request) (pages.AccountsData, error) {
	ctx := r.Context()
	filter, err := accountsFilter(r)
	if err != nil {
		return pages.AccountsData{}, err
	}
	providers, err := s.catalog.Providers(ctx)
	if err != nil {
		return pages.AccountsData{}, err
	}
	accounts, err := s.pool.Accounts(ctx, filter)
	if err != nil {
		return pages.AccountsData{}, err
	}
	d := pages.AccountsData{Filter: filter, Providers: providers}
	names := map[webrana.ProviderType]string{}
	order := []webrana.ProviderType{}
	for _, p := range providers {
		names[p.Type] = p.Name
		order = append(order, p.Type)
	}
	byType := map[webrana.ProviderType]*pages.AccountGroup{}
	var full, unhealthy []string
	for _, a := range accounts {
		g := byType[a.ProviderType]
		if g == nil {
			g = &pages.AccountGroup{Type: a.ProviderType, Name: names[a.ProviderType]}
			byType[a.ProviderType] = g
			if _, known := names[a.ProviderType]; !known {
				order = append(order, a.ProviderType)
			}
		}
		g.Accounts = append(g.Accounts, a)
		if !a.IsActive {
			d.Inactive++
			continue
		}
		used := a.Active + a.Reserved
		g.Used += used
		g.Limit += a.Limit
		d.Used += used
		d.Reserved += a.Reserved
		d.Limit += a.Limit
		if a.Free() == 0 {
			full = append(full, fmt.Sprintf("%s is full (%d/%d).", a.Name, used, a.Limit))
		}
		if a.Health == webrana.HealthUnhealthy {
			unhealthy = append(unhealthy, strings.TrimSpace(fmt.Sprintf("%s is unhealthy: %s", a.Name, a.HealthReason)))
		}
	}
	for _, t := range order {
		g := byType[t]
		if g == nil {
			continue
		}
		d.Groups = append(d.Groups, *g)
		label := g.Name
		if label == "" {
			label = string(g.Type)
		}
		switch {
		case g.Limit == 0:
			d.Warnings = append(d.Warnings, fmt.Sprintf("No %s account is active: its servers cannot be ordered.", label))
		case g.Used*100 >= poolNearlyFull*g.Limit:
			d.Warnings = append(d.Warnings, fmt.Sprintf("The %s pool is %d%% used (%d/%d): add an account or raise a limit.",
				label, g.Used*100/g.Limit, g.Used, g.Limit))
		}
	}
	d.Warnings = append(d.Warnings, full...)
	d.Warnings = append(d.Warnings, unhealthy...)
	d.Bad = len(full)+len(unhealthy) > 0
	return d, nil
}

func (s *Server) handleAccountsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccounts(w, r, http.StatusOK, "")
}

// renderAccounts shows the accounts page, with a problem when an action
// on it failed.
func (s *Server) renderAccounts(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	d, err := s.accountsData(r)
	if err != nil {
		return err
	}
	f := s.frame(w, r, "Provider accounts", "admin-accounts")
	f.Error = problem
	s.render(w, r, status, pages.Accounts(f, d))
	return nil
}

// accountsProblem answers a failed action on the accounts page: the page
// again, with the message and the error's status.
func (s *Server) accountsProblem(w http.ResponseWriter, r *http.Request, err error) error {
	if isHTMX(r) || ErrorStatus(err) == http.StatusInternalServerError {
		return err // a problem page (internal errors are logged there)
	}
	return s.renderAccounts(w, r, ErrorStatus(err), webrana.ErrorMessage(err))
}

// backToAccounts is where an action on the accounts page returns: the page
// with the filter it was sent from.
func backToAccounts(r *http.Request) string {
	p, err := accountsFilter(r)
	if err != nil {
		p = ""
	}
	return pages.AccountsHref(p)
}

// formBool reads a true/false form value.
func formBool(r *http.Request, field string) (bool, error) {
	b, err := strconv.ParseBool(r.PostFormValue(field))
	if err != nil {
		return false, webrana.FieldError(field, "%s must be true or false.", field)
	}
	return b, nil
}

// accountForm reads the add/edit form; the token is read separately and
// never put back into the page.
func accountForm(r *http.Request) pages.AccountFormData {
	return pages.AccountFormData{
		ProviderType: webrana.ProviderType(r.PostFormValue("provider_type")),
		Name:         r.PostFormValue("name"),
		Email:        r.PostFormValue("email"),
		Limit:        strings.TrimSpace(r.PostFormValue("limit")),
		IsPrimary:    r.PostFormValue("is_primary") != "",
		IsActive:     r.PostFormValue("is_active") != "",
	}
}

// parseLimit reads the limit field; empty is 0 (none given).
func parseLimit(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, webrana.FieldError("limit", "The limit must be a whole number of servers.")
	}
	return n, nil
}

// renderAccountForm shows the add or edit form again after an error, with
// what was typed (but the token).
func (s *Server) renderAccountForm(w http.ResponseWriter, r *http.Request, d pages.AccountFormData, err error) error {
	if ErrorStatus(err) == http.StatusInternalServerError {
		return err
	}
	d.Field, d.Message = webrana.ErrorField(err), webrana.ErrorMessage(err)
	title := "Add an account"
	if d.ID != "" {
		title = "Edit " + d.Name
	}
	f := s.frame(w, r, title, "admin-accounts")
	f.Error = webrana.ErrorMessage(err)
	s.render(w, r, ErrorStatus(err), pages.AccountForm(f, d))
	return nil
}

func (s *Server) handleNewAccountPage(w http.ResponseWriter, r *http.Request) error {
	providers, err := s.catalog.Providers(r.Context())
	if err != nil {
		return err
	}
	p, err := accountsFilter(r)
	if err != nil {
		return err
	}
	d := pages.AccountFormData{Providers: providers, ProviderType: p, IsActive: true}
	s.render(w, r, http.StatusOK, pages.AccountForm(s.frame(w, r, "Add an account", "admin-accounts"), d))
	return nil
}

func (s *Server) handleCreateAccountForm(w http.ResponseWriter, r *http.Request) error {
	providers, err := s.catalog.Providers(r.Context())
	if err != nil {
		return err
	}
	d := accountForm(r)
	d.Providers = providers
	limit, err := parseLimit(d.Limit)
	if err != nil {
		return s.renderAccountForm(w, r, d, err)
	}
	active := d.IsActive
	a, err := s.pool.Create(r.Context(), actor(r), pool.AccountInput{ProviderType: d.ProviderType, Name: d.Name, Email: d.Email,
		Token: r.PostFormValue("token"), Limit: limit, IsPrimary: d.IsPrimary, IsActive: &active})
	if err != nil {
		return s.renderAccountForm(w, r, d, err)
	}
	redirectFlash(w, r, pages.AccountsHref(""), fmt.Sprintf("Added %s: %d/%d in use, %s.",
		a.Name, a.Active+a.Reserved, a.Limit, strings.ToLower(string(a.Health))))
	return nil
}

// editForm is the edit form filled from an account.
func editForm(a *webrana.Account) pages.AccountFormData {
	return pages.AccountFormData{ID: a.ID, ProviderType: a.ProviderType, Name: a.Name, Email: a.Email,
		Limit: strconv.Itoa(a.Limit), IsPrimary: a.IsPrimary, IsActive: a.IsActive,
		LimitFromProvider: a.LimitFromProvider, TokenHint: a.TokenHint}
}

func (s *Server) handleEditAccountPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.pool.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.AccountForm(s.frame(w, r, "Edit "+a.Name, "admin-accounts"), editForm(a)))
	return nil
}

// handleUpdateAccountForm applies what the edit form changed; a blank token
// keeps the old one.
func (s *Server) handleUpdateAccountForm(w http.ResponseWriter, r *http.Request) error {
	a, err := s.pool.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	in := accountForm(r)
	d := editForm(a)
	d.Name, d.Email, d.IsPrimary, d.IsActive = in.Name, in.Email, in.IsPrimary, in.IsActive
	var p pool.AccountPatch
	if in.Name != a.Name {
		p.Name = &in.Name
	}
	if in.Email != a.Email {
		p.Email = &in.Email
	}
	if token := r.PostFormValue("token"); strings.TrimSpace(token) != "" {
		p.Token = &token
	}
	if !a.LimitFromProvider {
		d.Limit = in.Limit
		limit, err := parseLimit(in.Limit)
		if err == nil && in.Limit == "" {
			err = webrana.FieldError("limit", "A limit is required: %s publishes none for this account.", a.ProviderType)
		}
		if err != nil {
			return s.renderAccountForm(w, r, d, err)
		}
		if limit != a.Limit {
			p.Limit = &limit
		}
	}
	if in.IsActive != a.IsActive {
		p.IsActive = &in.IsActive
	}
	if in.IsPrimary != a.IsPrimary {
		p.IsPrimary = &in.IsPrimary
	}
	if p == (pool.AccountPatch{}) {
		redirectFlash(w, r, pages.AccountsHref(""), "Nothing to change on "+a.Name+".")
		return nil
	}
	if a, err = s.pool.Update(r.Context(), actor(r), a.ID, p); err != nil {
		return s.renderAccountForm(w, r, d, err)
	}
	redirectFlash(w, r, pages.AccountsHref(""), fmt.Sprintf("Saved %s: %d/%d in use.", a.Name, a.Active+a.Reserved, a.Limit))
	return nil
}

func (s *Server) handleDeleteAccountForm(w http.ResponseWriter, r *http.Request) error {
	a, err := s.pool.Account(r.Context(), r.PathValue("id"))
	if err == nil {
		err = s.pool.Delete(r.Context(), actor(r), a.ID)
	}
	if err != nil {
		return s.accountsProblem(w, r, err)
	}
	redirectFlash(w, r, backToAccounts(r), "Deleted "+a.Name+".")
	return nil
}

func (s *Server) handleSyncAccountForm(w http.ResponseWriter, r *http.Request) error {
	a, err := s.pool.Sync(r.Context(), r.PathValue("id"))
	if err := providerAnswer(r, err); err != nil {
		return s.accountsProblem(w, r, err)
	}
	msg := fmt.Sprintf("Synced %s: %d/%d in use.", a.Name, a.Active+a.Reserved, a.Limit)
	if a.Health != webrana.HealthHealthy {
		msg += fmt.Sprintf(" Health: %s. %s", a.Health, a.HealthReason)
	}
	redirectFlash(w, r, backToAccounts(r), strings.TrimSpace(msg))
	return nil
}

func (s *Server) handleSyncAllForm(w http.ResponseWriter, r *http.Request) error {
	n, err := s.pool.SyncAll(r.Context())
	if busy := providerAnswer(r, nil); busy != nil {
		return s.accountsProblem(w, r, busy) // as the API's sync-all
	}
	if err != nil && webrana.ErrorCode(err) != webrana.EINTERNAL {
		err = &webrana.Error{Code: webrana.ErrorCode(err),
			Message: fmt.Sprintf("Synced %d account(s); one failed: %s", n, webrana.ErrorMessage(err))}
	}
	if err != nil {
		return s.accountsProblem(w, r, err)
	}
	redirectFlash(w, r, backToAccounts(r), fmt.Sprintf("Synced %d active account(s).", n))
	return nil
}

func (s *Server) handleAccountActiveForm(w http.ResponseWriter, r *http.Request) error {
	active, err := formBool(r, "active")
	if err != nil {
		return s.accountsProblem(w, r, err)
	}
	a, err := s.pool.Update(r.Context(), actor(r), r.PathValue("id"), pool.AccountPatch{IsActive: &active})
	if err != nil {
		return s.accountsProblem(w, r, err)
	}
	msg := a.Name + " is active: new servers may be placed on it."
	if !a.IsActive {
		msg = a.Name + " is inactive: no new servers are placed on it; its servers keep running."
	}
	redirectFlash(w, r, backToAccounts(r), msg)
	return nil
}

// providerCards builds the providers page: each provider with its
// accounts' number and capacity.
func (s *Server) providerCards(r *http.Request) ([]pages.ProviderCard, error) {
	providers, err := s.catalog.Providers(r.Context())
	if err != nil {
		return nil, err
	}
	accounts, err := s.pool.Accounts(r.Context(), "")
	if err != nil {
		return nil, err
	}
	cards := make([]pages.ProviderCard, len(providers))
	for i, p := range providers {
		c := pages.ProviderCard{Provider: p}
		for _, a := range accounts {
			if a.ProviderType != p.Type {
				continue
			}
			c.Accounts++
			if a.IsActive {
				c.ActiveAccounts++
				c.Used += a.Active + a.Reserved
				c.Limit += a.Limit
			}
		}
		cards[i] = c
	}
	return cards, nil
}

func (s *Server) handleProvidersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderProviders(w, r, http.StatusOK, "")
}

func (s *Server) renderProviders(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	cards, err := s.providerCards(r)
	if err != nil {
		return err
	}
	f := s.frame(w, r, "Providers", "admin-providers")
	f.Error = problem
	s.render(w, r, status, pages.Providers(f, cards))
	return nil
}

func (s *Server) handleProviderEnabledForm(w http.ResponseWriter, r *http.Request) error {
	enabled, err := formBool(r, "enabled")
	var p *webrana.Provider
	if err == nil {
		p, err = s.catalog.UpdateProvider(r.Context(), actor(r), r.PathValue("id"), catalog.ProviderChange{Enabled: &enabled})
	}
	if err != nil {
		if isHTMX(r) || ErrorStatus(err) == http.StatusInternalServerError {
			return err
		}
		return s.renderProviders(w, r, ErrorStatus(err), webrana.ErrorMessage(err))
	}
	msg := p.Name + " is enabled: customers can order servers there."
	if !p.Enabled {
		msg = p.Name + " is disabled: customers can no longer order servers there; existing servers keep running."
	}
	redirectFlash(w, r, "/admin/providers", msg)
	return nil
}

// handleValidateProviderForm checks a provider's credentials live. A
// failed check is shown as the page's problem (the request itself worked,
// as in the API); a successful one is flashed.
func (s *Server) handleValidateProviderForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.catalog.ValidateProvider(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := validateOut(v)
	name := out.Provider.Name
	if !out.OK {
		return s.renderProviders(w, r, http.StatusOK, name+": "+out.Message)
	}
	msg := name + ": " + out.Message
	if a := out.Account; a != nil {
		msg += fmt.Sprintf(" Account %s (%s), %d server(s)", a.Email, a.Status, a.Active)
		if a.Limit != nil {
			msg += fmt.Sprintf(" of %d", *a.Limit)
		}
		msg += "."
	}
	redirectFlash(w, r, "/admin/providers", msg)
	return nil
}
