package linode

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// Linode has no action objects to poll: what it did to a Linode is told by
// the account's events, and ListActions lists those of the instance as
// actions (see events.go), with the event's id. DoAction names the action
// it started by its event where it can tell which one it is: the newest
// event of the action's kind on the Linode, newer than every event listed
// before the request (event ids only grow). So a caller that records it
// knows that event is not a later action's, whose answer it might lose.
// Where it cannot tell (a lookup failed, the event is not listed yet, or
// Linode records none), the action's id names its type and the instance
// ("reboot:123"), and it is complete when the instance settles in the state
// the action leads to (or at once, when the action needs no change). A
// lookup that fails never fails the action: it was sent. GetAction accepts
// both kinds of id.

// DoAction starts an action.
func (d *Driver) DoAction(ctx context.Context, id string, req cloud.ActionRequest) (*cloud.Action, error) {
	n, err := linodeID(id)
	if err != nil {
		return nil, err
	}
	kind, recorded := eventKind(req.Type)
	before := -1
	if recorded {
		before = d.newestEventID(ctx, n, "")
	}
	switch req.Type {
	case cloud.ActionPowerOn:
		err = d.c.BootInstance(ctx, n, 0)
	case cloud.ActionPowerOff, cloud.ActionShutdown:
		err = d.c.ShutdownInstance(ctx, n)
	case cloud.ActionReboot, cloud.ActionPowerCycle:
		// Linode has no power cycle; a reboot is the nearest it offers and
		// leads, as a power cycle does, to a running instance, so GetAction
		// judges both alike.
		err = d.c.RebootInstance(ctx, n, 0)
	case cloud.ActionEnableIPv6:
		// Every Linode gets a public IPv6 address when created, so there is
		// nothing to enable. Reading the instance keeps the answer honest: an
		// unknown id is still NotFound, as for every other action.
		_, err = d.c.GetInstance(ctx, n)
	case cloud.ActionRebuild:
		_, err = d.c.RebuildInstance(ctx, n, linodego.InstanceRebuildOptions{Image: req.Image, RootPass: req.Password})
	case cloud.ActionResize:
		// The disk always migrates to the new type's (Capabilities.ResizeDisk:
		// the Client refuses a resize that does not ask for it).
		autoDisk := true
		err = d.c.ResizeInstance(ctx, n, linodego.InstanceResizeOptions{Type: req.Size, AllowAutoDiskResize: &autoDisk})
	case cloud.ActionRename:
		_, err = d.c.UpdateInstance(ctx, n, linodego.InstanceUpdateOptions{Label: req.Name})
	case cloud.ActionPassword:
		err = d.c.ResetInstancePassword(ctx, n, linodego.InstancePasswordResetOptions{RootPass: req.Password})
	default:
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "type", Message: "unsupported action " + string(req.Type)}
	}
	if err != nil {
		return nil, err
	}
	if before >= 0 {
		if ev := d.newestEvent(ctx, n, kind); ev != nil && ev.ID > before {
			a := eventAction(ev)
			a.Type = req.Type // as asked; GetAction can only say what it is listed as
			return a, nil
		}
	}
	a := &cloud.Action{ID: string(req.Type) + ":" + id, Type: req.Type, Status: cloud.ActionInProgress, StartedAt: time.Now().UTC()}
	if immediate(req.Type) {
		a.Status = cloud.ActionCompleted
	}
	return a, nil
}

// immediate reports whether an action is done once Linode accepts it: a
// rename and a password reset take effect in the request itself, and
// enabling IPv6 changes nothing. The instance's state says nothing about
// these, so GetAction must not wait for one.
func immediate(t cloud.ActionType) bool {
	return t == cloud.ActionRename || t == cloud.ActionPassword || t == cloud.ActionEnableIPv6 || t == cloud.ActionSetRDNS ||
		t == cloud.ActionEnableBackups || t == cloud.ActionDisableBackups
}

// GetAction reports an action complete once the instance is in the state
// the action leads to.
func (d *Driver) GetAction(ctx context.Context, instanceID, actionID string) (*cloud.Action, error) {
	if eventID, err := strconv.Atoi(actionID); err == nil {
		return d.eventAction(ctx, instanceID, eventID)
	}
	typ, id, ok := strings.Cut(actionID, ":")
	if !ok || id != instanceID {
		return nil, &cloud.Error{Code: cloud.NotFound, Message: "no action " + actionID}
	}
	in, err := d.get(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	a := &cloud.Action{ID: actionID, Type: cloud.ActionType(typ), Status: cloud.ActionInProgress}
	want := linodego.InstanceRunning
	if a.Type == cloud.ActionPowerOff || a.Type == cloud.ActionShutdown {
		want = linodego.InstanceOffline
	}
	if in.Status == want || immediate(a.Type) || (a.Type == cloud.ActionRestoreBackup && restored(in.Status)) {
		a.Status = cloud.ActionCompleted
	}
	return a, nil
}
