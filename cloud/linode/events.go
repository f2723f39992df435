package linode

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// A Linode's actions are the account's events about it
// (GET /v4/account/events, filtered on the entity). Each event is an
// action with the event's id, its start time (the event's "created", to the
// second), and the portable type the event's action answers:
//
//	linode_boot      power_on
//	linode_shutdown  shutdown   (DoAction sends power_off as a shutdown too)
//	linode_reboot    reboot     (and power_cycle, which Linode lacks)
//	linode_rebuild   rebuild
//	linode_resize    resize
//	password_reset   password_reset
//	linode_update    rename     (Webrana changes a Linode's fields only to rename it)
//	backups_enable   enable_backups
//	backups_cancel   disable_backups
//	backups_restore  restore_backup
//	disk_imagize     snapshot   (and restore is a rebuild: see snapshots.go)
//	anything else    the event's own action, such as "linode_create"
//
// enable_ipv6 sends nothing to Linode and is never listed. Events started
// or scheduled are in progress; finished ones and notifications completed;
// failed or canceled ones errored. So a caller whose DoAction answer was
// lost finds the action it sent as the event of ListedAs(type) created at
// or after the second it sent it.

// eventTypes maps Linode's event actions to portable action types.
var eventTypes = map[linodego.EventAction]cloud.ActionType{
	linodego.ActionLinodeBoot:     cloud.ActionPowerOn,
	linodego.ActionLinodeShutdown: cloud.ActionShutdown,
	linodego.ActionLinodeReboot:   cloud.ActionReboot,
	linodego.ActionLinodeRebuild:  cloud.ActionRebuild,
	linodego.ActionLinodeResize:   cloud.ActionResize,
	linodego.ActionPasswordReset:  cloud.ActionPassword,
	linodego.ActionLinodeUpdate:   cloud.ActionRename,
	// backups.go
	linodego.ActionBackupsEnable:  cloud.ActionEnableBackups,
	linodego.ActionBackupsCancel:  cloud.ActionDisableBackups,
	linodego.ActionBackupsRestore: cloud.ActionRestoreBackup,
	linodego.ActionDiskImagize:    cloud.ActionSnapshot, // snapshots.go
}

// eventKind is the event Linode records for an action started as t, and
// whether it records one (enabling IPv6 sends nothing).
func eventKind(t cloud.ActionType) (linodego.EventAction, bool) {
	listed := (&Driver{}).ListedAs(t)
	for kind, typ := range eventTypes {
		if typ == listed {
			return kind, true
		}
	}
	return "", false
}

// newestEventID is the id of the Linode's newest event (of kind, when
// given), 0 when it has none, -1 when it cannot be told.
func (d *Driver) newestEventID(ctx context.Context, n int, kind linodego.EventAction) int {
	ev, err := d.newestEventOrErr(ctx, n, kind)
	switch {
	case err != nil:
		return -1
	case ev == nil:
		return 0
	}
	return ev.ID
}

// newestEvent is the Linode's newest event of kind, or nil (none, or the
// lookup failed).
func (d *Driver) newestEvent(ctx context.Context, n int, kind linodego.EventAction) *linodego.Event {
	ev, _ := d.newestEventOrErr(ctx, n, kind)
	return ev
}

func (d *Driver) newestEventOrErr(ctx context.Context, n int, kind linodego.EventAction) (*linodego.Event, error) {
	filter := map[string]any{"entity.id": n, "entity.type": linodego.EntityLinode, "+order_by": "id", "+order": "desc"}
	if kind != "" {
		filter["action"] = kind
	}
	f, err := json.Marshal(filter)
	if err != nil {
		return nil, err
	}
	// One page of the smallest size Linode serves; linodego walks every
	// page of a list unless asked for one.
	events, err := d.c.ListEvents(ctx, &linodego.ListOptions{PageOptions: &linodego.PageOptions{Page: 1}, PageSize: 25, Filter: string(f)})
	if err != nil || len(events) == 0 {
		return nil, err
	}
	return &events[0], nil
}

// ListedAs is the type an action started as t is listed under: Linode
// shuts down for power_off and reboots for power_cycle.
func (d *Driver) ListedAs(t cloud.ActionType) cloud.ActionType {
	switch t {
	case cloud.ActionPowerOff:
		return cloud.ActionShutdown
	case cloud.ActionPowerCycle:
		return cloud.ActionReboot
	case cloud.ActionRestore: // a rebuild from the snapshot's image
		return cloud.ActionRebuild
	}
	return t
}

// ListActions returns the Linode's events of the last 90 days as actions,
// newest first. A Linode that does not exist is NotFound (its events
// outlive it, but its actions are asked of it).
func (d *Driver) ListActions(ctx context.Context, instanceID string) ([]*cloud.Action, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	if _, err := d.c.GetInstance(ctx, n); err != nil {
		return nil, err
	}
	f, err := json.Marshal(map[string]any{"entity.id": n, "entity.type": linodego.EntityLinode,
		"+order_by": "created", "+order": "desc"})
	if err != nil {
		return nil, err
	}
	events, err := d.c.ListEvents(ctx, &linodego.ListOptions{PageSize: 500, Filter: string(f)})
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Action, 0, len(events))
	for i := range events {
		out = append(out, eventAction(&events[i]))
	}
	cloud.SortNewestFirst(out)
	return out, nil
}

// eventAction returns the action an event of the instance is.
func (d *Driver) eventAction(ctx context.Context, instanceID string, eventID int) (*cloud.Action, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	ev, err := d.c.GetEvent(ctx, eventID)
	if err != nil {
		return nil, err
	}
	if ev.Entity == nil || ev.Entity.Type != linodego.EntityLinode || entityID(ev.Entity) != n {
		return nil, &cloud.Error{Code: cloud.NotFound, Message: "no action " + strconv.Itoa(eventID) + " on linode " + instanceID}
	}
	return eventAction(ev), nil
}

// entityID is an event entity's id as a number (linodego leaves it untyped).
func entityID(e *linodego.EventEntity) int {
	switch id := e.ID.(type) {
	case float64:
		return int(id)
	case int:
		return id
	case json.Number:
		n, _ := id.Int64()
		return int(n)
	}
	return 0
}

func eventAction(ev *linodego.Event) *cloud.Action {
	a := &cloud.Action{ID: strconv.Itoa(ev.ID), Type: cloud.ActionType(ev.Action), Status: cloud.ActionInProgress}
	if t, ok := eventTypes[ev.Action]; ok {
		a.Type = t
	}
	if ev.Created != nil {
		a.StartedAt = ev.Created.UTC()
	}
	switch ev.Status {
	case linodego.EventFinished, linodego.EventNotification:
		a.Status = cloud.ActionCompleted
	case linodego.EventFailed, linodego.EventCanceled:
		a.Status = cloud.ActionErrored
	}
	if a.Status != cloud.ActionInProgress && ev.Created != nil {
		done := a.StartedAt.Add(time.Duration(ev.Duration * float64(time.Second))).Truncate(time.Second)
		a.CompletedAt = &done
	}
	return a
}
