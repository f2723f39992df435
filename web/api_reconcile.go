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
	items, total, err := s.db.ListFindings(r.Context(), r.URL.Query().Get("open") == "true", page)
	if err != nil {
		return err
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
	f, err := s.decide(r, r.PathValue("id"), decision)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

// decide closes an open finding by an operator's decision (destroyed or
// dismissed) and audits it.
func (s *Server) decide(r *http.Request, id, decision string) (*webrana.Finding, error) {
	f, err := s.db.FindingByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if f.Status != webrana.FindingOpen {
		return nil, webrana.Errorf(webrana.ECONFLICT, "This finding was already closed (%s).", f.Status)
	}
	if decision == webrana.FindingDestroyed {
		err = s.reconciler.Destroy(r.Context(), f)
	} else {
		err = s.db.ResolveFinding(r.Context(), f.ID, decision)
	}
	if err != nil {
		return nil, err
	}
	if err := s.auth.Audit(r.Context(), principal(r), "finding."+decision, "finding", f.ID, f.Tag, sourceAddr(r)); err != nil {
		return nil, err
	}
	return s.db.FindingByID(r.Context(), f.ID)
}
