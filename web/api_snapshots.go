package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/store"
)

// Snapshots (issue 19): taken and restored through POST
// /api/vps/{id}/actions ({"type":"snapshot","name"},
// {"type":"restore","snapshot_id"}), listed per server and per customer,
// deleted one by one. A customer sees only their own; another's is 404.

// snapshotRoutes declares the snapshot routes.
func (s *Server) snapshotRoutes() {
	s.api("GET /api/vps/{id}/snapshots", SignedIn, s.handleListServerSnapshots)
	s.api("GET /api/snapshots", SignedIn, s.handleListSnapshots)
	s.api("DELETE /api/snapshots/{id}", SignedIn, s.handleDeleteSnapshot)
	s.api("GET /api/admin/snapshot-limit", Admin, s.handleGetSnapshotLimit)
	s.api("PATCH /api/admin/snapshot-limit", Admin, s.handleSetSnapshotLimit)
	s.snapshotPageRoutes() // ui_snapshots.go
}

// snapshotJSON is a snapshot as the API shows it, with its price.
type snapshotJSON struct {
	ID           string               `json:"id"`
	InstanceID   string               `json:"instance_id"`
	ServerLabel  string               `json:"server_label"`
	ProviderType webrana.ProviderType `json:"provider_type"`
	Name         string               `json:"name"`
	SizeGB       int                  `json:"size_gb"`
	Region       string               `json:"region"`
	Status       string               `json:"status"`
	CreatedAt    time.Time            `json:"created_at"`
	AvailableAt  *time.Time           `json:"available_at,omitempty"`
	DeletedAt    *time.Time           `json:"deleted_at,omitempty"`
	PriceGBMonth int64                `json:"price_gb_month"`
	MonthlyCost  int64                `json:"monthly_cost"`
	Currency     string               `json:"currency"`
}

func snapshotOut(r *store.SnapshotRow) snapshotJSON {
	_, monthly, err := billing.SnapshotPrices(r.SizeGB, r.PriceGBMonth)
	if err != nil {
		monthly = 0 // out of range: never billed (the meter logs it)
	}
	return snapshotJSON{ID: r.ID, InstanceID: r.InstanceID, ServerLabel: r.InstanceLabel, ProviderType: r.ProviderType,
		Name: r.Name, SizeGB: r.SizeGB, Region: r.Region, Status: r.Status, CreatedAt: r.CreatedAt, AvailableAt: r.AvailableAt,
		DeletedAt: r.DeletedAt, PriceGBMonth: r.PriceGBMonth, MonthlyCost: monthly, Currency: webrana.BillingCurrency}
}

func snapshotsOut(rows []*store.SnapshotRow) []snapshotJSON {
	out := make([]snapshotJSON, 0, len(rows))
	for _, r := range rows {
		out = append(out, snapshotOut(r))
	}
	return out
}

// handleListServerSnapshots lists a server's snapshots (the caller's
// server; any for an administrator).
func (s *Server) handleListServerSnapshots(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	row, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, total, err := s.servers.Snapshots(r.Context(), webrana.SnapshotFilter{InstanceID: row.ID, Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(snapshotsOut(rows), total, page))
	return nil
}

// handleListSnapshots lists the caller's own snapshots, those of deleted
// servers too.
func (s *Server) handleListSnapshots(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	rows, total, err := s.servers.Snapshots(r.Context(), webrana.SnapshotFilter{OwnerID: principal(r).User.ID, Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(snapshotsOut(rows), total, page))
	return nil
}

// handleDeleteSnapshot deletes one of the caller's snapshots (202).
func (s *Server) handleDeleteSnapshot(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.servers.DeleteSnapshot(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	row, err := s.snapshotRow(r, snap)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, snapshotOut(row))
	return nil
}

// snapshotRow is a snapshot with its server's label and its price.
func (s *Server) snapshotRow(r *http.Request, snap *webrana.Snapshot) (*store.SnapshotRow, error) {
	srv, err := s.ownedServer(r.Context(), principal(r), snap.InstanceID)
	if err != nil {
		return nil, err
	}
	price, err := s.servers.SnapshotPrice(r.Context(), snap.ProviderType)
	if err != nil {
		return nil, err
	}
	return &store.SnapshotRow{Snapshot: snap, InstanceLabel: srv.Label, PriceGBMonth: price}, nil
}

// keepSnapshots reads keep_snapshots (a server's deletion keeps its
// snapshots unless it is false).
func keepSnapshots(r *http.Request) (bool, error) {
	switch r.FormValue("keep_snapshots") {
	case "", "true", "1", "on":
		return true, nil
	case "false", "0", "off":
		return false, nil
	}
	return false, webrana.FieldError("keep_snapshots", "keep_snapshots is true or false.")
}

// snapshotLimitJSON is the operator's per-customer snapshot limit.
type snapshotLimitJSON struct {
	Limit *int `json:"limit"`
}

// handleGetSnapshotLimit shows how many snapshots a customer may keep.
func (s *Server) handleGetSnapshotLimit(w http.ResponseWriter, r *http.Request) error {
	n, err := s.servers.SnapshotLimit(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, snapshotLimitJSON{Limit: &n})
	return nil
}

// handleSetSnapshotLimit sets how many snapshots a customer may keep.
func (s *Server) handleSetSnapshotLimit(w http.ResponseWriter, r *http.Request) error {
	var req snapshotLimitJSON
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Limit == nil {
		return webrana.FieldError("limit", "Give the limit: a number of snapshots.")
	}
	if err := s.servers.SetSnapshotLimit(r.Context(), actor(r), *req.Limit); err != nil {
		return err
	}
	return s.handleGetSnapshotLimit(w, r)
}
