package digitalocean

import (
	"context"
	"strconv"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// DigitalOcean's snapshots are native: the droplet's snapshot action makes
// one (an image of the account, in the droplet's region), GET
// /v2/droplets/{id}/snapshots lists a droplet's, DELETE /v2/snapshots/{id}
// deletes one, and the restore action puts one back on the droplet it was
// taken of, keeping the droplet's id, addresses and the password saved in
// the snapshot (so a restore takes none). A snapshot is listed only once
// its action has completed.

// TakeSnapshot starts the droplet's snapshot action.
func (d *Driver) TakeSnapshot(ctx context.Context, instanceID, name string) (*cloud.Action, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	a, _, err := d.c.DropletActions.Snapshot(ctx, n, name)
	if err != nil {
		return nil, err
	}
	return action(a, cloud.ActionSnapshot), nil
}

// ListSnapshots lists the droplet's snapshots, every page.
func (d *Driver) ListSnapshots(ctx context.Context, instanceID string) ([]*cloud.Snapshot, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	images, err := listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]godo.Image, *godo.Response, error) {
		return d.c.Droplets.Snapshots(ctx, n, lo)
	})
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Snapshot, 0, len(images))
	for i := range images {
		out = append(out, snapshot(&images[i]))
	}
	return out, nil
}

func snapshot(im *godo.Image) *cloud.Snapshot {
	s := &cloud.Snapshot{ID: strconv.Itoa(im.ID), Name: im.Name, SizeGB: im.SizeGigaBytes,
		Available: im.Status == "" || im.Status == "available"}
	if len(im.Regions) > 0 {
		s.Region = im.Regions[0]
	}
	if t, err := time.Parse(time.RFC3339, im.Created); err == nil {
		s.CreatedAt = t.UTC()
	}
	return s
}

// DeleteSnapshot deletes a snapshot (DELETE /v2/snapshots/{id}).
func (d *Driver) DeleteSnapshot(ctx context.Context, snapshotID string) error {
	if _, err := snapshotImageID(snapshotID); err != nil {
		return err
	}
	_, err := d.c.Snapshots.Delete(ctx, snapshotID)
	return err
}

// RestoreSnapshot starts the droplet's restore action from the snapshot's
// image. DigitalOcean takes no password: the snapshot's is restored.
func (d *Driver) RestoreSnapshot(ctx context.Context, instanceID, snapshotID, _ string) (*cloud.Action, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	img, err := snapshotImageID(snapshotID)
	if err != nil {
		return nil, err
	}
	a, _, err := d.c.DropletActions.Restore(ctx, n, img)
	if err != nil {
		return nil, err
	}
	return action(a, cloud.ActionRestore), nil
}

// snapshotImageID is a snapshot's image id; a droplet snapshot's id is
// always a positive number.
func snapshotImageID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, &cloud.Error{Code: cloud.NotFound, Message: "no snapshot " + id}
	}
	return n, nil
}
