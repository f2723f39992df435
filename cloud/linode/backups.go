package linode

import (
	"context"
	"strconv"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// A Linode's backups: POST /linode/instances/{id}/backups/enable and
// /cancel turn them on and off (at once; Linode records the events
// backups_enable and backups_cancel), GET /linode/instances/{id}/backups
// lists them (the automatic ones; manual snapshots are not backups), and
// POST /linode/instances/{id}/backups/{backupId}/restore restores one onto
// the same Linode, overwriting its disks (event backups_restore). The
// Linode is "restoring" meanwhile and offline after it.

// ListBackups returns the Linode's automatic backups, newest first, each
// sized by its disks.
func (d *Driver) ListBackups(ctx context.Context, instanceID string) ([]*cloud.Backup, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	res, err := d.c.GetInstanceBackups(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Backup, 0, len(res.Automatic))
	for _, s := range res.Automatic {
		if s == nil {
			continue
		}
		b := &cloud.Backup{ID: strconv.Itoa(s.ID), Name: s.Label, Available: s.Available}
		if b.Name == "" {
			b.Name = "Automatic backup " + b.ID
		}
		if s.Created != nil {
			b.CreatedAt = s.Created.UTC()
		}
		mb := 0
		for _, disk := range s.Disks {
			if disk != nil {
				mb += disk.Size
			}
		}
		b.SizeGB = float64(mb) / 1024
		out = append(out, b)
	}
	cloud.SortBackupsNewestFirst(out)
	return out, nil
}

// EnableBackups turns the Linode's backups on.
func (d *Driver) EnableBackups(ctx context.Context, instanceID string) (*cloud.Action, error) {
	return d.backupAction(ctx, instanceID, cloud.ActionEnableBackups, d.c.EnableInstanceBackups)
}

// DisableBackups cancels the Linode's backups (Linode deletes them).
func (d *Driver) DisableBackups(ctx context.Context, instanceID string) (*cloud.Action, error) {
	return d.backupAction(ctx, instanceID, cloud.ActionDisableBackups, d.c.CancelInstanceBackups)
}

// RestoreBackup restores a backup onto the Linode it was taken of,
// overwriting its disks.
func (d *Driver) RestoreBackup(ctx context.Context, instanceID, backupID string) (*cloud.Action, error) {
	backup, err := strconv.Atoi(backupID)
	if err != nil || backup <= 0 {
		return nil, &cloud.Error{Code: cloud.NotFound, Field: "backup_id", Message: "no backup " + backupID}
	}
	return d.backupAction(ctx, instanceID, cloud.ActionRestoreBackup, func(ctx context.Context, n int) error {
		return d.c.RestoreInstanceBackup(ctx, n, backup, linodego.RestoreInstanceOptions{LinodeID: n, Overwrite: true})
	})
}

// backupAction sends a backup request and names the action by its event,
// as DoAction does (actions.go).
func (d *Driver) backupAction(ctx context.Context, instanceID string, t cloud.ActionType, send func(context.Context, int) error) (*cloud.Action, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	kind, _ := eventKind(t)
	before := d.newestEventID(ctx, n, "")
	if err := send(ctx, n); err != nil {
		return nil, err
	}
	if before >= 0 {
		if ev := d.newestEvent(ctx, n, kind); ev != nil && ev.ID > before {
			a := eventAction(ev)
			a.Type = t
			return a, nil
		}
	}
	a := &cloud.Action{ID: string(t) + ":" + instanceID, Type: t, Status: cloud.ActionInProgress, StartedAt: time.Now().UTC()}
	if immediate(t) {
		a.Status = cloud.ActionCompleted
	}
	return a, nil
}

// restored reports whether a Linode whose backup was restored is done
// restoring: Linode leaves it offline, or running if it was booted since.
func restored(s linodego.InstanceStatus) bool {
	return s == linodego.InstanceOffline || s == linodego.InstanceRunning
}
