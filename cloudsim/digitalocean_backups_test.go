package cloudsim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloudsim"
)

// TestDropletBackups: a droplet created with backups has one backup when
// it becomes active and one more each BackupEvery, the newest four kept
// and listed newest first; the restore action takes a backup's id (not
// another droplet's); disabling backups deletes them. Every answer is
// checked against the official spec.
func TestDropletBackups(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("bk", 10)})
	c := h.client(t, "bk")
	req := createReq("bk-1")
	req.Backups = true
	d := mustCreate(t, c, req)
	other := mustCreate(t, c, createReq("bk-2"))
	h.clock.Advance(doCreateDelay)
	list := func(id int) []godo.Image {
		t.Helper()
		b, _, err := c.Droplets.Backups(ctx, id, &godo.ListOptions{PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := list(d.ID)
	if len(first) != 1 || first[0].Type != "backup" || first[0].Regions[0] != "sgp1" {
		t.Fatalf("backups once active: %+v, want one", first)
	}
	if got := list(other.ID); len(got) != 0 {
		t.Fatalf("a droplet without backups has %v", got)
	}
	h.clock.Advance(5*cloudsim.BackupEvery + time.Hour)
	all := list(d.ID)
	if len(all) != 4 {
		t.Fatalf("after 5 more days: %d backups, want the newest 4", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Created <= all[i].Created {
			t.Fatalf("backups not newest first: %v then %v", all[i-1].Created, all[i].Created)
		}
	}
	if got := mustGet(t, c, d.ID); len(got.BackupIDs) != 4 || !slices.Contains(got.BackupIDs, all[3].ID) {
		t.Fatalf("droplet backup_ids %v, want the 4 listed", got.BackupIDs)
	}

	_, _, err := c.DropletActions.Restore(ctx, other.ID, all[0].ID)
	wantDOError(t, err, 422, "You specified an invalid image for Droplet restore: it must be a backup or snapshot of this Droplet.")
	a, _, err := c.DropletActions.Restore(ctx, d.ID, all[3].ID)
	if err != nil || a.Type != "restore" || a.Status != "in-progress" {
		t.Fatalf("restore of a backup: %+v, %v", a, err)
	}
	h.clock.Advance(doActionDelay)
	if got := mustGet(t, c, d.ID); got.Status != "active" {
		t.Fatalf("after the restore: %s", got.Status)
	}

	if _, _, err := c.DropletActions.DisableBackups(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	if got := list(d.ID); len(got) != 0 {
		t.Fatalf("backups after disabling them: %v", got)
	}
	if _, _, err := c.DropletActions.EnableBackups(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	if got := list(other.ID); len(got) != 1 {
		t.Fatalf("backups once enabled: %v, want the first", got)
	}
	_, _, err = c.Droplets.Backups(ctx, 999, nil)
	wantDOError(t, err, 404, "")

	checked := h.spec.Checked()
	for _, k := range []string{"GET /v2/droplets/{droplet_id}/backups 200", "GET /v2/droplets/{droplet_id}/backups 404",
		"POST /v2/droplets/{droplet_id}/actions 201", "POST /v2/droplets/{droplet_id}/actions 422"} {
		if checked[k] == 0 {
			t.Errorf("not validated: %s", k)
		}
	}
}
