package lifecycle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/store"
)

// TestSnapshotTakenRestoredDeleted: on each provider, a snapshot is taken
// through the action path (recorded with its action, refused at the
// customer's limit), followed to the end and recorded with what the
// provider took; the server is restored from it (the new root password
// where the provider's restore sets one); deleting it stops its billing
// and its job deletes it at the provider, once.
func TestSnapshotTakenRestoredDeleted(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, p)
			must(t, jobs.Migrate(ctx, w.DB))
			queue, err := jobs.New(w.DB, nil)
			must(t, err)
			svc := lifecycle.New(w.DB, nil, w.Keys, queue)
			owner, err := w.DB.UserByID(ctx, w.in.OwnerID)
			must(t, err)
			by := webrana.Actor{User: owner, Source: "192.0.2.9"}

			_, err = svc.Act(ctx, by, w.in, lifecycle.Request{Type: webrana.ActionSnapshot})
			wantField(t, err, "name")
			a, err := svc.Act(ctx, by, w.in, lifecycle.Request{Type: webrana.ActionSnapshot, Name: "before upgrade"})
			must(t, err)
			snap, err := w.DB.SnapshotByAction(ctx, a.ID)
			must(t, err)
			if snap.Status != webrana.SnapshotCreating || snap.Name != "before upgrade" || snap.AccountID != w.in.AccountID {
				t.Fatalf("snapshot requested %+v", snap)
			}
			if got := w.settle(a, 1); got.Status != webrana.ActionCompleted {
				t.Fatalf("snapshot action ended %+v", got)
			}
			snap, err = w.DB.SnapshotByID(ctx, snap.ID)
			must(t, err)
			if snap.Status != webrana.SnapshotAvailable || snap.ProviderID == "" || snap.SizeGB < 1 || snap.AvailableAt == nil {
				t.Fatalf("snapshot after its action %+v", snap)
			}
			at, err := w.client.ListSnapshots(ctx, w.in.ProviderID)
			must(t, err)
			if len(at) != 1 || at[0].ID != snap.ProviderID {
				t.Fatalf("at the provider: %+v", at)
			}

			// The customer's limit, set by the operator.
			must(t, w.DB.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, lifecycle.SettingSnapshotLimit, "1") }))
			_, err = svc.Act(ctx, by, w.in, lifecycle.Request{Type: webrana.ActionSnapshot, Name: "one too many"})
			if webrana.ErrorCode(err) != webrana.ECONFLICT {
				t.Fatalf("a snapshot over the limit: %v, want a conflict", err)
			}

			// Restore, with the password exactly where the provider takes one.
			req := lifecycle.Request{Type: webrana.ActionRestore, SnapshotID: snap.ID}
			if w.client.Capabilities().SnapshotRestorePassword {
				_, err = svc.Act(ctx, by, w.in, req)
				wantField(t, err, "password")
				req.Password = "Restored-Root-Pw-2031!"
			} else {
				req.Password = "Restored-Root-Pw-2031!"
				_, err = svc.Act(ctx, by, w.in, req)
				wantField(t, err, "password")
				req.Password = ""
			}
			_, err = svc.Act(ctx, by, w.in, lifecycle.Request{Type: webrana.ActionRestore, SnapshotID: "someone-elses"})
			wantField(t, err, "snapshot_id")
			w.Clock.Advance(time.Minute)
			r, err := svc.Act(ctx, by, w.in, req)
			must(t, err)
			if got := w.settle(r, 1); got.Status != webrana.ActionCompleted {
				t.Fatalf("restore ended %+v", got)
			}

			// Delete: billing stops now, the provider's copy by the job, once.
			gone, err := svc.DeleteSnapshot(ctx, by, snap.ID)
			must(t, err)
			if gone.Status != webrana.SnapshotDeleting || gone.DeletedAt == nil {
				t.Fatalf("deleting snapshot %+v", gone)
			}
			if _, err := svc.DeleteSnapshot(ctx, by, snap.ID); err != nil {
				t.Fatalf("deleting again: %v", err)
			}
			dw := lifecycle.NewSnapshotDeleteWorker(w.DB, w.Pool, nil)
			job := pooltest.Job(lifecycle.SnapshotDeleteArgs{SnapshotID: snap.ID}, 1)
			must(t, dw.Work(ctx, job))
			must(t, dw.Work(ctx, job)) // a retry is harmless
			if at, err := w.client.ListSnapshots(ctx, w.in.ProviderID); err != nil || len(at) != 0 {
				t.Fatalf("at the provider after delete: %+v, %v", at, err)
			}
			if got, _ := w.DB.SnapshotByID(ctx, snap.ID); got.Status != webrana.SnapshotDeleted {
				t.Fatalf("snapshot after its job %+v", got)
			}
			stranger := &webrana.User{Email: "stranger@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
			must(t, w.DB.CreateUser(ctx, stranger))
			_, err = svc.DeleteSnapshot(ctx, webrana.Actor{User: stranger}, snap.ID)
			if webrana.ErrorCode(err) != webrana.ENOTFOUND {
				t.Fatalf("another customer deleting it: %v, want not found", err)
			}
		})
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *webrana.Error
	if !errors.As(err, &e) || e.Field != field {
		t.Fatalf("error %v, want one on %s", err, field)
	}
}

// TestSnapshotReachesTheProviderOnce: a snapshot whose answer is lost is
// not taken twice: the retry finds its action at the provider (a droplet
// action; a Linode disk_imagize event), adopts it, and records the one
// snapshot the provider took.
func TestSnapshotReachesTheProviderOnce(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, p)
			must(t, jobs.Migrate(ctx, w.DB))
			queue, err := jobs.New(w.DB, nil)
			must(t, err)
			svc := lifecycle.New(w.DB, nil, w.Keys, queue)
			owner, err := w.DB.UserByID(ctx, w.in.OwnerID)
			must(t, err)
			a, err := svc.Act(ctx, webrana.Actor{User: owner}, w.in, lifecycle.Request{Type: webrana.ActionSnapshot, Name: "once"})
			must(t, err)
			path := "/v2/droplets/{id}/actions"
			if p == webrana.Linode {
				path = "/v4/images"
			}
			w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/", Drop: true, Count: 1})
			if err := w.run(a, 1); err == nil || jobs.IsSnooze(err) {
				t.Fatalf("snapshot with its answer lost: %v, want an error River retries", err)
			}
			if got := w.settle(a, 2); got.Status != webrana.ActionCompleted {
				t.Fatalf("snapshot after the retry: %+v", got)
			}
			if n := w.Sent("POST", path); n != 1 {
				t.Fatalf("the snapshot reached the provider %d times, want once", n)
			}
			at, err := w.client.ListSnapshots(ctx, w.in.ProviderID)
			must(t, err)
			snap, err := w.DB.SnapshotByAction(ctx, a.ID)
			must(t, err)
			if len(at) != 1 || snap.ProviderID != at[0].ID || snap.Status != webrana.SnapshotAvailable {
				t.Fatalf("at the provider %+v; recorded %+v", at, snap)
			}
		})
	}
}
