package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// instanceView is an instance as the API shows it: with its provider's and
// plan's names, and the account it runs on for administrators only.
type instanceView struct {
	*webrana.Instance
	// ProviderServerID is the server's id at its provider. The instance's
	// provider_id says the same and is deprecated: in POST /api/vps,
	// provider_id names the provider (its UUID) instead. It stays for one
	// release.
	ProviderServerID string            `json:"provider_server_id,omitempty"`
	ProviderName     string            `json:"provider_name"`
	PlanName         string            `json:"plan_name"`
	Account          *accountBrief     `json:"account,omitempty"`
	Progress         *progressView     `json:"progress,omitempty"`
	Metrics          *lifecycle.Series `json:"metrics,omitempty"` // with ?metrics=HOURS
}

type accountBrief struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// progressView is where the order that created the instance is.
type progressView struct {
	OrderID   string        `json:"order_id"`
	Status    string        `json:"status"`
	Step      string        `json:"step"`
	Message   string        `json:"message,omitempty"`
	Hold      webrana.Money `json:"hold"`
	UpdatedAt time.Time     `json:"updated_at"`
	Attempts  []attemptView `json:"attempts,omitempty"` // administrators only
}

type attemptView struct {
	AccountID   string     `json:"account_id,omitempty"`
	AccountName string     `json:"account_name,omitempty"`
	Outcome     string     `json:"outcome"`
	Error       string     `json:"error,omitempty"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// viewOf is a server as the API shows it to p: with its names, and the
// account it runs on for administrators only.
func viewOf(row *store.InstanceRow, p *auth.Principal) *instanceView {
	v := &instanceView{Instance: row.Instance, ProviderServerID: row.ProviderID, ProviderName: row.ProviderName, PlanName: row.PlanName}
	switch {
	case !p.IsAdmin():
		shown := *row.Instance // a copy: the row stays as read
		shown.AccountID = ""   // which account serves a customer is the reseller's business
		v.Instance = &shown
	case row.AccountID != "":
		v.Account = &accountBrief{ID: row.AccountID, Name: row.AccountName}
	}
	return v
}

// handleCreateVPS places an order: validated against the catalog and the
// plan, then accepted (202) with the instance, which provisions in the
// background. With an Idempotency-Key header the caller used for an order
// before, nothing is placed: that order's instance is the answer (200),
// whatever the body says.
func (s *Server) handleCreateVPS(w http.ResponseWriter, r *http.Request) error {
	var req provision.Request
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	req.IdempotencyKey = r.Header.Get("Idempotency-Key")
	p := principal(r)
	in, again, err := s.placeOrder(r, req)
	if err != nil {
		return err
	}
	v, err := s.answerDetail(r.Context(), in, p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/vps/"+in.ID)
	status := http.StatusAccepted
	if again {
		status = http.StatusOK // placed before with this key: nothing new
	}
	writeJSON(w, status, v)
	return nil
}

// placeOrder places the caller's order, audited by provision, for the API
// and the create-server form alike. again reports an order placed before
// with the request's idempotency key (in is its instance; nothing new is
// placed or audited).
func (s *Server) placeOrder(r *http.Request, req provision.Request) (in *webrana.Instance, again bool, err error) {
	return s.orders.Place(r.Context(), actor(r), req)
}

// handleListVPS lists the caller's instances (administrators: everyone's),
// newest first, filtered by provider and status.
func (s *Server) handleListVPS(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	p := principal(r)
	q := r.URL.Query()
	f, err := instanceFilter(q)
	if err != nil {
		return err
	}
	f.Page = page
	if p.IsAdmin() {
		f.OwnerID, f.AccountID = q.Get("owner_id"), q.Get("account_id")
		f.Estimate = true // with no filter, the total of every server may be estimated (store.Total)
	} else {
		f.OwnerID = p.User.ID
	}
	if c := q.Get("cursor"); c != "" {
		if f.After, err = parseCursor(c); err != nil {
			return err
		}
	}
	out, err := s.instancePage(r, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxSearch is the longest label search: labels are at most 64 characters.
const maxSearch = 64

// instanceFilter reads the filters a customer may set on a list of servers
// (provider, status and a label search), refusing unknown values. The
// pages' server list reads the same ones.
func instanceFilter(q url.Values) (webrana.InstanceFilter, error) {
	f := webrana.InstanceFilter{ProviderType: webrana.ProviderType(q.Get("provider")), Status: webrana.InstanceStatus(q.Get("status")),
		Search: strings.TrimSpace(q.Get("q"))}
	if f.ProviderType != "" && !f.ProviderType.Valid() {
		return f, webrana.FieldError("provider", "provider must be %s.", webrana.ProviderTypesText())
	}
	if f.Status != "" && !f.Status.Valid() {
		return f, webrana.FieldError("status", "Unknown status %q.", f.Status)
	}
	if utf8.RuneCountInString(f.Search) > maxSearch {
		return f, webrana.FieldError("q", "A search is at most %d characters.", maxSearch)
	}
	return f, nil
}

// instancePage is one page of instances with names resolved (one query),
// as the API and the pages show it. The filter must already be scoped to
// the caller.
func (s *Server) instancePage(r *http.Request, f webrana.InstanceFilter) (*instanceList, error) {
	p := principal(r)
	rows, total, err := s.servers.Servers(r.Context(), f)
	if err != nil {
		return nil, err
	}
	views := make([]*instanceView, len(rows))
	for i, row := range rows {
		views[i] = viewOf(row, p)
	}
	out := &instanceList{listResponse: newList(views, total.N, f.Page), Estimated: total.Estimated}
	if len(rows) == f.Page.Normalize().PerPage {
		last := rows[len(rows)-1]
		out.NextCursor = formatCursor(webrana.Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return out, nil
}

// instanceList is a page of instances with the cursor of the next page:
// ?cursor= walks a list of any length at the same speed, where deep
// ?page= offsets slow down.
type instanceList struct {
	listResponse[*instanceView]
	// Estimated says total is the database's estimate, not a count: only
	// an administrator's unfiltered list of every server, when it is
	// large, is estimated (store.Total).
	Estimated  bool   `json:"estimated"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func formatCursor(c webrana.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.CreatedAt.UTC().Format(time.RFC3339Nano) + "," + c.ID))
}

