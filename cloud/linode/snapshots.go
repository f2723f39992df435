package linode

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// Linode has no droplet-style snapshot. It offers two things near one:
//
//   - the Backup service's manual snapshot (POST
//     /linode/instances/{id}/backups): one slot per Linode (a new snapshot
//     replaces the last), only with the paid Backup service enabled, and
//     gone with the Linode;
//   - a private Image captured from the Linode's disk (POST /images
//     {disk_id, label}), kept on the account until deleted, restored by
//     rebuilding the Linode from it (POST .../rebuild {image, root_pass}).
//
// Webrana's snapshots are several per server, outlive their server when
// the customer keeps them, and are deleted one by one: only private images
// are that, so the driver uses them. A snapshot is the image of the
// Linode's largest non-swap disk, tagged webrana-linode-<id> so that
// ListSnapshots finds the images of a Linode (an image does not record its
// source); its size is the image's (MB, in GB). Restoring is a rebuild,
// which on Linode sets a new root password (Capabilities
// SnapshotRestorePassword) and is listed as one (ListedAs). Capturing is
// recorded as a disk_imagize event on the Linode: that is the action.

// snapshotTag marks the images taken of a Linode.
func snapshotTag(n int) string { return "webrana-linode-" + strconv.Itoa(n) }

// TakeSnapshot captures a private image of the Linode's main disk.
func (d *Driver) TakeSnapshot(ctx context.Context, instanceID, name string) (*cloud.Action, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	disk, err := d.mainDisk(ctx, n)
	if err != nil {
		return nil, err
	}
	before := d.newestEventID(ctx, n, "")
	tags := []string{snapshotTag(n)}
	if _, err := d.c.CreateImage(ctx, linodego.ImageCreateOptions{DiskID: disk, Label: name, Tags: &tags}); err != nil {
		return nil, err
	}
	return d.startedAs(ctx, n, instanceID, cloud.ActionSnapshot, before), nil
}

// startedAs is the action just started as t: its event where it can be
// told (as DoAction names its actions), else an id naming the type.
func (d *Driver) startedAs(ctx context.Context, n int, instanceID string, t cloud.ActionType, before int) *cloud.Action {
	if kind, ok := eventKind(t); ok && before >= 0 {
		if ev := d.newestEvent(ctx, n, kind); ev != nil && ev.ID > before {
			a := eventAction(ev)
			a.Type = t
			return a
		}
	}
	return &cloud.Action{ID: string(t) + ":" + instanceID, Type: t, Status: cloud.ActionInProgress, StartedAt: time.Now().UTC()}
}

// mainDisk is the id of the Linode's largest disk that is not swap.
func (d *Driver) mainDisk(ctx context.Context, n int) (int, error) {
	disks, err := d.c.ListInstanceDisks(ctx, n, nil)
	if err != nil {
		return 0, err
	}
	best, size := 0, -1
	for _, dk := range disks {
		if dk.Filesystem != linodego.FilesystemSwap && dk.Size > size {
			best, size = dk.ID, dk.Size
		}
	}
	if best == 0 {
		return 0, &cloud.Error{Code: cloud.Conflict, Message: "the Linode has no disk to capture"}
	}
	return best, nil
}

// ListSnapshots lists the private images taken of the Linode.
func (d *Driver) ListSnapshots(ctx context.Context, instanceID string) ([]*cloud.Snapshot, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	if _, err := d.c.GetInstance(ctx, n); err != nil {
		return nil, err
	}
	f, err := json.Marshal(map[string]any{"is_public": false})
	if err != nil {
		return nil, err
	}
	images, err := d.c.ListImages(ctx, &linodego.ListOptions{PageSize: 500, Filter: string(f)})
	if err != nil {
		return nil, err
	}
	tag := snapshotTag(n)
	var out []*cloud.Snapshot
	for i := range images {
		im := &images[i]
		if !strings.HasPrefix(im.ID, "private/") || !contains(im.Tags, tag) {
			continue
		}
		s := &cloud.Snapshot{ID: im.ID, Name: im.Label, SizeGB: float64(im.Size) / 1024,
			Available: im.Status == linodego.ImageStatusAvailable}
		if len(im.Regions) > 0 {
			s.Region = im.Regions[0].Region
		}
		if im.Created != nil {
			s.CreatedAt = im.Created.UTC()
		}
		out = append(out, s)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DeleteSnapshot deletes a private image.
func (d *Driver) DeleteSnapshot(ctx context.Context, snapshotID string) error {
	if !strings.HasPrefix(snapshotID, "private/") {
		return &cloud.Error{Code: cloud.NotFound, Message: "no snapshot " + snapshotID}
	}
	return d.c.DeleteImage(ctx, snapshotID)
}

// RestoreSnapshot rebuilds the Linode from the private image, with the new
// root password.
func (d *Driver) RestoreSnapshot(ctx context.Context, instanceID, snapshotID, password string) (*cloud.Action, error) {
	n, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(snapshotID, "private/") {
		return nil, &cloud.Error{Code: cloud.NotFound, Message: "no snapshot " + snapshotID}
	}
	before := d.newestEventID(ctx, n, "")
	if _, err := d.c.RebuildInstance(ctx, n, linodego.InstanceRebuildOptions{Image: snapshotID, RootPass: password}); err != nil {
		return nil, err
	}
	return d.startedAs(ctx, n, instanceID, cloud.ActionRestore, before), nil
}
