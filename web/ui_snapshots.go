package web

import (
	"net/http"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// snapshotPageRoutes declares the server page's snapshot section and forms
// (pages/server_snapshots.templ). They call what the API calls.
func (s *Server) snapshotPageRoutes() {
	s.ui("GET /servers/{id}/snapshots", SignedIn, s.handleSnapshotsSection)
	s.ui("POST /servers/{id}/snapshots", SignedIn, s.handleTakeSnapshotForm)
	s.ui("GET /snapshots/{id}/restore", SignedIn, s.handleRestorePage)
	s.ui("POST /snapshots/{id}/restore", SignedIn, s.handleRestoreForm)
	s.ui("POST /snapshots/{id}/delete", SignedIn, s.handleDeleteSnapshotForm)
	s.ui("POST /admin/providers/{id}/snapshot-price", Admin, s.handleSnapshotPriceForm)
}

// handleSnapshotPriceForm sets a provider's snapshot price (major units
// typed, such as 0.06) as PATCH /api/admin/providers/{id} does.
func (s *Server) handleSnapshotPriceForm(w http.ResponseWriter, r *http.Request) error {
	price, ok := webrana.ParseMajor(strings.TrimSpace(r.PostFormValue("price")))
	if !ok {
		return s.renderProviders(w, r, http.StatusBadRequest, "A snapshot price is an amount such as 0.06.")
	}
	p, err := s.catalog.UpdateProvider(r.Context(), actor(r), r.PathValue("id"), catalog.ProviderChange{SnapshotPriceGBMonth: &price})
	if err != nil {
		if ErrorStatus(err) >= http.StatusInternalServerError {
			return err
		}
		return s.renderProviders(w, r, ErrorStatus(err), webrana.ErrorMessage(err))
	}
	redirectFlash(w, r, "/admin/providers", p.Name+" snapshots cost "+webrana.FormatMajor(price)+" "+webrana.BillingCurrency+
		" per GB a month from now.")
	return nil
}

// handleSnapshotsSection is the server page's Snapshots section, loaded by
// htmx; opened directly it is a page of its own.
func (s *Server) handleSnapshotsSection(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := s.snapshotsData(r, in)
	if err != nil {
		return err
	}
	if isHTMX(r) {
		s.render(w, r, http.StatusOK, pages.SnapshotsSection(d))
		return nil
	}
	s.render(w, r, http.StatusOK, pages.SnapshotsPage(s.frame(w, r, "Snapshots of "+in.Label, "servers"), d))
	return nil
}

// snapshotsData gathers the section: the server's snapshots with their
// monthly cost, whether one may be taken, and the customer's count.
func (s *Server) snapshotsData(r *http.Request, in *store.InstanceRow) (pages.SnapshotsData, error) {
	ctx := r.Context()
	d := pages.SnapshotsData{ServerID: in.ID, ServerLabel: in.Label}
	rows, _, err := s.servers.Snapshots(ctx, webrana.SnapshotFilter{InstanceID: in.ID, Page: webrana.Page{PerPage: webrana.MaxPerPage}})
	if err != nil {
		return d, err
	}
	price, err := s.servers.SnapshotPrice(ctx, in.ProviderType)
	if err != nil {
		return d, err
	}
	d.PriceGB = webrana.Money{Amount: price, Currency: webrana.BillingCurrency}
	if d.Limit, err = s.servers.SnapshotLimit(ctx); err != nil {
		return d, err
	}
	if _, d.Kept, err = s.servers.Snapshots(ctx, webrana.SnapshotFilter{OwnerID: in.OwnerID, Page: webrana.Page{PerPage: 1}}); err != nil {
		return d, err
	}
	restorable := lifecycle.Allowed(in.Instance, webrana.ActionRestore) == nil
	for _, row := range rows {
		j := snapshotOut(row)
		d.Items = append(d.Items, pages.SnapshotItem{ID: j.ID, Name: j.Name, Status: j.Status, Region: j.Region, SizeGB: j.SizeGB,
			Monthly: webrana.Money{Amount: j.MonthlyCost, Currency: j.Currency}, Taken: pages.Date(j.CreatedAt),
			Restorable: restorable && j.Status == webrana.SnapshotAvailable, Deletable: j.Status == webrana.SnapshotAvailable})
	}
	if err := lifecycle.Allowed(in.Instance, webrana.ActionSnapshot); err != nil {
		d.Why = webrana.ErrorMessage(err)
	} else {
		d.CanTake = true
	}
	if p := principal(r); p.Session != nil {
		d.CSRF = p.Session.CSRFToken
	}
	return d, nil
}

// handleTakeSnapshotForm takes a snapshot as the snapshot action of POST
// /api/vps/{id}/actions does; a refusal shows the section's page with the
// reason.
func (s *Server) handleTakeSnapshotForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	if _, err := s.actOn(r, in.Instance, lifecycle.Request{Type: webrana.ActionSnapshot, Name: name}); err != nil {
		form, ok := inputError(err)
		if !ok {
			return err
		}
		d, derr := s.snapshotsData(r, in)
		if derr != nil {
			return derr
		}
		d.Form, d.Name = form, name
		s.render(w, r, ErrorStatus(err), pages.SnapshotsPage(s.frame(w, r, "Snapshots of "+in.Label, "servers"), d))
		return nil
	}
	redirectFlash(w, r, "/servers/"+in.ID, "Snapshot “"+name+"” requested for "+in.Label+".")
	return nil
}

