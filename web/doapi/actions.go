package doapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/store"
)

// Droplet actions go through lifecycle's one path (Service.Act: checked,
// audited, sent once by a job), as the panel's and POST /api/vps/{id}/actions'.

type actionJSON struct {
	ID           int64   `json:"id"`
	Status       string  `json:"status"`
	Type         string  `json:"type"`
	StartedAt    string  `json:"started_at"`
	CompletedAt  *string `json:"completed_at"`
	ResourceID   int64   `json:"resource_id"`
	ResourceType string  `json:"resource_type"`
	RegionSlug   string  `json:"region_slug"`
}

// actionTypes are the action types served here.
var actionTypes = map[string]bool{
	webrana.ActionPowerOn: true, webrana.ActionPowerOff: true, webrana.ActionShutdown: true,
	webrana.ActionReboot: true, webrana.ActionPowerCycle: true, webrana.ActionRebuild: true,
	webrana.ActionResize: true, webrana.ActionRename: true, webrana.ActionPassword: true,
	webrana.ActionEnableIPv6: true,
	webrana.ActionSnapshot:   true, // snapshots.go
}

func actionStatus(s string) string {
	switch s {
	case webrana.ActionCompleted:
		return "completed"
	case webrana.ActionErrored:
		return "errored"
	}
	return "in-progress"
}

func actionView(act *webrana.InstanceAction, n, droplet int64, region string) actionJSON {
	v := actionJSON{ID: n, Status: actionStatus(act.Status), Type: act.Type, StartedAt: doTime(act.CreatedAt),
		ResourceID: droplet, ResourceType: "droplet", RegionSlug: region}
	if act.FinishedAt != nil {
		t := doTime(*act.FinishedAt)
		v.CompletedAt = &t
	}
	return v
}

// actionViews renders a server's actions with their numbers.
func (a *API) actionViews(r *http.Request, row *store.InstanceRow, acts []*webrana.InstanceAction) ([]actionJSON, error) {
	refs := []string{row.ID}
	for _, act := range acts {
		refs = append(refs, act.ID)
	}
	numbers, err := a.servers.Numbers(r.Context(), refs)
	if err != nil {
		return nil, err
	}
	out := make([]actionJSON, len(acts))
	for i, act := range acts {
		out[i] = actionView(act, numbers[act.ID], numbers[row.ID], row.Region)
	}
	return out, nil
}

func (a *API) act(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req struct {
		Type  string          `json:"type"`
		Image json.RawMessage `json:"image"` // rebuild
		Size  string          `json:"size"`  // resize
		Name  string          `json:"name"`  // rename, snapshot
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	row, err := a.droplet(r, c)
	if err != nil {
		return err
	}
	if !actionTypes[req.Type] {
		return webrana.FieldError("type", "Action type %q is not offered.", req.Type)
	}
	lr := lifecycle.Request{Type: req.Type, Label: req.Name}
	switch req.Type {
	case webrana.ActionSnapshot: // snapshots.go
		lr.Label, lr.Name = "", req.Name
	case webrana.ActionResize:
		plan, err := a.planBySlug(r.Context(), req.Size, "size")
		if err != nil {
			return err
		}
		lr.PlanID = plan.ID
	case webrana.ActionRebuild:
		if lr.Image, _, err = a.resolveImage(r.Context(), row.ProviderType, req.Image); err != nil {
			return err
		}
	}
	act, err := a.servers.Act(r.Context(), c.actor, row.Instance, lr)
	if err != nil {
		return err
	}
	shown, err := a.actionViews(r, row, []*webrana.InstanceAction{act})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"action": shown[0]})
	return nil
}

func (a *API) listActions(w http.ResponseWriter, r *http.Request, c *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	row, err := a.droplet(r, c)
	if err != nil {
		return err
	}
	acts, total, err := a.servers.Actions(r.Context(), row.ID, page)
	if err != nil {
		return err
	}
	shown, err := a.actionViews(r, row, acts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": shown, "links": pageLinks(r, page, total), "meta": meta{Total: total}})
	return nil
}

func (a *API) getAction(w http.ResponseWriter, r *http.Request, c *caller) error {
	notFound := webrana.Errorf(webrana.ENOTFOUND, "The resource you were accessing could not be found.")
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return notFound
	}
	if ok, err := a.getCreateAction(w, r, c, n); ok { // create_actions.go
		return err
	}
	act, err := a.servers.ActionNumbered(r.Context(), c.user(), n)
	if err != nil {
		return err
	}
	row, err := a.servers.Server(r.Context(), c.user(), act.InstanceID)
	if err != nil {
		return err
	}
	if row.OwnerID != c.user().ID {
		return notFound
	}
	shown, err := a.actionViews(r, row, []*webrana.InstanceAction{act})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"action": shown[0]})
	return nil
}
