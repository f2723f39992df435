package digitalocean

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// BackupPricePercent is DigitalOcean's price of a droplet's automatic
// (weekly) backups: 20 % of the droplet's price.
const BackupPricePercent = 20

// backupPrice is a size's backup price at BackupPricePercent, to the
// precision DigitalOcean publishes prices with (five decimals).
func backupPrice(price float64) float64 {
	return math.Round(price*BackupPricePercent/100*1e5) / 1e5
}

// ListBackups lists a droplet's backups (GET /v2/droplets/{id}/backups),
// every page, newest first.
func (d *Driver) ListBackups(ctx context.Context, instanceID string) ([]*cloud.Backup, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	images, err := listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]godo.Image, *godo.Response, error) {
		return d.c.Droplets.Backups(ctx, n, lo)
	})
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Backup, 0, len(images))
	for _, im := range images {
		b := &cloud.Backup{ID: strconv.Itoa(im.ID), Name: im.Name, SizeGB: im.SizeGigaBytes, Available: im.Status != "pending"}
		b.CreatedAt, _ = time.Parse(time.RFC3339, im.Created)
		out = append(out, b)
	}
	cloud.SortBackupsNewestFirst(out)
	return out, nil
}

// EnableBackups sends the droplet action enable_backups.
func (d *Driver) EnableBackups(ctx context.Context, instanceID string) (*cloud.Action, error) {
	return d.backupAction(ctx, instanceID, cloud.ActionEnableBackups, d.c.DropletActions.EnableBackups)
}

// DisableBackups sends the droplet action disable_backups.
func (d *Driver) DisableBackups(ctx context.Context, instanceID string) (*cloud.Action, error) {
	return d.backupAction(ctx, instanceID, cloud.ActionDisableBackups, d.c.DropletActions.DisableBackups)
}

// RestoreBackup sends the droplet action restore with the backup's image
// id; DigitalOcean lists it as a "restore".
func (d *Driver) RestoreBackup(ctx context.Context, instanceID, backupID string) (*cloud.Action, error) {
	image, err := strconv.Atoi(backupID)
	if err != nil || image <= 0 {
		return nil, &cloud.Error{Code: cloud.NotFound, Field: "backup_id", Message: "no backup " + backupID}
	}
	return d.backupAction(ctx, instanceID, cloud.ActionRestoreBackup, func(ctx context.Context, n int) (*godo.Action, *godo.Response, error) {
		return d.c.DropletActions.Restore(ctx, n, image)
	})
}

func (d *Driver) backupAction(ctx context.Context, instanceID string, t cloud.ActionType,
	send func(context.Context, int) (*godo.Action, *godo.Response, error)) (*cloud.Action, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	a, _, err := send(ctx, n)
	if err != nil {
		return nil, err
	}
	return action(a, t), nil
}

// listedRestore is the droplet action a backup's restore is listed as.
const listedRestore cloud.ActionType = "restore"
