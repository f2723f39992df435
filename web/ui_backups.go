package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/web/pages"
)

// opBackupPrices reads a plan form's backup prices in minor units; blank
// is 0, which takes the provider's default.
func opBackupPrices(f *pages.OpPlanFormData) (monthly, hourly *int64, err error) {
	read := func(field, v string) (*int64, error) {
		if strings.TrimSpace(v) == "" {
			var zero int64
			return &zero, nil
		}
		n, err := opMinorUnits(field, v)
		return &n, err
	}
	if monthly, err = read("backup_price_monthly", f.BackupPriceMonthly); err != nil {
		return nil, nil, err
	}
	hourly, err = read("backup_price_hourly", f.BackupPriceHourly)
	return monthly, hourly, err
}

// backupPages are the server page's Backups section's forms (issue 19).
func (s *Server) backupPages() {
	s.ui("POST /servers/{id}/backups", SignedIn, s.handleServerBackupForm)
}

// handleServerBackupForm turns backups on or off or restores one, as POST
// /api/vps/{id}/actions does; a refusal shows the page again with its
// reason in the Backups section.
func (s *Server) handleServerBackupForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	req := lifecycle.Request{Type: r.PostFormValue("type"), BackupID: r.PostFormValue("backup_id")}
	switch req.Type {
	case webrana.ActionEnableBackups, webrana.ActionDisableBackups, webrana.ActionRestoreBackup:
	default:
		return webrana.FieldError("type", "Unknown backup action %q.", req.Type)
	}
	a, err := s.actOn(r, in.Instance, req)
	if err != nil {
		form := pages.ServerActionForm{Type: req.Type}
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		return s.renderServer(w, r, ErrorStatus(err), in, form)
	}
	redirectFlash(w, r, "/servers/"+in.ID, pages.ServerActionName(a.Type)+" requested for "+in.Label+".")
	return nil
}

// serverBackups is the server page's Backups section, nil where the
// provider's backups cannot be changed here. The list is asked of the
// provider while backups are on; if it does not answer, the section says
// so and the page is shown all the same.
func (s *Server) serverBackups(r *http.Request, in *webrana.Instance, d *pages.ServerData) *pages.ServerBackups {
	reg := providers.Of(in.ProviderType)
	if !reg.Capabilities.BackupActions || d.Plan == nil || in.Status == webrana.StatusDeleted {
		return nil
	}
	b := &pages.ServerBackups{Provider: reg.Name, On: in.Options.Backups, Price: pages.BackupPrice(d.Plan),
		Monthly: pages.Price(d.Plan.BackupPriceMonthly, d.Plan.Currency)}
	if !d.Polling {
		b.CanEnable = lifecycle.Allowed(in, webrana.ActionEnableBackups) == nil
		b.CanDisable = lifecycle.Allowed(in, webrana.ActionDisableBackups) == nil
		b.CanRestore = lifecycle.Allowed(in, webrana.ActionRestoreBackup) == nil
	}
	if !b.On || s.backups == nil {
		return b
	}
	list, err := s.backups.List(r.Context(), in)
	if err != nil {
		s.logger.WarnContext(r.Context(), "backups not listed", "instance", in.ID, "err", err)
		b.Unavailable = true
		return b
	}
	for _, k := range list {
		size := "—"
		if k.SizeGB > 0 {
			size = strconv.FormatFloat(k.SizeGB, 'f', 1, 64) + " GB"
		}
		b.Items = append(b.Items, pages.ServerBackup{ID: k.ID, Name: k.Name, Created: pages.Date(k.CreatedAt), Size: size, Available: k.Available})
	}
	return b
}
