package web

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// operatorPages registers the operator's plans, all servers, alerts, reconciliation, customers and audit pages.
func (s *Server) operatorPages() {
	s.ui("GET /admin/plans", Admin, s.opPlans)
	s.ui("GET /admin/plans/new", Admin, s.opNewPlan)
	s.ui("POST /admin/plans", Admin, s.opCreatePlan)
	s.ui("GET /admin/plans/{id}/edit", Admin, s.opEditPlan)
	s.ui("POST /admin/plans/{id}", Admin, s.opUpdatePlan)
	s.ui("POST /admin/plans/{id}/delete", Admin, s.opDeletePlan)

	s.ui("GET /admin/servers", Admin, s.opServers)

	s.ui("GET /admin/alerts", Admin, s.opAlerts)
	s.ui("POST /admin/alerts/{id}/resolve", Admin, s.opResolveAlert)

	s.ui("GET /admin/reconciliation", Admin, s.opFindings)
	s.ui("POST /admin/reconciliation/{id}/destroy", Admin, s.opDecideFinding(webrana.FindingDestroyed))
	s.ui("POST /admin/reconciliation/{id}/dismiss", Admin, s.opDecideFinding(webrana.FindingDismissed))

	s.ui("GET /admin/customers", Admin, s.opCustomers)
	s.ui("POST /admin/customers/{id}/credit", Admin, s.opCredit)
	s.ui("POST /admin/customers/{id}/disable", Admin, s.opSetDisabled(true))
	s.ui("POST /admin/customers/{id}/enable", Admin, s.opSetDisabled(false))

	s.ui("GET /admin/audit", Admin, s.opAudit)
}

// ---- Plans ----

// opPlans lists every plan, grouped by provider, optionally of one provider.
func (s *Server) opPlans(w http.ResponseWriter, r *http.Request) error {
	plans, bad := s.plansOf(r, false)
	status, msg, err := opRefused(bad)
	if err != nil {
		return err
	}
	providers, err := s.catalog.Providers(r.Context())
	if err != nil {
		return err
	}
	d := pages.OpPlansData{Provider: r.URL.Query().Get("provider"), Providers: providers, Error: msg,
		Warnings: s.plans.Warnings(r.Context(), plans...)}
	for _, p := range providers {
		if d.Provider != "" && d.Provider != string(p.Type) {
			continue
		}
		g := pages.OpPlanGroup{Provider: p}
		for _, pl := range plans {
			if pl.ProviderType == p.Type {
				g.Plans = append(g.Plans, pl)
			}
		}
		d.Groups = append(d.Groups, g)
	}
	s.render(w, r, status, pages.OpPlans(s.frame(w, r, "Plans", "admin-plans"), d))
	return nil
}

// opRefused sorts a list's filter error: a refused filter (4xx) gives the
// status and the message the page shows inside the list htmx swaps (so it
// is seen); anything else is returned. No error: 200.
func opRefused(err error) (status int, message string, _ error) {
	switch {
	case err == nil:
		return http.StatusOK, "", nil
	case ErrorStatus(err) >= http.StatusInternalServerError:
		return 0, "", err
	}
	return ErrorStatus(err), webrana.ErrorMessage(err), nil
}

// opNewPlan is the new plan form: first the provider, then its sizes.
// ?size_slug= (the size picker, through htmx) fills the size's resources
// and regions.
func (s *Server) opNewPlan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := pages.OpPlanFormData{Provider: webrana.ProviderType(q.Get("provider")), SizeSlug: q.Get("size_slug"),
		Regions: q["regions"], IsActive: true}
	opPickedResources(q, &f)
	if f.Provider == "" {
		providers, err := s.catalog.Providers(r.Context())
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, pages.OpPlanProvider(s.frame(w, r, "New plan", "admin-plans"), providers))
		return nil
	}
	if !f.Provider.Valid() {
		return webrana.FieldError("provider", "provider must be digitalocean or linode.")
	}
	status, err := s.opPlanCatalog(r, &f, true)
	if err != nil {
		return err
	}
	s.render(w, r, status, pages.OpPlanFormPage(s.frame(w, r, "New plan", "admin-plans"), f))
	return nil
}

