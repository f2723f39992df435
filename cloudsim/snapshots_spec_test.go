package cloudsim_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// Snapshots through the real clients, every answer validated against the
// official specs: DigitalOcean's droplet snapshots (take, list, restore,
// delete) and Linode's private images captured from a disk.

func TestDigitalOceanSnapshotsSpec(t *testing.T) {
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("snaps", 5)})
	c := h.client(t, "snaps")
	d := mustCreate(t, c, createReq("snappy"))
	h.clock.Advance(doCreateDelay + time.Second)
	a, _, err := c.DropletActions.Snapshot(ctx, d.ID, "webrana-golden")
	if err != nil || a.Type != "snapshot" {
		t.Fatalf("snapshot: %+v, %v", a, err)
	}
	h.clock.Advance(doActionDelay + time.Second)
	snaps, _, err := c.Droplets.Snapshots(ctx, d.ID, nil)
	if err != nil || len(snaps) != 1 || snaps[0].Name != "webrana-golden" || snaps[0].SizeGigaBytes <= 0 || snaps[0].Regions[0] != "sgp1" {
		t.Fatalf("droplet snapshots %+v, %v", snaps, err)
	}
	if a, _, err := c.DropletActions.Restore(ctx, d.ID, snaps[0].ID); err != nil || a.Type != "restore" {
		t.Fatalf("restore: %+v, %v", a, err)
	}
	h.clock.Advance(doActionDelay + time.Second)
	// Restoring an image that is no snapshot of the droplet is refused.
	_, _, err = c.DropletActions.Restore(ctx, d.ID, snaps[0].ID+1)
	wantDOError(t, err, 422, "You specified an invalid image for Droplet restore: it must be a backup or snapshot of this Droplet.")
	if _, err := c.Snapshots.Delete(ctx, strconv.Itoa(snaps[0].ID)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = c.Snapshots.Delete(ctx, strconv.Itoa(snaps[0].ID))
	wantDOError(t, err, 404, "The resource you were accessing could not be found.")
	if got := mustGet(t, c, d.ID); len(got.SnapshotIDs) != 0 {
		t.Fatalf("droplet still lists deleted snapshots %v", got.SnapshotIDs)
	}
	// A public image is not a snapshot to delete.
	imgs, _, err := c.Images.ListDistribution(ctx, &godo.ListOptions{PerPage: 1})
	if err != nil || len(imgs) == 0 {
		t.Fatalf("images: %v", err)
	}
	_, err = c.Snapshots.Delete(ctx, strconv.Itoa(imgs[0].ID))
	wantDOError(t, err, 400, "the resource is not a snapshot")
	checked := h.spec.Checked()
	for _, want := range []string{"POST /v2/droplets/{droplet_id}/actions 201", "GET /v2/droplets/{droplet_id}/snapshots 200",
		"DELETE /v2/snapshots/{snapshot_id} 204", "DELETE /v2/snapshots/{snapshot_id} 404", "DELETE /v2/snapshots/{snapshot_id} 400"} {
		if checked[want] == 0 {
			t.Errorf("%s was not validated against the spec (validated: %v)", want, checked)
		}
	}
}

func TestLinodeImagesFromDisksSpec(t *testing.T) {
	e := newLinodeEnv(t)
	c := e.account(t, cloudsim.AccountSpec{Token: "imgs", Limit: 5})
	pw := "Sn4pshot-Root-Pw-2031!"
	in, err := c.CreateInstance(ctx, linodego.InstanceCreateOptions{Region: "us-east", Type: "g6-standard-1", Label: "imaged",
		Image: "linode/ubuntu24.04", RootPass: pw})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	disks, err := c.ListInstanceDisks(ctx, in.ID, nil)
	if err != nil || len(disks) != 2 || disks[1].Filesystem != linodego.FilesystemSwap || disks[0].Filesystem != linodego.FilesystemExt4 {
		t.Fatalf("disks %+v, %v", disks, err)
	}
	// Refusals: no disk, a swap disk, a disk of no Linode of the account.
	for _, tc := range []struct {
		name string
		opts linodego.ImageCreateOptions
	}{
		{"no disk", linodego.ImageCreateOptions{Label: "x"}},
		{"swap", linodego.ImageCreateOptions{DiskID: disks[1].ID, Label: "x"}},
		{"unknown disk", linodego.ImageCreateOptions{DiskID: 7, Label: "x"}},
	} {
		_, err := c.CreateImage(ctx, tc.opts)
		linodeErr(t, err, 400, "")
	}
	tags := []string{"webrana-linode-" + strconv.Itoa(in.ID)}
	img, err := c.CreateImage(ctx, linodego.ImageCreateOptions{DiskID: disks[0].ID, Label: "golden", Tags: &tags})
	if err != nil || img.Status != linodego.ImageStatusCreating || img.IsPublic || img.Label != "golden" {
		t.Fatalf("create image %+v, %v", img, err)
	}
	// A rebuild from an image still being captured is refused.
	_, err = c.RebuildInstance(ctx, in.ID, linodego.InstanceRebuildOptions{Image: img.ID, RootPass: pw})
	linodeErr(t, err, 400, "image is not valid")
	e.clock.Advance(11 * time.Second)
	// An image's id holds a slash ("private/N"), which the spec's
	// single-segment {imageId} cannot route: reading and deleting one go
	// around the spec check (the image's form is the one POST /images and
	// GET /images answer, both checked).
	direct := linodeClient(e.url, "imgs", http.DefaultTransport)
	got, err := direct.GetImage(ctx, img.ID)
	if err != nil || got.Status != linodego.ImageStatusAvailable || got.Size <= 0 || got.Regions[0].Region != "us-east" {
		t.Fatalf("image after capture %+v, %v", got, err)
	}
	private, err := c.ListImages(ctx, &linodego.ListOptions{Filter: `{"is_public": false}`})
	if err != nil || len(private) != 1 || private[0].ID != img.ID || !slices.Equal(private[0].Tags, tags) {
		t.Fatalf("private images %+v, %v", private, err)
	}
	events, err := c.ListEvents(ctx, &linodego.ListOptions{Filter: `{"action": "disk_imagize"}`})
	if err != nil || len(events) != 1 || events[0].Status != linodego.EventFinished {
		t.Fatalf("imagize events %+v, %v", events, err)
	}
	if _, err := c.RebuildInstance(ctx, in.ID, linodego.InstanceRebuildOptions{Image: img.ID, RootPass: pw}); err != nil {
		t.Fatalf("rebuild from the private image: %v", err)
	}
	if err := direct.DeleteImage(ctx, img.ID); err != nil {
		t.Fatal(err)
	}
	linodeErr(t, direct.DeleteImage(ctx, img.ID), 404, "Not found")
	linodeErr(t, direct.DeleteImage(ctx, "linode/ubuntu24.04"), 403, "")
	if left, err := c.ListImages(ctx, &linodego.ListOptions{Filter: `{"is_public": false}`}); err != nil || len(left) != 0 {
		t.Fatalf("private images after delete %+v, %v", left, err)
	}
	checked := e.spec.Checked()
	for _, want := range []string{"GET /{apiVersion}/linode/instances/{linodeId}/disks 200", "POST /{apiVersion}/images 200",
		"POST /{apiVersion}/images 400", "GET /{apiVersion}/images 200", "POST /{apiVersion}/linode/instances/{linodeId}/rebuild 200"} {
		if checked[want] == 0 {
			t.Errorf("%s was not validated against the spec (validated: %v)", want, checked)
		}
	}
}
