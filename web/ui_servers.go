package web

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

const (
	// serversFilterCookie keeps the server list's filter for the browser
	// session: opening /servers without a query applies it again.
	serversFilterCookie = "webrana_servers_filter"
	serversPerPage      = 20
	historyPerPage      = 20
	chartHours          = 24
)

// serverFilterKeys are the server list's filter parameters, as the API
// names them.
var serverFilterKeys = []string{"provider", "status", "q"}

// serverPages registers the customer's server list and server detail with actions, charts and history.
func (s *Server) serverPages() {
	s.ui("GET /servers", SignedIn, s.handleServersPage)
	s.ui("GET /servers/{id}", SignedIn, s.handleServerPage)
	s.ui("GET /servers/{id}/live", SignedIn, s.handleServerLive)
	s.ui("GET /servers/{id}/charts", SignedIn, s.handleServerCharts)
	s.ui("POST /servers/{id}/actions", SignedIn, s.handleServerActionForm)
	s.ui("POST /servers/{id}/delete", SignedIn, s.handleServerDeleteForm)
}

// handleServersPage lists the caller's servers, filtered by provider,
// status and a label search. A submitted filter is kept in a session
// cookie and applied when the list is opened without one; ?clear=1 drops it.
func (s *Server) handleServersPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Has("clear") {
		setCookie(w, r, serversFilterCookie, "", -1)
		http.Redirect(w, r, "/servers", http.StatusSeeOther)
		return nil
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	submitted := slices.ContainsFunc(serverFilterKeys, q.Has)
	source := q
	if !submitted {
		source = url.Values{}
		if c, err := r.Cookie(serversFilterCookie); err == nil {
			source, _ = url.ParseQuery(c.Value)
		}
	}
	chosen := url.Values{}
	for _, k := range serverFilterKeys {
		if v := strings.TrimSpace(source.Get(k)); v != "" {
			chosen.Set(k, v)
		}
	}
	f, ferr := instanceFilter(chosen)
	status := http.StatusOK
	var bad pages.InputError
	switch {
	case ferr != nil && submitted:
		var ok bool
		if bad, ok = inputError(ferr); !ok {
			return ferr
		}
		status = ErrorStatus(ferr)
	case ferr != nil: // a cookie from an older version, or altered: forget it
		setCookie(w, r, serversFilterCookie, "", -1)
		chosen, f = url.Values{}, webrana.InstanceFilter{}
	case submitted && len(chosen) == 0:
		setCookie(w, r, serversFilterCookie, "", -1)
	case submitted:
		setCookie(w, r, serversFilterCookie, chosen.Encode(), 0)
	}
	d := pages.ServersData{Provider: chosen.Get("provider"), Status: chosen.Get("status"), Search: chosen.Get("q"),
		Filtered: len(chosen) > 0, Page: page.Page, PerPage: serversPerPage, PagerBase: "/servers?", Err: bad}
	if len(chosen) > 0 {
		d.PagerBase += chosen.Encode() + "&"
	}
	providers, err := s.catalog.Providers(r.Context())
	if err != nil {
		return err
	}
	for _, p := range providers {
		d.Providers = append(d.Providers, pages.ServerProviderOption{Type: p.Type, Name: p.Name})
	}
	if bad.Message == "" {
		f.OwnerID, f.Page = principal(r).User.ID, webrana.Page{Page: page.Page, PerPage: serversPerPage}
		list, err := s.instancePage(r, f)
		if err != nil {
			return err
		}
		d.Servers, d.Total = serverRows(list.Items), list.Total
	}
	fr := s.frame(w, r, "Servers", "servers")
	fr.Error = bad.Message
	s.render(w, r, status, pages.Servers(fr, d))
	return nil
}

// handleServerPage is one server: specs, addresses, status, cost, progress,
// actions, charts and history.
func (s *Server) handleServerPage(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderServer(w, r, http.StatusOK, in, pages.ServerActionForm{})
}

