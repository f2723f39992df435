package cloudsim

import (
	"net/http"
	"time"
)

// Linode actions: boot, reboot, shutdown, rebuild, resize and password
// reset. Each moves the Linode through Linode's transitional statuses on the
// Sim's clock (ActionDelay); another action meanwhile gets "Linode busy.", as
// on the real API.

// startAction checks that the Linode can take an action now.
func (l *linode) startAction(c *call) (*linodeState, *linodeInstance, bool) {
	st, in, ok := l.lookupInstance(c)
	if !ok {
		return nil, nil, false
	}
	if in.busy() {
		l.writeError(c, http.StatusBadRequest, linodeReasonBusy)
		return nil, nil, false
	}
	return st, in, true
}

type linodeConfigRequest struct {
	ConfigID int `json:"config_id"`
}

// powerAction handles boot and reboot, which may name a config profile.
func (l *linode) powerAction(c *call, event string) {
	st, in, ok := l.startAction(c)
	if !ok {
		return
	}
	var req linodeConfigRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	if req.ConfigID != 0 {
		writeLinodeErrors(c, http.StatusBadRequest, []linodeFieldError{{Field: "config_id", Reason: "Config not found"}})
		return
	}
	switch {
	case in.Status == linodeOffline:
		st.act(c, in, event, linodeBooting, linodeRunning)
	case event == linodeEventReboot:
		st.act(c, in, event, linodeRebooting, linodeRunning)
	default: // booting a running Linode changes nothing
		st.event(c, in, event, c.now.UTC())
	}
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

func (l *linode) bootInstance(c *call)   { l.powerAction(c, linodeEventBoot) }
func (l *linode) rebootInstance(c *call) { l.powerAction(c, linodeEventReboot) }

// act starts an action that takes the action delay: the Linode shows
// status now and next once it is done, when its event finishes too.
func (st *linodeState) act(c *call, in *linodeInstance, event, status, next string) {
	st.actFor(c, in, event, status, next, c.sim.cfg.ActionDelay)
}

// actFor starts an action that takes delay. Its event finishes then; the
// Linode's status follows later if a status_lag_ms fault says so.
func (st *linodeState) actFor(c *call, in *linodeInstance, event, status, next string, delay time.Duration) {
	now := c.now.UTC()
	done := now.Add(delay)
	st.event(c, in, event, done)
	st.transition(in, now, status, next, done.Add(c.statusLag()))
}

func (l *linode) shutdownInstance(c *call) {
	st, in, ok := l.startAction(c)
	if !ok {
		return
	}
	if in.Status == linodeRunning {
		st.act(c, in, linodeEventShutdown, linodeShuttingDown, linodeOffline)
	} else {
		st.event(c, in, linodeEventShutdown, c.now.UTC())
	}
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

type linodeRebuildRequest struct {
	Image           string         `json:"image"`
	RootPass        *string        `json:"root_pass"`
	AuthorizedKeys  []string       `json:"authorized_keys"`
	AuthorizedUsers []string       `json:"authorized_users"`
	StackScriptID   int            `json:"stackscript_id"`
	StackScriptData map[string]any `json:"stackscript_data"`
	Booted          *bool          `json:"booted"`
	Metadata        *struct {
		UserData string `json:"user_data"`
	} `json:"metadata"`
	Type string `json:"type"`
}

func (l *linode) rebuildInstance(c *call) {
	st, in, ok := l.startAction(c)
	if !ok {
		return
	}
	var req linodeRebuildRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	var errs linodeErrs
	if req.Image == "" {
		errs.add("image", "image is required")
	}
	if req.RootPass == nil {
		errs.add("root_pass", "root_pass is required")
	}
	var userData *string
	if req.Metadata != nil {
		userData = &req.Metadata.UserData
	}
	checkLinodeDeploy(&errs, c, req.Image, req.RootPass, req.AuthorizedKeys, req.AuthorizedUsers,
		req.StackScriptID, req.StackScriptData, userData)
	if req.Type != "" {
		checkLinodeTypeRegion(&errs, req.Type, in.Region)
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	in.Image, in.StackScriptID, in.HasUserData = req.Image, req.StackScriptID, userData != nil
	if req.Type != "" {
		in.Type = req.Type
	}
	next := linodeRunning
	if req.Booted != nil && !*req.Booted {
		next = linodeOffline
	}
	st.act(c, in, linodeEventRebuild, linodeRebuilding, next)
	writeLinodeJSON(c, http.StatusOK, in.wire())
}

type linodeResizeRequest struct {
	Type                string `json:"type"`
	AllowAutoDiskResize *bool  `json:"allow_auto_disk_resize"`
	MigrationType       string `json:"migration_type"`
}

func (l *linode) resizeInstance(c *call) {
	st, in, ok := l.startAction(c)
	if !ok {
		return
	}
	var req linodeResizeRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	var errs linodeErrs
	checkLinodeTypeRegion(&errs, req.Type, in.Region)
	if req.MigrationType != "" && req.MigrationType != "warm" && req.MigrationType != "cold" {
		errs.add("migration_type", "Must be warm or cold")
	}
	newType, oldType := linodeCat.typeByID[req.Type], linodeCat.typeByID[in.Type]
	switch {
	case len(errs) > 0:
	case req.Type == in.Type:
		errs.add("type", "Linode is already of this type")
	case req.AllowAutoDiskResize != nil && !*req.AllowAutoDiskResize && oldType != nil && newType.Disk < oldType.Disk:
		errs.add("type", "The Linode has allocated more disk than the new service plan allows. Delete or resize disks smaller before continuing.")
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	after := linodeOffline
	if in.Status == linodeRunning {
		after = linodeRunning // a resize shuts down, migrates and boots again
	}
	in.Type = req.Type
	in.Alerts.CPU = 90 * newType.VCPUs
	st.act(c, in, linodeEventResize, linodeResizing, after)
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

func (l *linode) resetPassword(c *call) {
	st, in, ok := l.startAction(c)
	if !ok {
		return
	}
	var req struct {
		RootPass *string `json:"root_pass"`
	}
	if !decodeLinodeBody(c, &req) {
		return
	}
	var errs linodeErrs
	if req.RootPass == nil {
		errs.add("root_pass", "root_pass is required")
	} else {
		checkLinodeRootPass(&errs, "root_pass", *req.RootPass)
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	if in.Status != linodeOffline {
		l.writeError(c, http.StatusBadRequest, "Linode must be shut down to reset its root password")
		return
	}
	in.Updated = c.now.UTC()
	st.event(c, in, linodeEventPassword, in.Updated)
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}
