package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Action statuses.
const (
	doInProgress = "in-progress"
	doCompleted  = "completed"
	doErrored    = "errored"
)

// doAction is a droplet action as saved. It completes at CompleteAt (on the
// Sim's clock); its effect on the droplet is applied then, or at LagUntil
// when a status_lag_ms fault delays it (zero once applied). An Ignored
// shutdown completes without one.
type doAction struct {
	ID          int        `json:"id"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	StartedAt   time.Time  `json:"started_at"`
	CompleteAt  time.Time  `json:"complete_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	LagUntil    time.Time  `json:"lag_until,omitzero"`
	Ignored     bool       `json:"ignored,omitempty"`
	DropletID   int        `json:"droplet_id"`
	Region      string     `json:"region"`
	// Parameters, by type.
	Size  string `json:"size,omitempty"`  // resize
	Disk  bool   `json:"disk,omitempty"`  // resize
	Image int    `json:"image,omitempty"` // rebuild; snapshot: the new image's id
	Name  string `json:"name,omitempty"`  // rename, snapshot
}

type doActionJSON struct {
	ID           int     `json:"id"`
	Status       string  `json:"status"`
	Type         string  `json:"type"`
	StartedAt    string  `json:"started_at"`
	CompletedAt  *string `json:"completed_at"`
	ResourceID   int     `json:"resource_id"`
	ResourceType string  `json:"resource_type"`
	RegionSlug   string  `json:"region_slug"`
}

// appendJSON appends the action's JSON, splicing in its region.
func (a *doAction) appendJSON(b []byte) []byte {
	cat := doCatalog()
	out := doActionJSON{ID: a.ID, Status: a.Status, Type: a.Type, StartedAt: doTime(a.StartedAt), ResourceID: a.DropletID,
		ResourceType: "droplet", RegionSlug: a.Region}
	if a.CompletedAt != nil {
		t := doTime(*a.CompletedAt)
		out.CompletedAt = &t
	}
	j := doAppend(nil, out)
	b = append(b, j[:len(j)-1]...)
	b = append(b, `,"region":`...)
	return append(append(b, cat.raw[cat.regionBySlug[a.Region]]...), '}')
}

func doAppendAction(b []byte, a *doAction) []byte { return a.appendJSON(b) }

func (a *doAction) object() []byte { return doObject(doField{"action", a.appendJSON(nil)}) }

// startAction records an in-progress action on a droplet, due after delay
// (its effect later if a fault makes the status lag).
func (st *doState) startAction(c *call, d *doDroplet, typ string, delay time.Duration) *doAction {
	now := c.now.UTC().Truncate(time.Second)
	a := &doAction{ID: c.sim.ids.next("action", 2100000000), Type: typ, Status: doInProgress, StartedAt: now,
		CompleteAt: c.now.Add(delay), DropletID: d.ID, Region: d.Region}
	if lag := c.statusLag(); lag > 0 {
		a.LagUntil = a.CompleteAt.Add(lag)
	}
	st.Actions[a.ID] = a
	st.pending = append(st.pending, a.ID)
	d.ActionIDs = append(d.ActionIDs, a.ID)
	return a
}

// busy reports whether the droplet has an action in progress (a droplet
// being created counts).
func (st *doState) busy(d *doDroplet) bool {
	if n := len(d.ActionIDs); n > 0 {
		a := st.Actions[d.ActionIDs[n-1]]
		return a != nil && a.Status == doInProgress
	}
	return false
}

// effectAt is when the action's effect on the droplet is due.
func (a *doAction) effectAt() time.Time {
	if !a.LagUntil.IsZero() {
		return a.LagUntil
	}
	return a.CompleteAt
}

// pending reports whether the action is in progress or its effect is still
// due.
func (a *doAction) pending() bool { return a.Status == doInProgress || !a.LagUntil.IsZero() }

// finish reports the action done: completed, or errored if its droplet
// was destroyed meanwhile.
func (st *doState) finish(a *doAction) {
	at := a.CompleteAt.UTC().Truncate(time.Second)
	a.CompletedAt = &at
	a.Status = doCompleted
	if st.Droplets[a.DropletID] == nil {
		a.Status = doErrored
	}
}

// apply makes the action's effect on its droplet.
func (st *doState) apply(a *doAction) {
	a.LagUntil = time.Time{}
	d := st.Droplets[a.DropletID]
	if d == nil || a.Status != doCompleted || a.Ignored {
		return
	}
	at := a.CompletedAt.UTC()
	switch a.Type {
	case "create":
		d.Status, d.Networked = doActive, true
	case "power_off", "shutdown":
		d.Status = doOff
	case "power_on", "reboot", "power_cycle", "password_reset", "restore":
		d.Status = doActive
	case "rebuild":
		d.Image, d.Status = a.Image, doActive
	case "resize": // the droplet stays off, as after a real resize
		size := doCatalog().sizeBySlug[a.Size]
		d.Size, d.Memory, d.Vcpus = size.Slug, size.Memory, size.Vcpus
		if a.Disk {
			d.Disk = size.Disk
		}
	case "rename":
		d.Name = a.Name
	case "enable_ipv6":
		d.IPv6 = true
	case "enable_backups":
		d.Backups = true
	case "disable_backups":
		d.Backups = false
	case "snapshot":
		distribution := "Unknown"
		if src := st.image(d.Image); src != nil {
			distribution = src.Distribution
		}
		st.Snapshots[a.Image] = &doImage{ID: a.Image, Name: a.Name, Type: "snapshot", Distribution: distribution,
			Public: false, Regions: []string{d.Region}, CreatedAt: doTime(at), MinDiskSize: d.Disk,
			SizeGigabytes: 1.2 + float64(a.Image%300)/100, Tags: []string{}, Status: "available"}
		d.SnapshotIDs = append(d.SnapshotIDs, a.Image)
	}
	d.backupsChanged(at) // digitalocean_backups.go
}

