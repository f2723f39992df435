package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/lifecycle"
)

// TestBackupActions: on both providers enable_backups turns the server's
// backups on at the provider and in Webrana (its options, and a period the
// meter bills from the moment it completed); the server's backups are then
// listed (one taken at once, one a day later); restore_backup puts one back;
// disable_backups closes the period and leaves none. A backup id that is
// not the server's fails the action with the provider's reason.
func TestBackupActions(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			w := newWorld(t, p)
			ctx := context.Background()
			backups := lifecycle.NewBackups(w.DB, w.Pool)
			if list, err := backups.List(ctx, w.instance()); err != nil || len(list) != 0 {
				t.Fatalf("backups of a server without them: %v, %v", list, err)
			}
			enabled := w.Clock.Now()
			if got := w.settle(w.act(webrana.ActionEnableBackups, webrana.ActionParams{}), 1); got.Status != webrana.ActionCompleted {
				t.Fatalf("enable_backups ended %+v", got)
			}
			in := w.instance()
			s, err := w.client.GetInstance(ctx, in.ProviderID)
			must(t, err)
			if !in.Options.Backups || !s.Backups {
				t.Fatalf("after enable_backups: Webrana says %v, the provider %v; want both on", in.Options.Backups, s.Backups)
			}
			periods, err := w.DB.BackupPeriods(ctx, in.ID)
			must(t, err)
			if len(periods) != 1 || periods[0].End != nil || periods[0].Start.Before(enabled) {
				t.Fatalf("backup periods %+v, want one open since %v", periods, enabled)
			}

			w.Clock.Advance(cloudsim.BackupEvery)
			list, err := backups.List(ctx, in)
			must(t, err)
			if len(list) != 2 || !list[0].CreatedAt.After(list[1].CreatedAt) || !list[1].Available {
				t.Fatalf("backups a day on: %+v, want two, newest first", list)
			}

			wrong := w.settle(w.act(webrana.ActionRestoreBackup, webrana.ActionParams{BackupID: "1"}), 1)
			if wrong.Status != webrana.ActionErrored || wrong.Error == "" {
				t.Fatalf("restoring a backup that is not the server's: %+v, want errored with the reason", wrong)
			}
			restore := w.settle(w.act(webrana.ActionRestoreBackup, webrana.ActionParams{BackupID: list[1].ID}), 1)
			if restore.Status != webrana.ActionCompleted || restore.Params.BackupID != list[1].ID {
				t.Fatalf("restore_backup ended %+v", restore)
			}
			if st := w.instance().Status; st != webrana.StatusActive && st != webrana.StatusOff {
				t.Fatalf("after the restore the server is %s", st)
			}

			w.Clock.Advance(time.Hour)
			disabled := w.Clock.Now()
			if got := w.settle(w.act(webrana.ActionDisableBackups, webrana.ActionParams{}), 1); got.Status != webrana.ActionCompleted {
				t.Fatalf("disable_backups ended %+v", got)
			}
			in = w.instance()
			periods, err = w.DB.BackupPeriods(ctx, in.ID)
			must(t, err)
			if in.Options.Backups || len(periods) != 1 || periods[0].End == nil || periods[0].End.Before(disabled) {
				t.Fatalf("after disable_backups: on %v, periods %+v; want off and the period closed", in.Options.Backups, periods)
			}
			if list, err := backups.List(ctx, in); err != nil || len(list) != 0 {
				t.Fatalf("backups after disabling them: %v, %v", list, err)
			}
		})
	}
}

// TestBackupRules: which backup actions a server allows, and what a
// restore must name.
func TestBackupRules(t *testing.T) {
	on := &webrana.Instance{ProviderType: webrana.DigitalOcean, Status: webrana.StatusActive, Options: webrana.InstanceOptions{Backups: true}}
	off := &webrana.Instance{ProviderType: webrana.Linode, Status: webrana.StatusOff}
	suspended := &webrana.Instance{ProviderType: webrana.Linode, Status: webrana.StatusSuspended, Options: webrana.InstanceOptions{Backups: true}}
	for _, tc := range []struct {
		name   string
		in     *webrana.Instance
		action string
		code   string
	}{
		{"enable when off", off, webrana.ActionEnableBackups, ""},
		{"enable when on", on, webrana.ActionEnableBackups, webrana.ECONFLICT},
		{"disable when on", on, webrana.ActionDisableBackups, ""},
		{"disable when off", off, webrana.ActionDisableBackups, webrana.ECONFLICT},
		{"restore when on", on, webrana.ActionRestoreBackup, ""},
		{"restore when off", off, webrana.ActionRestoreBackup, webrana.ECONFLICT},
		{"suspended", suspended, webrana.ActionDisableBackups, webrana.ECONFLICT},
	} {
		if got := webrana.ErrorCode(lifecycle.Allowed(tc.in, tc.action)); got != tc.code {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.code)
		}
	}
}