func parseCursor(s string) (*webrana.Cursor, error) {
	bad := webrana.FieldError("cursor", "cursor must be a next_cursor from a previous page.")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(string(raw), ",")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return nil, bad
	}
	return &webrana.Cursor{CreatedAt: t, ID: id}, nil
}

// handleGetVPS shows one instance with its provisioning progress.
func (s *Server) handleGetVPS(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	row, err := s.ownedServer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.instanceDetail(r.Context(), row, p)
	if err != nil {
		return err
	}
	if q := r.URL.Query().Get("metrics"); q != "" {
		hours, err := strconv.Atoi(q)
		if err != nil {
			return webrana.FieldError("metrics", "metrics is a number of hours, 1 to %d.", lifecycle.MaxMetricHours)
		}
		if v.Metrics, err = s.serverMetrics.Get(r.Context(), row.Instance, hours); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// ownedServer returns the server with its names if the caller may see it;
// another customer's server is "not found", as if it did not exist.
func (s *Server) ownedServer(ctx context.Context, p *auth.Principal, id string) (*store.InstanceRow, error) {
	return s.servers.Server(ctx, p.User, id)
}

// answerDetail is instanceDetail of a server as a service just answered it
// (placed, deleting), with its names read beside it.
func (s *Server) answerDetail(ctx context.Context, in *webrana.Instance, p *auth.Principal) (*instanceView, error) {
	row, err := s.ownedServer(ctx, p, in.ID)
	if err != nil {
		return nil, err
	}
	row.Instance = in
	return s.instanceDetail(ctx, row, p)
}

// instanceDetail is a server as GET /api/vps/{id} shows it: with the
// progress of the order that created it (and, for administrators, its
// attempts).
func (s *Server) instanceDetail(ctx context.Context, row *store.InstanceRow, p *auth.Principal) (*instanceView, error) {
	v := viewOf(row, p)
	o, err := s.orders.OrderOf(ctx, row.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return v, nil // adopted, not ordered
	}
	if err != nil {
		return nil, err
	}
	v.Progress = &progressView{OrderID: o.ID, Status: o.Status, Step: o.Step, Message: o.Error,
		Hold: webrana.Money{Amount: o.HoldAmount, Currency: o.Currency}, UpdatedAt: o.UpdatedAt}
	if p.IsAdmin() {
		attempts, err := s.orders.Attempts(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range attempts {
			v.Progress.Attempts = append(v.Progress.Attempts, attemptView{AccountID: a.AccountID, AccountName: a.AccountName,
				Outcome: a.Outcome, Error: a.Error, StartedAt: a.StartedAt, FinishedAt: a.FinishedAt})
		}
	}
	return v, nil
}

// handleVPSAction accepts an action on the caller's server (202): it runs as
// a job; GET /api/vps/{id}/actions shows its progress.
func (s *Server) handleVPSAction(w http.ResponseWriter, r *http.Request) error {
	var req lifecycle.Request
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	row, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	a, err := s.actOn(r, row.Instance, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, a)
	return nil
}

// actOn accepts an action on a server the caller may see, audited by
// lifecycle, for the API and the server page alike.
func (s *Server) actOn(r *http.Request, in *webrana.Instance, req lifecycle.Request) (*webrana.InstanceAction, error) {
	return s.servers.Act(r.Context(), actor(r), in, req)
}

// handleListVPSActions is a server's action history, newest first.
func (s *Server) handleListVPSActions(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	row, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	items, total, err := s.servers.Actions(r.Context(), row.ID, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, total, page))
	return nil
}

// handleDeleteVPS deletes the caller's server (202 while it is deleted at
// the provider; 200 when it already is). The record stays, as deleted.
func (s *Server) handleDeleteVPS(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	row, err := s.ownedServer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	was := row.Status
	in, err := s.deleteServer(r, row.Instance)
	if err != nil {
		return err
	}
	// 200 when there was nothing left to do at the provider; 202 when this
	// request (or an earlier one) set a deletion going, however fast the job.
	status := http.StatusAccepted
	if was == webrana.StatusDeleted || was == webrana.StatusFailed {
		status = http.StatusOK
	}
	v, err := s.answerDetail(r.Context(), in, p)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// deleteServer deletes a server the caller may see, audited once by
// lifecycle (not again while it is deleting or deleted), for the API and
// the server page alike. It returns the server as it is now.
func (s *Server) deleteServer(r *http.Request, in *webrana.Instance) (*webrana.Instance, error) {
	keep, err := keepSnapshots(r) // api_snapshots.go
	if err != nil {
		return nil, err
	}
	return s.servers.DeleteServer(r.Context(), actor(r), in, keep)
}
