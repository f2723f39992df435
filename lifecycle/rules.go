package lifecycle

import (
	"slices"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
)

// The rules below decide what may be done with a server. Service.Act and
// Service.Delete apply them, and the server page shows only what they
// allow, so the two never disagree.

// Allowed refuses an action the server's state or provider does not allow
// now, whatever the action's parameters, in the words Act (or Delete, for
// webrana.ActionDelete) refuses it with; nil when it may be asked for. An
// action already under way on the server refuses every other one too
// (the store's rule, not this one).
func Allowed(in *webrana.Instance, action string) error {
	if action == webrana.ActionDelete {
		return deletable(in)
	}
	if err := actionable(in); err != nil {
		return err
	}
	return stateAllows(in, action)
}

// deletable: a server is deleted once it is up (or has failed); one still
// being set up is not, and one deleting or deleted has nothing left to
// delete (Delete accepts that again, changing nothing).
func deletable(in *webrana.Instance) error {
	switch in.Status {
	case webrana.StatusActive, webrana.StatusOff, webrana.StatusSuspended, webrana.StatusFailed:
		return nil
	case webrana.StatusDeleting:
		return webrana.Errorf(webrana.ECONFLICT, "The server is being deleted already.")
	case webrana.StatusDeleted:
		return webrana.Errorf(webrana.ECONFLICT, "The server is deleted already.")
	}
	return webrana.Errorf(webrana.ECONFLICT, "The server is still being set up; delete it once it is active (or has failed).")
}

// actionable: actions other than deletion need a server that runs or is
// stopped, and not suspended.
func actionable(in *webrana.Instance) error {
	if in.Status == webrana.StatusSuspended {
		return webrana.Errorf(webrana.ECONFLICT, "The server is suspended because your balance is below zero; add credit and it is powered on again within the hour.")
	}
	if in.Status != webrana.StatusActive && in.Status != webrana.StatusOff {
		return webrana.Errorf(webrana.ECONFLICT, "The server is %s; actions are possible once it is active.", in.Status)
	}
	return nil
}

// stateAllows is what the power state and the provider's capabilities
// allow of an actionable server; an unknown action is refused.
func stateAllows(in *webrana.Instance, action string) error {
	running := in.Status == webrana.StatusActive
	reg := providers.Of(in.ProviderType)
	caps := reg.Capabilities
	switch action {
	case webrana.ActionPowerOn:
		if running {
			return webrana.Errorf(webrana.ECONFLICT, "The server is already running.")
		}
	case webrana.ActionPowerOff, webrana.ActionShutdown, webrana.ActionReboot, webrana.ActionPowerCycle:
		if !running {
			return webrana.Errorf(webrana.ECONFLICT, "The server is off; power it on first.")
		}
	case webrana.ActionResize:
		if caps.ResizeStopped && running {
			return webrana.Errorf(webrana.ECONFLICT, "Power the server off before resizing it: %s resizes stopped servers.", reg.Name)
		}
	case webrana.ActionPassword:
		if caps.PasswordReset == cloud.PasswordResetNone {
			return webrana.Errorf(webrana.ECONFLICT, "%s cannot reset a root password.", reg.Name)
		}
		if caps.PasswordResetStopped && running {
			return webrana.Errorf(webrana.ECONFLICT, "Power the server off before resetting its root password: %s resets stopped servers.", reg.Name)
		}
	case webrana.ActionEnableIPv6:
		if caps.IPv6Always {
			return webrana.Errorf(webrana.ECONFLICT, "Every %s has IPv6 already.", reg.Name)
		}
		if in.IPv6 != "" {
			return webrana.Errorf(webrana.ECONFLICT, "IPv6 is already on: %s.", in.IPv6)
		}
	case webrana.ActionFirewall:
		if !caps.Firewall {
			return webrana.Errorf(webrana.ECONFLICT, "%s servers have no firewall Webrana can set.", reg.Name)
		}
	case webrana.ActionSetRDNS:
		if caps.RDNS == cloud.RDNSNone {
			return webrana.Errorf(webrana.ECONFLICT, "%s cannot set reverse DNS.", reg.Name)
		}
	case webrana.ActionRebuild, webrana.ActionRename:
	case webrana.ActionEnableBackups, webrana.ActionDisableBackups, webrana.ActionRestoreBackup:
		return backupsAllow(in, action) // backups.go
	case webrana.ActionSnapshot, webrana.ActionRestore:
		return snapshotAllows(in)
	default:
		return webrana.FieldError("type", "Unknown action %q: use power_on, power_off, shutdown, reboot, power_cycle, rebuild, resize, rename, password_reset, enable_ipv6, set_rdns, enable_backups, disable_backups, restore_backup, snapshot or restore (DELETE /api/vps/{id} deletes).", action)
	}
	return nil
}

