package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web/pages"
)

// revenueRoutes registers the operator's margin: its report in the API and
// its page (issue 17 §3).
func (s *Server) revenueRoutes() {
	s.api("GET /api/admin/revenue", Admin, s.handleRevenue)
	s.ui("GET /admin/revenue", Admin, s.opRevenue)
}

// handleRevenue answers a month's revenue, provider cost and margin
// (?month=YYYY-MM, the current month by default; a month not begun is 400).
func (s *Server) handleRevenue(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.revenue.Report(r.Context(), r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// opRevenue is the Revenue page: a month's three tables. A month refused
// shows the current one's picker with the reason.
func (s *Server) opRevenue(w http.ResponseWriter, r *http.Request) error {
	latest, err := s.revenue.ParseMonth("")
	if err != nil {
		return err
	}
	month := r.URL.Query().Get("month")
	d := pages.OpRevenueData{Month: month, Latest: latest.Format(webrana.MonthLayout)}
	rep, err := s.revenue.Report(r.Context(), month)
	status, msg, err := opRefused(err)
	if err != nil {
		return err
	}
	d.Report, d.Error, d.Month = rep, msg, d.Latest
	if rep != nil {
		d.Month = rep.Month
	}
	s.render(w, r, status, pages.OpRevenue(s.frame(w, r, "Revenue", "admin-revenue"), d))
	return nil
}
