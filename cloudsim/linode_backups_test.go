package cloudsim_test

import (
	"context"
	"testing"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// TestLinodeBackups: enabling a Linode's backups takes one at once and
// another each BackupEvery (the newest three kept), listed newest first
// with their disks; a restore onto the Linode shows it restoring, then
// offline, with its event; the backup must be the Linode's and linode_id
// is required; cancelling deletes them. Every answer is checked against
// the official spec.
func TestLinodeBackups(t *testing.T) {
	t.Parallel()
	e := newLinodeEnv(t)
	c := e.account(t, cloudsim.AccountSpec{Token: "bk"})
	ctx := context.Background()
	in := linodeCreate(t, c, "bk-1")
	other := linodeCreate(t, c, "bk-2")
	e.clock.Advance(time.Minute)
	list := func(id int) []*linodego.InstanceSnapshot {
		t.Helper()
		b, err := c.GetInstanceBackups(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return b.Automatic
	}
	if got := list(in.ID); len(got) != 0 {
		t.Fatalf("backups before enabling: %v", got)
	}
	if err := c.EnableInstanceBackups(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetInstance(ctx, in.ID); err != nil || !got.Backups.Enabled {
		t.Fatalf("after enabling: %+v, %v", got.Backups, err)
	}
	e.clock.Advance(4*cloudsim.BackupEvery + time.Hour)
	all := list(in.ID)
	if len(all) != 3 || all[0].Type != "auto" || all[0].Status != "successful" || !all[0].Available || len(all[0].Disks) == 0 {
		t.Fatalf("after 4 more days: %+v, want the newest 3", all)
	}
	if !all[0].Created.After(*all[1].Created) {
		t.Fatal("backups not newest first")
	}
	err := c.RestoreInstanceBackup(ctx, other.ID, all[0].ID, linodego.RestoreInstanceOptions{LinodeID: other.ID, Overwrite: true})
	linodeErr(t, err, 404, "Not found")
	err = c.RestoreInstanceBackup(ctx, in.ID, all[0].ID, linodego.RestoreInstanceOptions{LinodeID: other.ID, Overwrite: true})
	linodeErr(t, err, 400, "")
	if err := c.RestoreInstanceBackup(ctx, in.ID, all[2].ID, linodego.RestoreInstanceOptions{LinodeID: in.ID, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetInstance(ctx, in.ID); got.Status != "restoring" {
		t.Fatalf("during the restore: %s", got.Status)
	}
	e.clock.Advance(10 * time.Second)
	if got, _ := c.GetInstance(ctx, in.ID); got.Status != linodego.InstanceOffline {
		t.Fatalf("after the restore: %s", got.Status)
	}
	events, err := c.ListEvents(ctx, &linodego.ListOptions{Filter: `{"action":"backups_restore"}`})
	if err != nil || len(events) != 1 || events[0].Status != linodego.EventFinished {
		t.Fatalf("restore events %+v, %v", events, err)
	}
	if err := c.CancelInstanceBackups(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if got := list(in.ID); len(got) != 0 {
		t.Fatalf("backups after cancelling: %v", got)
	}
	_, err = c.GetInstanceBackups(ctx, 1)
	linodeErr(t, err, 404, "Not found")

	checked := e.spec.Checked()
	for _, k := range []string{
		"GET /{apiVersion}/linode/instances/{linodeId}/backups 200",
		"POST /{apiVersion}/linode/instances/{linodeId}/backups/enable 200",
		"POST /{apiVersion}/linode/instances/{linodeId}/backups/cancel 200",
		"POST /{apiVersion}/linode/instances/{linodeId}/backups/{backupId}/restore 200",
		"POST /{apiVersion}/linode/instances/{linodeId}/backups/{backupId}/restore 400",
	} {
		if checked[k] == 0 {
			t.Errorf("not validated: %s", k)
		}
	}
}