// doActionRequest is the body of POST /v2/droplets/{id}/actions.
type doActionRequest struct {
	Type  string          `json:"type"`
	Size  string          `json:"size"`
	Disk  bool            `json:"disk"`
	Image json.RawMessage `json:"image"`
	Name  string          `json:"name"`
}

// doActionTypes are the droplet actions the simulator performs.
var doActionTypes = []string{"power_on", "power_off", "shutdown", "reboot", "power_cycle", "rebuild", "resize",
	"rename", "enable_ipv6", "password_reset", "snapshot", "restore", "enable_backups", "disable_backups"}

func (d *digitalOcean) postDropletAction(c *call) {
	st, drop := d.droplet(c)
	if drop == nil {
		return
	}
	var req doActionRequest
	if !d.decode(c, &req) {
		return
	}
	if !slices.Contains(doActionTypes, req.Type) {
		d.writeError(c, http.StatusUnprocessableEntity, fmt.Sprintf("%q is not a valid action type.", req.Type))
		return
	}
	if st.busy(drop) {
		d.writeError(c, http.StatusUnprocessableEntity, "Droplet already has a pending event.")
		return
	}
	drop.takeBackups(c) // a restore may name a backup due by now
	params, msg := st.validateAction(drop, &req)
	if msg != "" {
		d.writeError(c, http.StatusUnprocessableEntity, msg)
		return
	}
	a := st.startAction(c, drop, req.Type, c.sim.cfg.ActionDelay)
	a.Size, a.Disk, a.Image, a.Name = params.Size, params.Disk, params.Image, params.Name
	a.Ignored = req.Type == "shutdown" && c.ignoresShutdown()
	if req.Type == "snapshot" {
		a.Image = c.sim.ids.next("image", 170000000)
		if a.Name == "" {
			a.Name = fmt.Sprintf("%s-%d", drop.Name, c.now.UnixMilli())
		}
	}
	doWriteRaw(c, http.StatusCreated, a.object())
}

// validateAction checks an action's parameters against the droplet, as the
// real API does, returning them resolved or a 422 message.
func (st *doState) validateAction(d *doDroplet, req *doActionRequest) (doAction, string) {
	var p doAction
	switch req.Type {
	case "resize":
		size := doCatalog().sizeBySlug[req.Size]
		switch {
		case size == nil || !size.Available:
			return p, "You specified an invalid size for Droplet resize."
		case !size.availableIn(d.Region):
			return p, "Size is not available in this region."
		case d.Status != doOff:
			return p, "Droplet is currently on. Please power it off to run this event."
		case size.Disk < d.Disk:
			return p, "This size is not available because it has a smaller disk."
		}
		p.Size, p.Disk = size.Slug, req.Disk
	case "rebuild":
		img := st.resolveImage(req.Image)
		switch {
		case img == nil:
			return p, "You specified an invalid image for Droplet rebuild."
		case img.MinDiskSize > d.Disk:
			return p, fmt.Sprintf("The image requires a disk of at least %d GB.", img.MinDiskSize)
		}
		p.Image = img.ID
	case "rename":
		if !doValidName(req.Name) {
			return p, doBadName
		}
		p.Name = req.Name
	case "snapshot":
		p.Name = req.Name
	case "restore":
		return st.validateRestore(d, req.Image)
	}
	return p, ""
}

func (d *digitalOcean) listDropletActions(c *call) {
	st, drop := d.droplet(c)
	if drop == nil {
		return
	}
	list := make([]*doAction, 0, len(drop.ActionIDs))
	for i := len(drop.ActionIDs) - 1; i >= 0; i-- { // newest first
		list = append(list, st.Actions[drop.ActionIDs[i]])
	}
	doList(c, "actions", list, doAppendAction)
}

func (d *digitalOcean) getDropletAction(c *call) {
	st, drop := d.droplet(c)
	if drop == nil {
		return
	}
	id, _ := doPathID(c, "action")
	if a := st.Actions[id]; a != nil && a.DropletID == drop.ID {
		doWriteRaw(c, http.StatusOK, a.object())
		return
	}
	d.writeError(c, http.StatusNotFound, doNotFound)
}

func (d *digitalOcean) listActions(c *call) {
	st := c.do()
	ids := make([]int, 0, len(st.Actions))
	for id := range st.Actions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids) // newest first
	list := make([]*doAction, len(ids))
	for i, id := range ids {
		list[i] = st.Actions[id]
	}
	doList(c, "actions", list, doAppendAction)
}

func (d *digitalOcean) getAction(c *call) {
	id, _ := doPathID(c, "action")
	if a := c.do().Actions[id]; a != nil {
		doWriteRaw(c, http.StatusOK, a.object())
		return
	}
	d.writeError(c, http.StatusNotFound, doNotFound)
}

// doActionHREF is an action's absolute URL.
func doActionHREF(c *call, id int) string { return doBaseURL(c) + "/v2/actions/" + strconv.Itoa(id) }
