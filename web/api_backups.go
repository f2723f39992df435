package web

import (
	"net/http"
)

// handleListVPSBackups is a server's automatic backups at its provider,
// newest first (none while backups are off), a page of them.
func (s *Server) handleListVPSBackups(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	row, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	all, err := s.backups.List(r.Context(), row.Instance)
	if err != nil {
		return err
	}
	page = page.Normalize()
	from := min(page.Offset(), len(all))
	writeJSON(w, http.StatusOK, newList(all[from:min(from+page.PerPage, len(all))], len(all), page))
	return nil
}
