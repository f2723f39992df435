package cloudsim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Linode instances: create, list, get, update and delete (the actions are in
// linode_actions.go, the events they record in linode_events.go). Creation
// moves the Linode through provisioning on the Sim's clock (CreateDelay).

func linodeStateOf(c *call) *linodeState {
	st := c.acct.state.(*linodeState)
	st.index()
	return st
}

// linodeInstanceFilterable are the fields X-Filter may use on instances.
var linodeInstanceFilterable = map[string]bool{"id": true, "label": true, "group": true, "region": true,
	"tags": true, "ipv4": true, "type": true, "image": true, "status": true}

func (in *linodeInstance) field(name string) (any, bool) {
	switch name {
	case "id":
		return in.ID, true
	case "label":
		return in.Label, true
	case "group":
		return in.Group, true
	case "region":
		return in.Region, true
	case "type":
		return in.Type, true
	case "image":
		if in.Image == "" {
			return nil, true
		}
		return in.Image, true
	case "status":
		return in.Status, true
	case "tags":
		return in.Tags, true
	case "ipv4":
		return in.IPv4, true
	}
	return nil, false
}

// linodeInstanceJSON is a Linode as the API shows it.
type linodeInstanceJSON struct {
	ID              int               `json:"id"`
	Label           string            `json:"label"`
	Group           string            `json:"group"`
	Status          string            `json:"status"`
	Created         string            `json:"created"`
	Updated         string            `json:"updated"`
	Type            string            `json:"type"`
	IPv4            []string          `json:"ipv4"`
	IPv6            string            `json:"ipv6"`
	Image           *string           `json:"image"`
	Region          string            `json:"region"`
	Specs           linodeSpecs       `json:"specs"`
	Alerts          linodeAlerts      `json:"alerts"`
	Backups         linodeBackupsJSON `json:"backups"`
	Hypervisor      string            `json:"hypervisor"`
	WatchdogEnabled bool              `json:"watchdog_enabled"`
	Tags            []string          `json:"tags"`
	HostUUID        string            `json:"host_uuid"`
	HasUserData     bool              `json:"has_user_data"`
	Capabilities    []string          `json:"capabilities"`
	LKEClusterID    *int              `json:"lke_cluster_id"`
	PlacementGroup  *struct{}         `json:"placement_group"`
}

type linodeSpecs struct {
	Disk     int `json:"disk"`
	Memory   int `json:"memory"`
	VCPUs    int `json:"vcpus"`
	GPUs     int `json:"gpus"`
	Transfer int `json:"transfer"`
}

type linodeBackupsJSON struct {
	Enabled   bool `json:"enabled"`
	Available bool `json:"available"`
	Schedule  struct {
		Day    *string `json:"day"`
		Window *string `json:"window"`
	} `json:"schedule"`
}

func (in *linodeInstance) wire() linodeInstanceJSON {
	out := linodeInstanceJSON{ID: in.ID, Label: in.Label, Group: in.Group, Status: in.Status,
		Created: linodeTime(in.Created), Updated: linodeTime(in.Updated), Type: in.Type, IPv4: in.IPv4,
		IPv6: in.IPv6, Region: in.Region, Alerts: in.Alerts, Hypervisor: "kvm", WatchdogEnabled: in.WatchdogEnabled,
		Tags: in.Tags, HostUUID: linodeHostUUID(in.ID), HasUserData: in.HasUserData, Capabilities: []string{}}
	if in.Image != "" {
		im := in.Image
		out.Image = &im
	}
	if t := linodeCat.typeByID[in.Type]; t != nil {
		out.Specs = linodeSpecs{Disk: t.Disk, Memory: t.Memory, VCPUs: t.VCPUs, GPUs: t.GPUs, Transfer: t.Transfer}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if in.BackupsEnabled {
		out.Backups.Enabled = true
		out.Backups.Available = !in.Created.IsZero() && in.Updated.Sub(in.Created) > 24*time.Hour
		day, window := in.BackupDay, in.BackupWindow
		if day == "" {
			day = "Scheduling"
		}
		if window == "" {
			window = "Scheduling"
		}
		out.Backups.Schedule.Day, out.Backups.Schedule.Window = &day, &window
	}
	return out
}

// lookupInstance finds the Linode of the {linodeId} path, answering 404.
func (l *linode) lookupInstance(c *call) (*linodeState, *linodeInstance, bool) {
	st := linodeStateOf(c)
	id, err := strconv.Atoi(c.r.PathValue("linodeId"))
	in := st.Instances[id]
	if err != nil || in == nil {
		l.writeError(c, http.StatusNotFound, "Not found")
		return st, nil, false
	}
	return st, in, true
}

func (l *linode) listInstances(c *call) {
	q, ok := parseLinodeListQuery(c, linodeInstanceFilterable)
	if !ok {
		return
	}
	st := linodeStateOf(c)
	matched := make([]*linodeInstance, 0, len(st.ids))
	for _, id := range st.ids {
		if in := st.Instances[id]; q.filter.match(in.field) {
			matched = append(matched, in)
		}
	}
	matched = orderedBy(q.filter, matched, func(in *linodeInstance) fieldGetter { return in.field })
	start, end := q.bounds(len(matched))
	items := make([]linodeInstanceJSON, 0, end-start)
	for _, in := range matched[start:end] {
		items = append(items, in.wire())
	}
	writeLinodePage(c, q, len(matched), items)
}

func (l *linode) getInstance(c *call) {
	if _, in, ok := l.lookupInstance(c); ok {
		writeLinodeJSON(c, http.StatusOK, in.wire())
	}
}

// linodeCreateRequest is the body of POST /v4/linode/instances.
type linodeCreateRequest struct {
	Region          string         `json:"region"`
	Type            string         `json:"type"`
	Label           *string        `json:"label"`
	Group           string         `json:"group"`
	Image           string         `json:"image"`
	RootPass        *string        `json:"root_pass"`
	AuthorizedKeys  []string       `json:"authorized_keys"`
	AuthorizedUsers []string       `json:"authorized_users"`
	StackScriptID   int            `json:"stackscript_id"`
	StackScriptData map[string]any `json:"stackscript_data"`
	BackupID        int            `json:"backup_id"`
	BackupsEnabled  bool           `json:"backups_enabled"`
	Booted          *bool          `json:"booted"`
	PrivateIP       bool           `json:"private_ip"`
	Tags            []string       `json:"tags"`
	Metadata        *struct {
		UserData string `json:"user_data"`
	} `json:"metadata"`
	SwapSize *int `json:"swap_size"`
}

// checkLinodeDeploy validates what creating and rebuilding share: image,
// credentials, StackScript and user data.
func checkLinodeDeploy(errs *linodeErrs, c *call, image string, rootPass *string, keys, users []string,
	scriptID int, scriptData map[string]any, userData *string) {
	if image != "" && linodeCat.imageByID[image] == nil && !linodeStateOf(c).hasImage(image, c.now) {
		errs.add("image", linodeReasonBadImage)
	}
	if image != "" && rootPass == nil && len(keys) == 0 && len(users) == 0 {
		errs.add("root_pass", "root_pass is required")
	}
	if rootPass != nil {
		checkLinodeRootPass(errs, "root_pass", *rootPass)
	}
	checkLinodeAuthorizedKeys(errs, keys)
	checkLinodeAuthorizedUsers(errs, users, linodeUsername(c.acct.Email))
	if scriptID != 0 {
		checkLinodeStackScript(errs, scriptID, image, scriptData)
	}
	if userData != nil {
		checkLinodeUserData(errs, *userData, image)
	}
}

// checkLinodeTypeRegion validates a type in a region.
func checkLinodeTypeRegion(errs *linodeErrs, typ, region string) {
	t, r := linodeCat.typeByID[typ], linodeCat.regionByID[region]
	switch {
	case typ == "":
		errs.add("type", "type is required")
	case t == nil:
		errs.add("type", linodeReasonBadType)
	}
	switch {
	case region == "":
		errs.add("region", "region is required")
	case r == nil:
		errs.add("region", linodeReasonBadRegion)
	}
	if t != nil && r != nil {
		if (t.Class == "premium" && !r.has("Premium Plans")) || (t.GPUs > 0 && !r.has("GPU Linodes")) {
			errs.add("type", fmt.Sprintf("%s is not available in %s", t.ID, r.ID))
		}
	}
}

func (l *linode) createInstance(c *call) {
	if c.acct.Status == StatusLocked {
		l.writeError(c, http.StatusForbidden, linodeReasonLocked)
		return
	}
	var req linodeCreateRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	st := linodeStateOf(c)
	var errs linodeErrs
	checkLinodeTypeRegion(&errs, req.Type, req.Region)
	if req.Label != nil {
		checkLinodeLabel(&errs, *req.Label)
		if st.labelTaken(*req.Label, 0) {
			errs.add("label", "Label must be unique among your Linodes")
		}
	}
	if req.BackupID != 0 {
		errs.add("backup_id", "Backup not found")
	}
	var userData *string
	if req.Metadata != nil {
		userData = &req.Metadata.UserData
	}
	checkLinodeDeploy(&errs, c, req.Image, req.RootPass, req.AuthorizedKeys, req.AuthorizedUsers,
		req.StackScriptID, req.StackScriptData, userData)
	if req.SwapSize != nil && (*req.SwapSize < 0 || *req.SwapSize > 8192) {
		errs.add("swap_size", "Must be 0-8192")
	}
	tags := normalizeLinodeTags(&errs, req.Tags)
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	if st.instances() >= c.acct.Limit {
		c.countLimitError()
		l.writeError(c, http.StatusBadRequest, linodeReasonLimit)
		return
	}
	id := c.sim.ids.next("linode", 40000000)
	label := fmt.Sprintf("linode%d", id)
	if req.Label != nil {
		label = *req.Label
	}
	now := c.now.UTC()
	in := newLinodeInstance(id, label, req.Region, req.Type, req.Image, now)
	in.Group, in.Tags, in.BackupsEnabled, in.StackScriptID = req.Group, tags, req.BackupsEnabled, req.StackScriptID
	in.HasUserData = userData != nil
	if req.PrivateIP {
		in.IPv4 = append(in.IPv4, linodePrivateIPv4(id))
	}
	next := linodeOffline // no disk to boot from
	if req.Image != "" && (req.Booted == nil || *req.Booted) {
		next = linodeRunning
	}
	st.add(in)
	st.actFor(c, in, linodeEventCreate, linodeProvisioning, next, c.createDelay())
	writeLinodeJSON(c, http.StatusOK, in.wire())
}

// labelTaken reports whether another Linode than `except` has the label.
func (st *linodeState) labelTaken(label string, except int) bool {
	st.index()
	id, ok := st.labels[label]
	return ok && id != except
}

type linodeUpdateRequest struct {
	Label           *string   `json:"label"`
	Group           *string   `json:"group"`
	Tags            *[]string `json:"tags"`
	WatchdogEnabled *bool     `json:"watchdog_enabled"`
	Alerts          *struct {
		CPU           *int `json:"cpu"`
		IO            *int `json:"io"`
		NetworkIn     *int `json:"network_in"`
		NetworkOut    *int `json:"network_out"`
		TransferQuota *int `json:"transfer_quota"`
	} `json:"alerts"`
	Backups *struct {
		Schedule *struct {
			Day    *string `json:"day"`
			Window *string `json:"window"`
		} `json:"schedule"`
	} `json:"backups"`
}

var linodeBackupDays = []string{"Scheduling", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var linodeBackupWindows = []string{"Scheduling", "W0", "W2", "W4", "W6", "W8", "W10", "W12", "W14", "W16", "W18", "W20", "W22"}

func (l *linode) updateInstance(c *call) {
	st, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	var req linodeUpdateRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	var errs linodeErrs
	if req.Label != nil && *req.Label != in.Label {
		checkLinodeLabel(&errs, *req.Label)
		if st.labelTaken(*req.Label, in.ID) {
			errs.add("label", "Label must be unique among your Linodes")
		}
	}
	var tags []string
	if req.Tags != nil {
		tags = normalizeLinodeTags(&errs, *req.Tags)
	}
	if a := req.Alerts; a != nil {
		for field, v := range map[string]*int{"alerts.cpu": a.CPU, "alerts.io": a.IO, "alerts.network_in": a.NetworkIn,
			"alerts.network_out": a.NetworkOut, "alerts.transfer_quota": a.TransferQuota} {
			if v != nil && *v < 0 {
				errs.add(field, "Must be 0 or more")
			}
		}
	}
	if b := req.Backups; b != nil && b.Schedule != nil {
		if d := b.Schedule.Day; d != nil && *d != "" && !containsString(linodeBackupDays, *d) {
			errs.add("backups.schedule.day", "Must be a day of the week")
		}
		if w := b.Schedule.Window; w != nil && *w != "" && !containsString(linodeBackupWindows, *w) {
			errs.add("backups.schedule.window", "Must be one of W0, W2, … W22")
		}
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	if req.Label != nil && *req.Label != in.Label {
		delete(st.labels, in.Label)
		in.Label = *req.Label
		st.labels[in.Label] = in.ID
	}
	if req.Group != nil {
		in.Group = *req.Group
	}
	if req.Tags != nil {
		in.Tags = tags
	}
	if req.WatchdogEnabled != nil {
		in.WatchdogEnabled = *req.WatchdogEnabled
	}
	if a := req.Alerts; a != nil {
		setIf(&in.Alerts.CPU, a.CPU)
		setIf(&in.Alerts.IO, a.IO)
		setIf(&in.Alerts.NetworkIn, a.NetworkIn)
		setIf(&in.Alerts.NetworkOut, a.NetworkOut)
		setIf(&in.Alerts.TransferQuota, a.TransferQuota)
	}
	if b := req.Backups; b != nil && b.Schedule != nil {
		if d := b.Schedule.Day; d != nil {
			in.BackupDay = *d
		}
		if w := b.Schedule.Window; w != nil {
			in.BackupWindow = *w
		}
	}
	in.Updated = c.now.UTC()
	st.event(c, in, linodeEventUpdate, time.Time{})
	writeLinodeJSON(c, http.StatusOK, in.wire())
}

func setIf(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func (l *linode) deleteInstance(c *call) {
	st, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	st.remove(in.ID) // capacity is free at once
	st.failEvents(in.ID, c.now.UTC())
	st.event(c, in, linodeEventDelete, time.Time{})
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}