// opPickedResources takes the resources the size picker sent along (htmx
// includes the size's fields), so that they are kept if the catalog cannot
// be had; a size the catalog knows replaces them.
func opPickedResources(q url.Values, f *pages.OpPlanFormData) {
	for _, in := range []struct {
		name string
		dst  *string
	}{{"vcpus", &f.VCPUs}, {"memory_mb", &f.MemoryMB}, {"disk_gb", &f.DiskGB}, {"transfer_gb", &f.TransferGB}} {
		if q.Has(in.name) {
			*in.dst = strings.TrimSpace(q.Get(in.name))
		}
	}
}

// opEditPlan is a plan's form; ?size_slug= picks another size.
func (s *Server) opEditPlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.plans.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := pages.OpPlanFormData{ID: p.ID, Provider: p.ProviderType, SizeSlug: p.SizeSlug, Name: p.Name, Slug: p.Slug,
		VCPUs: strconv.Itoa(p.VCPUs), MemoryMB: strconv.Itoa(p.MemoryMB), DiskGB: strconv.Itoa(p.DiskGB),
		TransferGB: strconv.Itoa(p.TransferGB), PriceMonthly: webrana.FormatMajor(p.PriceMonthly), PriceHourly: webrana.FormatMajor(p.PriceHourly),
		BackupPriceMonthly: webrana.FormatMajor(p.BackupPriceMonthly), BackupPriceHourly: webrana.FormatMajor(p.BackupPriceHourly),
		Currency: p.Currency, Regions: p.Regions, IsActive: p.IsActive, Warnings: s.plans.Warnings(r.Context(), p)[p.ID]}
	q := r.URL.Query()
	picked := q.Has("size_slug")
	if picked {
		f.SizeSlug, f.Regions = q.Get("size_slug"), q["regions"]
		opPickedResources(q, &f)
	}
	status, err := s.opPlanCatalog(r, &f, picked)
	if err != nil {
		return err
	}
	s.render(w, r, status, pages.OpPlanFormPage(s.frame(w, r, "Edit plan", "admin-plans"), f))
	return nil
}

func (s *Server) opCreatePlan(w http.ResponseWriter, r *http.Request) error {
	f := opPlanFormValues(r)
	return s.opSavePlan(w, r, &f, "New plan", func(c plans.Change) (*webrana.Plan, error) {
		return s.plans.Create(r.Context(), actor(r), c)
	})
}

func (s *Server) opUpdatePlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.plans.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := opPlanFormValues(r)
	f.ID, f.Currency = p.ID, p.Currency
	return s.opSavePlan(w, r, &f, "Edit plan", func(c plans.Change) (*webrana.Plan, error) {
		return s.plans.Update(r.Context(), actor(r), p.ID, c)
	})
}

// opSavePlan saves a posted plan form, or shows it again: with the chosen
// size's resources ("Use this size"), or with what was wrong.
func (s *Server) opSavePlan(w http.ResponseWriter, r *http.Request, f *pages.OpPlanFormData, title string,
	save func(plans.Change) (*webrana.Plan, error)) error {
	if !f.Provider.Valid() {
		return webrana.FieldError("provider_type", "provider_type must be digitalocean or linode.")
	}
	if r.PostFormValue("step") == "size" {
		status, err := s.opPlanCatalog(r, f, true)
		if err != nil {
			return err
		}
		s.render(w, r, status, pages.OpPlanFormPage(s.frame(w, r, title, "admin-plans"), *f))
		return nil
	}
	c, err := opPlanChange(f)
	var p *webrana.Plan
	if err == nil {
		p, err = save(c)
	}
	if err != nil {
		// An internal error is a problem page; a provider that cannot be
		// reached (502/503: the catalog) shows the form again, as typed.
		if ErrorStatus(err) == http.StatusInternalServerError || webrana.ErrorCode(err) == webrana.ENOTFOUND && webrana.ErrorField(err) == "" {
			return err
		}
		if _, cerr := s.opPlanCatalog(r, f, false); cerr != nil {
			return cerr
		}
		f.Error, f.Field = webrana.ErrorMessage(err), webrana.ErrorField(err)
		fr := s.frame(w, r, title, "admin-plans")
		fr.Error = f.Error
		s.render(w, r, ErrorStatus(err), pages.OpPlanFormPage(fr, *f))
		return nil
	}
	msg := fmt.Sprintf("Plan %q saved.", p.Name)
	for _, warning := range s.plans.Warnings(r.Context(), p)[p.ID] {
		msg += " Warning: " + warning
	}
	redirectFlash(w, r, "/admin/plans?provider="+string(p.ProviderType), msg)
	return nil
}

