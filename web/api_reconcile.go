package web

import (
	"net/http"

	"github.com/webrana/webrana"
)

// handleListFindings lists reconciliation findings (?open=true: those
// awaiting a decision), newest first.
func (s *Server) handleListFindings(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	rows, total, err := s.reconciler.Findings(r.Context(), r.URL.Query().Get("open") == "true", page)
	if err != nil {
		return err
	}
	items := make([]*webrana.Finding, len(rows))
	for i, f := range rows {
		items[i] = f.Finding
	}
	writeJSON(w, http.StatusOK, newList(items, total, page))
	return nil
}

// handleDestroyFinding deletes an orphan at its provider.
func (s *Server) handleDestroyFinding(w http.ResponseWriter, r *http.Request) error {
	return s.decideFinding(w, r, webrana.FindingDestroyed)
}

// handleDismissFinding keeps an orphan on purpose (it is someone's).
func (s *Server) handleDismissFinding(w http.ResponseWriter, r *http.Request) error {
	return s.decideFinding(w, r, webrana.FindingDismissed)
}

func (s *Server) decideFinding(w http.ResponseWriter, r *http.Request, decision string) error {
	f, err := s.reconciler.Decide(r.Context(), actor(r), r.PathValue("id"), decision)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