// renderServer shows the server page with the action form as given (its
// values and refusal kept after a refused action).
func (s *Server) renderServer(w http.ResponseWriter, r *http.Request, status int, in *store.InstanceRow, form pages.ServerActionForm) error {
	d, err := s.serverData(r, in)
	if err != nil {
		return err
	}
	d.Form = form
	fr := s.frame(w, r, in.Label, "servers")
	fr.Error, d.CSRF = form.Err.Message, fr.CSRF
	s.render(w, r, status, pages.ServerDetail(fr, d))
	return nil
}

// handleServerLive is the server page's live region, polled by htmx while
// something is in motion. It loads only what the region shows; the poll
// that finds the server settled brings the history, heading,
// specifications and charts along out of band. Opened directly (not by
// htmx) it is the server page.
func (s *Server) handleServerLive(w http.ResponseWriter, r *http.Request) error {
	in, err := s.fragmentInstance(w, r)
	if in == nil {
		return err
	}
	d, err := s.serverLive(r, in)
	if err != nil {
		return err
	}
	if !d.Polling {
		if err := s.serverSettled(r, in, &d); err != nil {
			return err
		}
	}
	if p := principal(r); p.Session != nil {
		d.CSRF = p.Session.CSRFToken
	}
	s.render(w, r, http.StatusOK, pages.ServerLiveUpdate(d))
	return nil
}

// handleServerCharts is the CPU and bandwidth charts of the last day, as a
// fragment the server page loads after it is shown (opened directly, it is
// the server page). Metrics that cannot be had are a quiet note, never an
// error page.
func (s *Server) handleServerCharts(w http.ResponseWriter, r *http.Request) error {
	in, err := s.fragmentInstance(w, r)
	if in == nil {
		return err
	}
	c := pages.ServerChartsData{Hours: chartHours}
	if in.Status != webrana.StatusActive && in.Status != webrana.StatusOff {
		c.Unavailable = "Charts are shown while the server is running or stopped."
	} else if series, err := s.serverMetrics.Get(r.Context(), in.Instance, chartHours); err != nil {
		if ErrorStatus(err) >= http.StatusInternalServerError && webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
			s.logger.ErrorContext(r.Context(), "server metrics", "instance", in.ID, "err", err)
		}
		c.Unavailable = "Metrics are not available right now; they will be back shortly."
	} else {
		from, to := series.FetchedAt.Add(-chartHours*time.Hour), series.FetchedAt
		c.CPU = serverChart("chart-cpu", "CPU", "%", series.CPU, from, to)
		c.Bandwidth = serverChart("chart-bandwidth", "Public bandwidth out", "bit/s", series.Bandwidth, from, to)
	}
	s.render(w, r, http.StatusOK, pages.ServerCharts(c))
	return nil
}

// fragmentInstance is the caller's server a fragment of its page is about.
// Opened directly rather than by htmx, the fragment answers with a redirect
// to the whole page, and nil is returned with no error: nothing more to do.
func (s *Server) fragmentInstance(w http.ResponseWriter, r *http.Request) (*store.InstanceRow, error) {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/servers/"+in.ID, http.StatusSeeOther)
		return nil, nil
	}
	return in, nil
}

// handleServerActionForm requests an action as POST /api/vps/{id}/actions
// does; a refusal shows the server page again with the reason.
func (s *Server) handleServerActionForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	req := lifecycle.Request{Type: r.PostFormValue("type"), Image: r.PostFormValue("image"), PlanID: r.PostFormValue("plan_id"),
		Label: r.PostFormValue("label"), Password: r.PostFormValue("root_password")}
	form := pages.ServerActionForm{Type: req.Type, Image: req.Image, PlanID: req.PlanID, Label: req.Label}
	a, err := s.actOn(r, in.Instance, req)
	if err != nil {
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		if form.Err.Field == "password" {
			form.Err.Field = "root_password" // the form's name for it
		}
		return s.renderServer(w, r, ErrorStatus(err), in, form)
	}
	redirectFlash(w, r, "/servers/"+in.ID, pages.ServerActionName(a.Type)+" requested for "+in.Label+".")
	return nil
}