func (s *Server) opDeletePlan(w http.ResponseWriter, r *http.Request) error {
	p, err := s.plans.Delete(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	redirectFlash(w, r, "/admin/plans?provider="+string(p.ProviderType), fmt.Sprintf("Plan %q deleted.", p.Name))
	return nil
}

// opPlanFormValues reads a posted plan form as typed.
func opPlanFormValues(r *http.Request) pages.OpPlanFormData {
	_ = r.ParseForm() // done already by the CSRF check; r.PostForm is read below
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return pages.OpPlanFormData{Provider: webrana.ProviderType(v("provider_type")), SizeSlug: v("size_slug"), Name: v("name"), Slug: v("slug"),
		VCPUs: v("vcpus"), MemoryMB: v("memory_mb"), DiskGB: v("disk_gb"), TransferGB: v("transfer_gb"),
		PriceMonthly: v("price_monthly"), PriceHourly: v("price_hourly"), Currency: "USD",
		BackupPriceMonthly: v("backup_price_monthly"), BackupPriceHourly: v("backup_price_hourly"),
		Regions: r.PostForm["regions"], IsActive: r.PostFormValue("is_active") != ""}
}

// opPlanChange turns a plan form into the change the API takes: prices
// from major units, resources left blank taken from the size.
func opPlanChange(f *pages.OpPlanFormData) (plans.Change, error) {
	monthly, err := opMinorUnits("price_monthly", f.PriceMonthly)
	if err != nil {
		return plans.Change{}, err
	}
	hourly, err := opMinorUnits("price_hourly", f.PriceHourly)
	if err != nil {
		return plans.Change{}, err
	}
	req := plans.Change{ProviderType: &f.Provider, SizeSlug: &f.SizeSlug, Name: &f.Name, PriceMonthly: &monthly,
		PriceHourly: &hourly, Regions: append([]string{}, f.Regions...), IsActive: &f.IsActive}
	if f.Slug != "" {
		req.Slug = &f.Slug // blank: a new plan's from its name; an edited plan keeps its own
	}
	if req.BackupPriceMonthly, req.BackupPriceHourly, err = opBackupPrices(f); err != nil { // ui_backups.go
		return plans.Change{}, err
	}
	for _, in := range []struct {
		field, value string
		dst          **int
	}{{"vcpus", f.VCPUs, &req.VCPUs}, {"memory_mb", f.MemoryMB, &req.MemoryMB}, {"disk_gb", f.DiskGB, &req.DiskGB}, {"transfer_gb", f.TransferGB, &req.TransferGB}} {
		n := 0 // blank: the size's
		if in.value != "" {
			if n, err = strconv.Atoi(in.value); err != nil || n < 0 {
				return plans.Change{}, webrana.FieldError(in.field, "Enter a whole number, or leave it blank to use the size's.")
			}
		}
		*in.dst = &n
	}
	return req, nil
}

// opPlanCatalog fills a plan form from the provider's catalog: its name,
// its sizes with the provider's prices (the same catalog as GET
// /api/vps/{provider}/sizes) and region names. When the size was just
// picked, its resources replace the form's and only its regions stay checked.
// When the catalog cannot be had, the form keeps what was typed and says
// why (f.CatalogError), answered with the failure's status.
func (s *Server) opPlanCatalog(r *http.Request, f *pages.OpPlanFormData, picked bool) (int, error) {
	ctx := r.Context()
	prov, err := s.catalog.ProviderOf(ctx, f.Provider)
	if err != nil {
		return 0, err
	}
	f.ProviderName = prov.Name
	sizes, err := s.catalog.GetSizes(ctx, f.Provider)
	if err != nil {
		status := ErrorStatus(err)
		if status == http.StatusInternalServerError {
			s.logger.ErrorContext(ctx, "plan form: size catalog", "provider", f.Provider, "err", err)
		}
		f.Sizes, f.CatalogError = nil, webrana.ErrorMessage(err)
		return status, nil
	}
	f.Stale = sizes.Stale
	f.Sizes = f.Sizes[:0]
	for _, z := range sizes.Items {
		if !z.Available && z.Slug != f.SizeSlug {
			continue
		}
		f.Sizes = append(f.Sizes, pages.OpPlanSize{Slug: z.Slug, Description: z.Description, VCPUs: z.VCPUs, MemoryMB: z.MemoryMB,
			DiskGB: z.DiskGB, TransferGB: z.TransferGB, PriceMonthly: z.PriceMonthly, PriceHourly: z.PriceHourly, Regions: z.Regions})
	}
	f.RegionNames = map[string]string{}
	if regions, err := s.catalog.GetRegions(ctx, f.Provider); err == nil { // names are a nicety: slugs do without
		for _, g := range regions.Items {
			f.RegionNames[g.Slug] = g.Name
		}
	}
	if z := f.Chosen(); z != nil && picked {
		f.VCPUs, f.MemoryMB, f.DiskGB, f.TransferGB = strconv.Itoa(z.VCPUs), strconv.Itoa(z.MemoryMB), strconv.Itoa(z.DiskGB), strconv.Itoa(z.TransferGB)
		f.Regions = slices.DeleteFunc(slices.Clone(f.Regions), func(g string) bool { return !slices.Contains(z.Regions, g) })
	}
	return http.StatusOK, nil
}

// opMinorUnits reads an amount typed in major units ("12", "12.5",
// "12.34") as minor units. An amount too large for any range reads as one
// that every range refuses, with its message.
func opMinorUnits(field, v string) (int64, error) {
	minor, ok := webrana.ParseMajor(strings.TrimSpace(v))
	if !ok {
		return 0, webrana.FieldError(field, "Enter an amount such as 12.00: digits, with at most two after the point.")
	}
	return minor, nil
}

// opListURL is a list's URL with its filters (empty ones left out), ready
// for the pager to add page=N.
func opListURL(path string, filters ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(filters); i += 2 {
		if filters[i+1] != "" {
			q.Set(filters[i], filters[i+1])
		}
	}
	if len(q) == 0 {
		return path + "?"
	}
	return path + "?" + q.Encode() + "&"
}

// ---- All servers ----

// opServers lists every customer's servers, filtered by provider, account,
// status and owner (an e-mail).
func (s *Server) opServers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	page, bad := pageParams(r)
	q := r.URL.Query()
	d := pages.OpServersData{Provider: q.Get("provider"), Account: q.Get("account"), Status: q.Get("status"),
		Search: strings.TrimSpace(q.Get("q")), Owner: strings.ToLower(strings.TrimSpace(q.Get("owner"))), Page: page.Page, PerPage: page.PerPage}
	d.Base = opListURL("/admin/servers", "provider", d.Provider, "account", d.Account, "status", d.Status, "owner", d.Owner, "q", d.Search)
	var err error
	if d.Providers, err = s.catalog.Providers(ctx); err != nil {
		return err
	}
	if d.Accounts, err = s.pool.Accounts(ctx, ""); err != nil {
		return err
	}
	filter, ferr := instanceFilter(q) // the customer's filters: provider, status, label search
	filter.AccountID, filter.Page = d.Account, page
	filter.Estimate = true // with no filter, the total of every server may be estimated (store.Total)
	if bad == nil {
		bad = ferr
	}
	if bad == nil && d.Owner != "" {
		u, err := s.auth.UserByEmail(ctx, d.Owner)
		switch {
		case webrana.ErrorCode(err) == webrana.ENOTFOUND:
			bad = webrana.FieldError("owner", "No user has the e-mail %s.", d.Owner)
		case err != nil:
			return err
		default:
			filter.OwnerID = u.ID
		}
	}
	status := http.StatusOK
	if bad != nil { // shown inside the list, which is what htmx swaps
		d.Error, d.Field, status = webrana.ErrorMessage(bad), webrana.ErrorField(bad), ErrorStatus(bad)
	} else {
		list, err := s.instancePage(r, filter)
		if err != nil {
			return err
		}
		d.Rows, d.Total, d.Estimated = serverRows(list.Items), list.Total, list.Estimated
	}
	s.render(w, r, status, pages.OpServers(s.frame(w, r, "All servers", "admin-servers"), d))
	return nil
}

