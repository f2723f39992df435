package cloudtest

import (
	"context"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
)

// testSnapshots: a driver that declares Snapshots takes one (an action
// followed to completion and listed among the server's actions), lists it
// with its size and region, restores the server from it (with a password
// exactly where it declares SnapshotRestorePassword), and deletes it once
// (a second delete is NotFound), also after its server is gone. One that
// does not declare them is refused by the Client before any request.
func testSnapshots(t *testing.T, f *fixture) {
	ctx := context.Background()
	if !f.caps().Snapshots {
		before := requests(f.sim.Stats())
		_, err := f.client.TakeSnapshot(ctx, "1", "snap")
		wantCode(t, err, cloud.InvalidArgument, "TakeSnapshot without Snapshots declared")
		if requests(f.sim.Stats()) != before {
			t.Fatal("a snapshot the driver does not declare reached the provider")
		}
		return
	}
	in := f.createActive(f.createReq("webrana-5a5a5a5a"))
	_, err := f.client.TakeSnapshot(ctx, "999999", "webrana-snap-lost")
	wantCode(t, err, cloud.NotFound, "TakeSnapshot of a server that does not exist")
	_, err = f.client.TakeSnapshot(ctx, in.ID, "")
	wantCode(t, err, cloud.InvalidArgument, "TakeSnapshot without a name")

	sent := f.clock.Now()
	a, err := f.client.TakeSnapshot(ctx, in.ID, "webrana-snap-1")
	if err != nil {
		t.Fatalf("TakeSnapshot: %v", err)
	}
	if a.Type != cloud.ActionSnapshot || a.ID == "" {
		t.Fatalf("snapshot started as %+v", a)
	}
	if done := f.waitAction(in.ID, a); done.Type != cloud.ActionSnapshot {
		t.Fatalf("snapshot completed as an action of type %s", done.Type)
	}
	found, err := f.client.FindAction(ctx, in.ID, cloud.ActionSnapshot, sent, nil)
	if err != nil || found == nil {
		t.Fatalf("the snapshot action is not listed: %v, %v", found, err)
	}
	snaps, err := f.client.ListSnapshots(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 {
		t.Fatalf("ListSnapshots = %d snapshots, want 1", len(snaps))
	}
	s := snaps[0]
	if s.ID == "" || s.Name != "webrana-snap-1" || !s.Available || s.SizeGB <= 0 || s.Region != f.h.Region || s.CreatedAt.IsZero() {
		t.Fatalf("snapshot %+v, want webrana-snap-1, available, sized, in %s, dated", s, f.h.Region)
	}

	// Restore: the password exactly where it is declared.
	pw := ""
	if f.caps().SnapshotRestorePassword {
		pw = rootPassword
		_, err = f.client.RestoreSnapshot(ctx, in.ID, s.ID, "")
	} else {
		_, err = f.client.RestoreSnapshot(ctx, in.ID, s.ID, rootPassword)
	}
	wantCode(t, err, cloud.InvalidArgument, "RestoreSnapshot with the password undeclared")
	if e, ok := err.(*cloud.Error); !ok || e.Field != "password" {
		t.Fatalf("refused restore names %v, want the password", err)
	}
	r, err := f.client.RestoreSnapshot(ctx, in.ID, s.ID, pw)
	if err != nil {
		t.Fatalf("RestoreSnapshot: %v", err)
	}
	if r.Type != cloud.ActionRestore {
		t.Fatalf("restore started as %+v", r)
	}
	if done := f.waitAction(in.ID, r); done.Type != cloud.ActionRestore && done.Type != f.driver.ListedAs(cloud.ActionRestore) {
		t.Fatalf("restore completed as an action of type %s", done.Type)
	}
	f.clock.Advance(actionDelay)
	if got, err := f.client.GetInstance(ctx, in.ID); err != nil || got.Status != cloud.StatusActive {
		t.Fatalf("after restore: %+v, %v", got, err)
	}

	// A snapshot outlives its server, and is deleted once.
	if err := f.client.DeleteInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	if err := f.client.DeleteSnapshot(ctx, s.ID); err != nil {
		t.Fatalf("DeleteSnapshot of a deleted server's snapshot: %v", err)
	}
	wantCode(t, f.client.DeleteSnapshot(ctx, s.ID), cloud.NotFound, "DeleteSnapshot again")
}