// handleServerDeleteForm deletes the server as DELETE /api/vps/{id} does.
func (s *Server) handleServerDeleteForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	after, err := s.deleteServer(r, in.Instance)
	if err != nil {
		form := pages.ServerActionForm{Type: webrana.ActionDelete}
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		return s.renderServer(w, r, ErrorStatus(err), in, form)
	}
	message := "Deleting " + in.Label + "."
	if after.Status == webrana.StatusDeleted {
		message = in.Label + " is deleted."
	}
	redirectFlash(w, r, "/servers/"+in.ID, message)
	return nil
}

// serverData gathers what the server page shows.
func (s *Server) serverData(r *http.Request, in *store.InstanceRow) (pages.ServerData, error) {
	d, err := s.serverLive(r, in)
	if err != nil {
		return d, err
	}
	return d, s.serverSettled(r, in, &d)
}

// serverLive gathers what the live region shows, and no more, as it is
// polled every two seconds: the server with its plan and provider, its
// order's progress and the action under way.
func (s *Server) serverLive(r *http.Request, in *store.InstanceRow) (pages.ServerData, error) {
	ctx := r.Context()
	shown := *in.Instance
	if !principal(r).IsAdmin() {
		shown.AccountID = "" // as the API shows it
	}
	d := pages.ServerData{Server: pages.ServerRow{Instance: &shown, ProviderName: in.ProviderName},
		Charts: in.Status == webrana.StatusActive || in.Status == webrana.StatusOff}
	plan, err := s.plans.Get(ctx, in.PlanID)
	switch {
	case err == nil:
		d.Plan, d.Server.PlanName = plan, plan.Name
	case webrana.ErrorCode(err) != webrana.ENOTFOUND:
		return d, err
	}
	o, err := s.orders.OrderOf(ctx, in.ID)
	switch {
	case err == nil:
		d.Progress = serverProgress(o)
	case webrana.ErrorCode(err) != webrana.ENOTFOUND: // adopted servers have no order
		return d, err
	}
	// The newest action is the one under way, if any: one may run at a time.
	latest, _, err := s.servers.Actions(ctx, in.ID, webrana.Page{PerPage: 1})
	if err != nil {
		return d, err
	}
	if len(latest) > 0 && (latest[0].Status == webrana.ActionQueued || latest[0].Status == webrana.ActionInProgress) {
		d.Busy = latest[0]
	}
	d.Polling = d.Busy != nil || in.Status == webrana.StatusDeleting || in.Status == webrana.StatusPending ||
		in.Status == webrana.StatusProvisioning || in.Status == webrana.StatusHeld ||
		(o != nil && (o.Status == webrana.OrderPending || o.Status == webrana.OrderRunning || o.Status == webrana.OrderHeld))
	return d, nil
}

// serverSettled adds what the page shows besides the live region: the
// history and the month's cost, and once nothing is in motion the actions
// with their choices.
func (s *Server) serverSettled(r *http.Request, in *store.InstanceRow, d *pages.ServerData) error {
	ctx := r.Context()
	var err error
	if d.History, d.HistoryTotal, err = s.servers.Actions(ctx, in.ID, webrana.Page{PerPage: historyPerPage}); err != nil {
		return err
	}
	if !d.Polling {
		d.Actions = serverActions(in.Instance)
	}
	if d.Firewall, err = s.firewallSection(r, in, d.Busy != nil); err != nil { // server_firewall.templ
		return err
	}
	if serverOffers(d.Actions, webrana.ActionResize) && d.Plan != nil {
		if d.Plans, err = s.resizePlans(r, in.Instance, d.Plan); err != nil {
			return err
		}
	}
	if serverOffers(d.Actions, webrana.ActionRebuild) {
		d.Images, d.ImagesUnavailable = s.rebuildImages(r, in.Instance)
	}
	currency := Currency
	if d.Plan != nil {
		currency = d.Plan.Currency
	}
	var month time.Time
	if d.Cost, month, err = s.ledger.MonthCost(ctx, in.Instance, currency); err != nil {
		return err
	}
	d.Month = month.Format("January 2006")
	return nil
}