// ---- Alerts ----

func (s *Server) opAlerts(w http.ResponseWriter, r *http.Request) error {
	f, bad := alertFilter(r)
	status, msg, err := opRefused(bad)
	if err != nil {
		return err
	}
	_, open, err := s.alerts.List(r.Context(), store.AlertFilter{OpenOnly: true, Page: webrana.Page{PerPage: 1}})
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := pages.OpAlertsData{OpenOnly: q.Get("open") == "true", Kind: q.Get("kind"), OpenCount: open, Error: msg}
	if bad == nil {
		if d.Alerts, d.Total, err = s.alerts.List(r.Context(), f); err != nil {
			return err
		}
		d.Page, d.PerPage = f.Page.Page, f.Page.PerPage
	}
	d.Base = opListURL("/admin/alerts", "open", q.Get("open"), "kind", d.Kind)
	s.render(w, r, status, pages.OpAlerts(s.frame(w, r, "Alerts", "admin-alerts"), d))
	return nil
}

func (s *Server) opResolveAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.alerts.Resolve(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	redirectFlash(w, r, "/admin/alerts", "Alert resolved: "+a.Message)
	return nil
}

// ---- Reconciliation ----

func (s *Server) opFindings(w http.ResponseWriter, r *http.Request) error {
	page, bad := pageParams(r)
	status, msg, err := opRefused(bad)
	if err != nil {
		return err
	}
	openOnly := r.URL.Query().Get("open") == "true"
	d := pages.OpFindingsData{OpenOnly: openOnly, Error: msg}
	if bad == nil {
		rows, total, err := s.reconciler.Findings(r.Context(), openOnly, page)
		if err != nil {
			return err
		}
		for _, f := range rows {
			d.Findings = append(d.Findings, pages.OpFinding{Finding: f.Finding, AccountName: f.AccountName, ProviderType: f.ProviderType})
		}
		d.Total, d.Page, d.PerPage = total, page.Page, page.PerPage
	}
	d.Base = opListURL("/admin/reconciliation", "open", r.URL.Query().Get("open"))
	s.render(w, r, status, pages.OpFindings(s.frame(w, r, "Reconciliation", "admin-reconciliation"), d))
	return nil
}