// CanResize refuses a plan the server (on plan cur) cannot be resized to:
// only an active, bigger plan of the same provider sold in the server's
// region. Disks cannot shrink, so smaller plans are refused. Whether the
// server's state allows a resize at all is Allowed's.
//
// The disk (disk: whether the resize grows it, as ResizeDisk says) must be
// what the plan sells, as its price includes it:
//   - where a resize may keep the disk (cloud.ResizeDiskOptional,
//     DigitalOcean), one that keeps it is a CPU and memory resize, allowed
//     only to a plan whose disk is no bigger than the server's: the
//     customer would pay for disk they do not get. A resize that grows the
//     disk is permanent: disks cannot shrink, so the server can never be
//     resized to a plan with a smaller disk again;
//   - where every resize grows it (cloud.ResizeDiskAlways, Linode), disk
//     must be true;
//   - where none does, it must be false.
//
// The server's disk is taken to be its plan's: every resize Webrana allows
// keeps them equal.
func CanResize(in *webrana.Instance, cur, next *webrana.Plan, disk bool) error {
	reg := providers.Of(in.ProviderType)
	mode := reg.Capabilities.ResizeDisk
	switch {
	case disk && mode == cloud.ResizeDiskNever:
		return webrana.FieldError("disk", "%s cannot resize a disk.", reg.Name)
	case !disk && mode == cloud.ResizeDiskAlways:
		return webrana.FieldError("disk", "%s resizes move the disk to the new plan's size: leave disk out or true.", reg.Name)
	}
	switch {
	case !next.IsActive:
		return webrana.FieldError("plan_id", "Unknown plan.")
	case next.ProviderType != in.ProviderType:
		return webrana.FieldError("plan_id", "Plan %q is a %s plan; this server runs on %s.", next.Name, next.ProviderType, in.ProviderType)
	case next.ID == cur.ID:
		return webrana.FieldError("plan_id", "The server is on plan %q already.", cur.Name)
	case next.DiskGB < cur.DiskGB || next.MemoryMB < cur.MemoryMB || next.PriceMonthly <= cur.PriceMonthly:
		return webrana.FieldError("plan_id", "Servers can only grow: plan %q is not bigger than %q.", next.Name, cur.Name)
	case !slices.Contains(next.Regions, in.Region):
		return webrana.FieldError("plan_id", "Plan %q is not sold in %s.", next.Name, in.Region)
	case mode == cloud.ResizeDiskOptional && !disk && next.DiskGB > cur.DiskGB:
		return webrana.FieldError("disk", "Plan %q has a %d GB disk and the server's is %d GB: on %s a resize without disk keeps the disk, "+
			"and you would pay for disk you do not get. Resize with disk (permanent: the server can never be resized to a plan "+
			"with a smaller disk again), or choose a plan with a %d GB disk.", next.Name, next.DiskGB, cur.DiskGB, reg.Name, cur.DiskGB)
	}
	return nil
}

// DiskDefault is what a resize does to the disk when the request does not
// say: grow it where every resize does (Linode), keep it elsewhere.
func DiskDefault(provider webrana.ProviderType) bool {
	return providers.Of(provider).Capabilities.ResizeDisk == cloud.ResizeDiskAlways
}

// CanRebuild refuses an image of the server's provider that the server
// cannot be rebuilt from: one not offered in its region.
func CanRebuild(in *webrana.Instance, im *cloud.Image) error {
	if len(im.Regions) > 0 && !slices.Contains(im.Regions, in.Region) {
		return webrana.FieldError("image", "Image %s is not offered in %s.", im.Name, in.Region)
	}
	return nil
}
