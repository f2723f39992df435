package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web/pages"
)

// dashboardServers is how many recent servers the dashboard shows.
const dashboardServers = 5

// handleDashboard is the landing page: balance and recent servers.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) error {
	ctx, me := r.Context(), principal(r).User
	balance, err := s.ledger.Balance(ctx, me.ID)
	if err != nil {
		return err
	}
	d := pages.DashboardData{Balance: balance, Dunning: balance.Amount < 0}
	mine := webrana.InstanceFilter{OwnerID: me.ID, Page: webrana.Page{PerPage: dashboardServers}}
	list, err := s.instancePage(r, mine)
	if err != nil {
		return err
	}
	d.Servers, d.Total = serverRows(list.Items), list.Total
	running := mine // only its total is read
	running.Status, running.Page = webrana.StatusActive, webrana.Page{PerPage: 1}
	_, active, err := s.servers.Servers(ctx, running)
	if err != nil {
		return err
	}
	d.Running = active.N
	s.render(w, r, http.StatusOK, pages.Dashboard(s.frame(w, r, "Dashboard", "home"), d))
	return nil
}

// serverRows turns instance views into table rows.
func serverRows(views []*instanceView) []pages.ServerRow {
	rows := make([]pages.ServerRow, len(views))
	for i, v := range views {
		rows[i] = pages.ServerRow{Instance: v.Instance, ProviderName: v.ProviderName, PlanName: v.PlanName}
		if v.Account != nil {
			rows[i].AccountName = v.Account.Name
		}
	}
	return rows
}