func (s *Server) opDecideFinding(decision string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := s.reconciler.Decide(r.Context(), actor(r), r.PathValue("id"), decision)
		if err != nil {
			return err
		}
		msg := "Server " + f.ProviderID + " destroyed at the provider."
		if decision == webrana.FindingDismissed {
			msg = "Finding dismissed: server " + f.ProviderID + " is kept."
		}
		redirectFlash(w, r, "/admin/reconciliation", msg)
		return nil
	}
}

// ---- Customers ----

func (s *Server) opCustomers(w http.ResponseWriter, r *http.Request) error {
	return s.opCustomersPage(w, r, http.StatusOK, pages.OpCreditForm{}, "")
}

// opCustomersPage shows the users with their balances; after a refused
// credit, with that customer's form open as typed and the message.
func (s *Server) opCustomersPage(w http.ResponseWriter, r *http.Request, status int, credit pages.OpCreditForm, message string) error {
	return s.opUsersPage(w, r, status, credit, message, pages.InviteForm{})
}

// opCustomersInvite shows the users after a refused invitation, with its
// form as typed and the reason.
func (s *Server) opCustomersInvite(w http.ResponseWriter, r *http.Request, status int, invite pages.InviteForm) error {
	return s.opUsersPage(w, r, status, pages.OpCreditForm{}, "", invite)
}

func (s *Server) opUsersPage(w http.ResponseWriter, r *http.Request, status int, credit pages.OpCreditForm, message string, invite pages.InviteForm) error {
	f, bad := userFilter(r)
	fstatus, msg, err := opRefused(bad)
	if err != nil {
		return err
	}
	if status < fstatus {
		status = fstatus
	}
	d := pages.OpCustomersData{Role: r.URL.Query().Get("role"), Credit: credit, Query: r.URL.RawQuery, Error: msg, Invite: invite}
	var users []*store.UserBalance
	if bad == nil {
		// One query for the page, balances included (it was one more per customer).
		if users, d.Total, err = s.ledger.Balances(r.Context(), f); err != nil {
			return err
		}
		d.Page, d.PerPage = f.Page.Page, f.Page.PerPage
	}
	d.Base = opListURL("/admin/customers", "role", d.Role)
	me := principal(r).User.ID
	totpOn, err := s.totpAmong(r, users)
	if err != nil {
		return err
	}
	for _, u := range users {
		row := pages.OpCustomerRow{User: u.User, Balance: u.Balance, Self: u.ID == me, Key: strings.ToLower(rand.Text()), TOTP: totpOn[u.ID]}
		if credit.UserID == u.ID && credit.Key != "" {
			row.Key = credit.Key // the same credit, tried again, is made once
		}
		d.Rows = append(d.Rows, row)
	}
	fr := s.frame(w, r, "Customers", "admin-customers")
	fr.Error = message
	s.render(w, r, status, pages.OpCustomers(fr, d))
	return nil
}