func serverOffers(actions []pages.ServerAction, typ string) bool {
	return slices.ContainsFunc(actions, func(a pages.ServerAction) bool { return a.Type == typ })
}

// resizePlans are the plans lifecycle lets the server grow to.
func (s *Server) resizePlans(r *http.Request, in *webrana.Instance, cur *webrana.Plan) ([]pages.ServerPlanOption, error) {
	plans, err := s.plans.List(r.Context(), in.ProviderType, true)
	if err != nil {
		return nil, err
	}
	var out []pages.ServerPlanOption
	for _, p := range plans {
		if lifecycle.CanResize(in, cur, p) != nil {
			continue
		}
		out = append(out, pages.ServerPlanOption{ID: p.ID, Name: p.Name, Detail: pages.ServerPlanSpecs(p) + " · " + pages.Price(p.PriceMonthly, p.Currency) + "/month"})
	}
	return out, nil
}

// rebuildImages are the provider's OS images lifecycle lets the server be
// rebuilt from, grouped by distribution; unavailable when the catalog
// cannot be read (the form then takes an image slug as text).
func (s *Server) rebuildImages(r *http.Request, in *webrana.Instance) ([]pages.ServerImageGroup, bool) {
	images, err := s.catalog.GetImages(r.Context(), in.ProviderType, cloud.ImageDistribution)
	if err != nil {
		return nil, true
	}
	var groups []pages.ServerImageGroup
	for _, im := range images.Items {
		if lifecycle.CanRebuild(in, im) != nil {
			continue
		}
		family := cmp.Or(im.Distribution, "Other")
		i := slices.IndexFunc(groups, func(g pages.ServerImageGroup) bool { return g.Family == family })
		if i < 0 {
			groups = append(groups, pages.ServerImageGroup{Family: family})
			i = len(groups) - 1
		}
		groups[i].Images = append(groups[i].Images, pages.ServerImageOption{Slug: im.Slug, Name: cmp.Or(im.Name, im.Slug)})
	}
	return groups, false
}

// serverActionOrder is every action, in the order the page shows them.
var serverActionOrder = []string{webrana.ActionPowerOn, webrana.ActionShutdown, webrana.ActionReboot, webrana.ActionPowerOff,
	webrana.ActionPowerCycle, webrana.ActionEnableIPv6, webrana.ActionRename, webrana.ActionResize, webrana.ActionRebuild,
	webrana.ActionPassword, webrana.ActionDelete}

// serverActions are the actions lifecycle allows the server in its state
// and on its provider: exactly those it would not refuse for that reason.
func serverActions(in *webrana.Instance) []pages.ServerAction {
	var out []pages.ServerAction
	for _, t := range serverActionOrder {
		if lifecycle.Allowed(in, t) == nil {
			out = append(out, pages.NewServerAction(in, t))
		}
	}
	return out
}

