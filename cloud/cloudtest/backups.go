package cloudtest

import (
	"context"
	"slices"
	"testing"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
)

// testBackups: where the driver declares BackupActions, backups turn on
// and off by actions that GetInstance then reports, the simulator's
// backups are listed newest first (one taken when they are turned on,
// another each cloudsim.BackupEvery), one restores onto the server, and
// disabling them leaves none; a restore without a backup, or of one that is
// not the server's, is refused. Where it does not, every backup call is
// refused before the provider is asked.
func testBackups(t *testing.T, f *fixture) {
	ctx := context.Background()
	if !f.caps().BackupActions {
		before := requests(f.sim.Stats())
		for _, typ := range []cloud.ActionType{cloud.ActionEnableBackups, cloud.ActionDisableBackups} {
			_, err := f.client.DoAction(ctx, "1", cloud.ActionRequest{Type: typ})
			wantCode(t, err, cloud.InvalidArgument, string(typ)+" undeclared")
		}
		_, err := f.client.ListBackups(ctx, "1")
		wantCode(t, err, cloud.InvalidArgument, "ListBackups undeclared")
		if requests(f.sim.Stats()) != before {
			t.Fatal("an undeclared backup call reached the provider")
		}
		return
	}
	in := f.createActive(f.createReq("webrana-backups"))
	if in.Backups {
		t.Fatalf("a server created without backups reports them on: %+v", in)
	}
	if list, err := f.client.ListBackups(ctx, in.ID); err != nil || len(list) != 0 {
		t.Fatalf("backups of a server without them: %v, %v", list, err)
	}
	if got := f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionEnableBackups}); !got.Backups {
		t.Fatalf("after enable_backups: %+v, want backups on", got)
	}
	f.clock.Advance(cloudsim.BackupEvery)
	list, err := f.client.ListBackups(ctx, in.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("backups a day after enabling them: %v, %v; want 2 (one at once, one a day later)", list, err)
	}
	if !list[0].CreatedAt.After(list[1].CreatedAt) || list[0].ID == list[1].ID || list[0].ID == "" || !list[0].Available {
		t.Fatalf("backups %+v %+v: want distinct, available, newest first", list[0], list[1])
	}

	_, err = f.client.DoAction(ctx, in.ID, cloud.ActionRequest{Type: cloud.ActionRestoreBackup})
	wantCode(t, err, cloud.InvalidArgument, "restore_backup without a backup")
	if e, ok := err.(*cloud.Error); !ok || e.Field != "backup_id" {
		t.Fatalf("restore_backup without a backup: %#v, want field backup_id", err)
	}
	_, err = f.client.DoAction(ctx, in.ID, cloud.ActionRequest{Type: cloud.ActionEnableBackups, BackupID: list[0].ID})
	wantCode(t, err, cloud.InvalidArgument, "enable_backups with a backup")
	other := f.createActive(f.createReq("webrana-other"))
	if _, err := f.client.DoAction(ctx, other.ID, cloud.ActionRequest{Type: cloud.ActionRestoreBackup, BackupID: list[0].ID}); !slices.Contains(
		[]cloud.ErrorCode{cloud.NotFound, cloud.InvalidArgument}, cloud.Code(err)) {
		t.Fatalf("restoring another server's backup: %v (code %v), want NotFound or InvalidArgument", err, cloud.Code(err))
	}

	got := f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionRestoreBackup, BackupID: list[1].ID})
	if got.Status != cloud.StatusActive && got.Status != cloud.StatusOff {
		t.Fatalf("after restore_backup: %+v, want active or off", got)
	}
	if !got.Backups {
		t.Fatalf("a restore turned backups off: %+v", got)
	}

	if got := f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionDisableBackups}); got.Backups {
		t.Fatalf("after disable_backups: %+v, want backups off", got)
	}
	if list, err := f.client.ListBackups(ctx, in.ID); err != nil || len(list) != 0 {
		t.Fatalf("backups after disabling them: %v, %v; want none", list, err)
	}
	_, err = f.client.ListBackups(ctx, "987654321")
	wantCode(t, err, cloud.NotFound, "ListBackups of a missing server")
}