// opBack is the customers list the form was posted from.
func opBack(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return "/admin/customers"
	}
	return "/admin/customers?" + r.URL.RawQuery
}

// opCredit adds money to a customer's balance, typed in major units.
func (s *Server) opCredit(w http.ResponseWriter, r *http.Request) error {
	c := pages.OpCreditForm{UserID: r.PathValue("id"), Amount: strings.TrimSpace(r.PostFormValue("amount")),
		Note: r.PostFormValue("note"), Key: r.PostFormValue("idempotency_key")}
	amount, err := opMinorUnits("amount", c.Amount)
	var balance webrana.Money
	written := false
	if err == nil {
		written, balance, err = s.credit(r, c.UserID, creditRequest{Amount: amount, Note: c.Note}, c.Key)
	}
	if err != nil {
		if ErrorStatus(err) >= http.StatusInternalServerError || webrana.ErrorCode(err) == webrana.ENOTFOUND {
			return err
		}
		c.Field = webrana.ErrorField(err)
		return s.opCustomersPage(w, r, ErrorStatus(err), c, webrana.ErrorMessage(err))
	}
	if !written { // the same form (its idempotency key) was sent before: nothing was added this time
		redirectFlash(w, r, opBack(r), fmt.Sprintf("Already credited: this form was sent before. The balance is %s.", balance))
		return nil
	}
	redirectFlash(w, r, opBack(r), fmt.Sprintf("Credited %s. The balance is now %s.",
		webrana.Money{Amount: amount, Currency: Currency}, balance))
	return nil
}

// opSetDisabled enables or disables a user, as PATCH /api/admin/users/{id}.
func (s *Server) opSetDisabled(disabled bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.auth.ChangeUser(r.Context(), principal(r), r.PathValue("id"), auth.UserChange{Disabled: &disabled}, sourceAddr(r))
		if err != nil {
			if ErrorStatus(err) >= http.StatusInternalServerError || webrana.ErrorCode(err) == webrana.ENOTFOUND {
				return err
			}
			return s.opCustomersPage(w, r, ErrorStatus(err), pages.OpCreditForm{}, webrana.ErrorMessage(err))
		}
		msg := u.Email + " can sign in again."
		if disabled {
			msg = u.Email + " is disabled and signed out."
		}
		redirectFlash(w, r, opBack(r), msg)
		return nil
	}
}

// ---- Audit log ----

func (s *Server) opAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := pages.OpAuditData{ActorID: q.Get("actor_id"), Action: q.Get("action"), TargetType: q.Get("target_type"),
		TargetID: q.Get("target_id"), Since: q.Get("since"), Until: q.Get("until")}
	d.Base = opListURL("/admin/audit", "actor_id", d.ActorID, "action", d.Action, "target_type", d.TargetType,
		"target_id", d.TargetID, "since", d.Since, "until", d.Until)
	fr, status := s.frame(w, r, "Audit log", "admin-audit"), http.StatusOK
	f, err := auditFilter(r)
	if err != nil {
		if ErrorStatus(err) >= http.StatusInternalServerError || webrana.ErrorField(err) == "page" || webrana.ErrorField(err) == "per_page" {
			return err
		}
		fr.Error, d.Field, status = webrana.ErrorMessage(err), webrana.ErrorField(err), ErrorStatus(err)
	} else {
		if d.Entries, d.Total, err = s.auth.AuditLog(r.Context(), f); err != nil {
			return err
		}
		d.Page, d.PerPage = f.Page.Page, f.Page.PerPage
	}
	if d.ActorID != "" {
		if u, err := s.auth.User(r.Context(), d.ActorID); err == nil {
			d.ActorEmail = u.Email
		}
	}
	s.render(w, r, status, pages.OpAudit(fr, d))
	return nil
}