// serverProgress is the progress of the order that creates a server as the
// page shows it: its steps, done up to the current one.
func serverProgress(o *webrana.Order) *pages.ServerProgress {
	out := &pages.ServerProgress{Status: o.Status, Step: o.Step, Message: o.Error, Hold: webrana.Money{Amount: o.HoldAmount, Currency: o.Currency},
		Failed: o.Status == webrana.OrderFailed, Held: o.Status == webrana.OrderHeld, Done: o.Status == webrana.OrderSucceeded}
	steps := []struct{ step, label string }{
		{webrana.StepQueued, "Order accepted"},
		{webrana.StepWaiting, "Waiting for capacity"},
		{webrana.StepCreating, "Creating the server"},
		{webrana.StepBooting, "Booting"},
		{webrana.StepDone, "Ready"},
	}
	current := slices.IndexFunc(steps, func(st struct{ step, label string }) bool { return st.step == o.Step })
	for i, st := range steps {
		if st.step == webrana.StepWaiting && o.Step != webrana.StepWaiting {
			continue // only shown while held
		}
		state := ""
		switch {
		case out.Done || (current >= 0 && i < current):
			state = "done"
		case i == current && !out.Failed:
			state = "current"
		}
		out.Steps = append(out.Steps, pages.ServerProgressStep{Label: st.label, State: state})
	}
	return out
}

// Chart geometry: the plot area inside the SVG's 600×180 view box (the
// axes in pages.ServerCharts are drawn on the same lines).
const (
	plotL, plotR        = 44, 592
	plotTop, plotBottom = 12, 156
	chartTimeFormat     = "2 Jan 15:04"
	chartMaxPoints      = 600
)

// serverChart draws a series between from and to as an SVG polyline and area.
func serverChart(id, title, unit string, points []lifecycle.Point, from, to time.Time) pages.ServerChart {
	c := pages.ServerChart{ID: id, Title: title, Unit: unit, From: from.UTC().Format(chartTimeFormat), To: to.UTC().Format(chartTimeFormat) + " UTC"}
	if len(points) == 0 {
		c.Empty = true
		return c
	}
	if len(points) > chartMaxPoints { // more points than pixels: keep every n-th
		step := (len(points) + chartMaxPoints - 1) / chartMaxPoints
		var thinned []lifecycle.Point
		for i := 0; i < len(points); i += step {
			thinned = append(thinned, points[i])
		}
		points = append(thinned, points[len(points)-1])
	}
	top := 0.0
	for _, p := range points {
		top = max(top, p.Value)
	}
	top = chartCeil(top)
	span := to.Sub(from).Seconds()
	x := func(t time.Time) float64 {
		f := 0.0
		if span > 0 {
			f = min(max(t.Sub(from).Seconds()/span, 0), 1)
		}
		return plotL + f*(plotR-plotL)
	}
	y := func(v float64) float64 { return plotBottom - min(max(v/top, 0), 1)*(plotBottom-plotTop) }
	var line, area strings.Builder
	for i, p := range points {
		px, py := x(p.Time), y(p.Value)
		if i > 0 {
			line.WriteByte(' ')
		}
		fmt.Fprintf(&line, "%.1f,%.1f", px, py)
		if i == 0 {
			fmt.Fprintf(&area, "M%.1f,%d ", px, plotBottom)
		}
		fmt.Fprintf(&area, "L%.1f,%.1f ", px, py)
	}
	fmt.Fprintf(&area, "L%.1f,%dZ", x(points[len(points)-1].Time), plotBottom)
	c.Line, c.Area = line.String(), area.String()
	c.Max = chartValue(top)
	c.Last = chartValue(points[len(points)-1].Value) + " " + unit
	c.Label = fmt.Sprintf("%s over the last %d hours, on a scale to %s %s; now %s.", title, chartHours, c.Max, unit, c.Last)
	return c
}

// chartCeil rounds a chart's top up to 1, 2 or 5 times a power of ten.
func chartCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// chartValue shows a sample briefly, with k, M or G for large values.
func chartValue(v float64) string {
	suffix := ""
	for _, s := range []string{"k", "M", "G"} {
		if math.Abs(v) < 1000 {
			break
		}
		v, suffix = v/1000, s
	}
	decimals := 2
	switch a := math.Abs(v); {
	case a >= 100:
		decimals = 0
	case a >= 10:
		decimals = 1
	}
	out := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out + suffix
}
