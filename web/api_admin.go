package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
)

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r)
	if err != nil {
		return err
	}
	users, total, err := s.auth.Users(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(users, total, f.Page))
	return nil
}

// userFilter reads a users list's query: ?role= and the page.
func userFilter(r *http.Request) (store.UserFilter, error) {
	page, err := pageParams(r)
	if err != nil {
		return store.UserFilter{}, err
	}
	role := webrana.Role(r.URL.Query().Get("role"))
	if role != "" && !role.Valid() {
		return store.UserFilter{}, webrana.FieldError("role", "role must be admin or customer.")
	}
	return store.UserFilter{Role: role, Page: page}, nil
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
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, total, err := s.auth.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(entries, total, f.Page))
	return nil
}

// auditFilter reads an audit list's query: actor_id, action, target_type,
// target_id, since/until (RFC 3339) and the page.
func auditFilter(r *http.Request) (store.AuditFilter, error) {
	page, err := pageParams(r)
	if err != nil {
		return store.AuditFilter{}, err
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
				return f, webrana.FieldError(t.name, "%s must be an RFC 3339 time, like 2026-11-22T08:00:00Z.", t.name)
			}
		}
	}
	return f, nil
}

// handleListAlerts lists alerts, newest first; ?open=true keeps the open
// ones, ?kind= one kind.
func (s *Server) handleListAlerts(w http.ResponseWriter, r *http.Request) error {
	f, err := alertFilter(r)
	if err != nil {
		return err
	}
	items, total, err := s.alerts.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, total, f.Page))
	return nil
}

// alertFilter reads an alerts list's query: ?open=true|false, ?kind= and
// the page.
func alertFilter(r *http.Request) (store.AlertFilter, error) {
	page, err := pageParams(r)
	if err != nil {
		return store.AlertFilter{}, err
	}
	q := r.URL.Query()
	f := store.AlertFilter{Kind: q.Get("kind"), Page: page}
	switch q.Get("open") {
	case "", "false":
	case "true":
		f.OpenOnly = true
	default:
		return f, webrana.FieldError("open", "open must be true or false.")
	}
	return f, nil
}
