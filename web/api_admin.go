package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
)

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	role := webrana.Role(r.URL.Query().Get("role"))
	if role != "" && !role.Valid() {
		return webrana.FieldError("role", "role must be admin or customer.")
	}
	users, total, err := s.db.ListUsers(r.Context(), store.UserFilter{Role: role, Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(users, total, page))
	return nil
}

type updateUserRequest struct {
	Role     *webrana.Role `json:"role"`
	Disabled *bool         `json:"disabled"`
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	var req updateUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	u, err := s.auth.ChangeUser(r.Context(), principal(r), r.PathValue("id"),
		auth.UserChange{Role: req.Role, Disabled: req.Disabled}, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// handleListAudit lists audit entries, newest first, filtered by actor_id,
// action, target_type, target_id, and since/until (RFC 3339 times).
func (s *Server) handleListAudit(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.AuditFilter{ActorID: q.Get("actor_id"), Action: q.Get("action"),
		TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Page: page}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.name); v != "" {
			if *t.dst, err = time.Parse(time.RFC3339, v); err != nil {
				return webrana.FieldError(t.name, "%s must be an RFC 3339 time, like 2026-11-22T08:00:00Z.", t.name)
			}
		}
	}
	entries, total, err := s.db.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(entries, total, page))
	return nil
}

// handleListAlerts lists alerts, newest first; ?open=true keeps the open
// ones, ?kind= one kind.
func (s *Server) handleListAlerts(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.AlertFilter{Kind: q.Get("kind"), Page: page}
	switch q.Get("open") {
	case "", "false":
	case "true":
		f.OpenOnly = true
	default:
		return webrana.FieldError("open", "open must be true or false.")
	}
	items, total, err := s.db.ListAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, total, page))
	return nil
}