// restoreData is the confirmation of restoring a snapshot onto its server;
// another customer's snapshot is not found.
func (s *Server) restoreData(r *http.Request) (*store.InstanceRow, pages.SnapshotRestoreData, error) {
	var d pages.SnapshotRestoreData
	snap, err := s.servers.Snapshot(r.Context(), principal(r).User, r.PathValue("id"))
	if err != nil {
		return nil, d, err
	}
	in, err := s.ownedServer(r.Context(), principal(r), snap.InstanceID)
	if err != nil {
		return nil, d, err
	}
	reg := providers.Of(in.ProviderType)
	d = pages.SnapshotRestoreData{ServerID: in.ID, ServerLabel: in.Label, Password: reg.Capabilities.SnapshotRestorePassword,
		ProviderName: reg.Name, Snapshot: pages.SnapshotItem{ID: snap.ID, Name: snap.Name, Status: snap.Status,
			SizeGB: snap.SizeGB, Taken: pages.Date(snap.CreatedAt)}}
	if p := principal(r); p.Session != nil {
		d.CSRF = p.Session.CSRFToken
	}
	return in, d, nil
}

// handleRestorePage asks before a restore: the server's disk is replaced.
func (s *Server) handleRestorePage(w http.ResponseWriter, r *http.Request) error {
	in, d, err := s.restoreData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.SnapshotRestorePage(s.frame(w, r, "Restore "+in.Label, "servers"), d))
	return nil
}

// handleRestoreForm restores as the restore action of POST
// /api/vps/{id}/actions does; a refusal shows the confirmation again.
func (s *Server) handleRestoreForm(w http.ResponseWriter, r *http.Request) error {
	in, d, err := s.restoreData(r)
	if err != nil {
		return err
	}
	req := lifecycle.Request{Type: webrana.ActionRestore, SnapshotID: d.Snapshot.ID, Password: r.PostFormValue("root_password")}
	if _, err := s.actOn(r, in.Instance, req); err != nil {
		var ok bool
		if d.Err, ok = inputError(err); !ok {
			return err
		}
		if d.Err.Field == "password" {
			d.Err.Field = "root_password" // the form's name for it
		}
		s.render(w, r, ErrorStatus(err), pages.SnapshotRestorePage(s.frame(w, r, "Restore "+in.Label, "servers"), d))
		return nil
	}
	redirectFlash(w, r, "/servers/"+in.ID, "Restoring "+in.Label+" from snapshot “"+d.Snapshot.Name+"”.")
	return nil
}

// handleDeleteSnapshotForm deletes a snapshot as DELETE /api/snapshots/{id}
// does, back to its server's page.
func (s *Server) handleDeleteSnapshotForm(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.servers.DeleteSnapshot(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	redirectFlash(w, r, "/servers/"+snap.InstanceID, "Deleting snapshot “"+snap.Name+"”.")
	return nil
}
