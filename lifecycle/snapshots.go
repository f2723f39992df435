package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
)

// Snapshots (issue 19). Taking one is the action "snapshot" ({"name"}):
// Act records the snapshot (creating) with the action and its job, in one
// transaction, refusing a customer at their limit (the operator's setting
// SettingSnapshotLimit, default webrana.DefaultSnapshotLimit); the worker
// sends it once, follows it, and when it has completed records what the
// provider took (its id, size and region), from when it is billed.
// Restoring is the action "restore" ({"snapshot_id"}, and the new root
// password where the provider's restore sets one). Deleting a snapshot
// (DeleteSnapshot, or a server deleted without keeping its snapshots)
// stops its billing at once and deletes it at the provider by a River job
// (SnapshotDeleteArgs), inserted once, in the same transaction.

// SettingSnapshotLimit is the operator's setting of how many snapshots a
// customer may keep: a number; unset, webrana.DefaultSnapshotLimit.
const SettingSnapshotLimit = "snapshot_limit"

// providerSnapshotName is the name a snapshot is taken with at the
// provider: unique, so that the worker finds it among the server's.
func providerSnapshotName(s *webrana.Snapshot) string { return "webrana-" + s.ID }

// SnapshotStore is what snapshots need of the database, besides the
// actions (store/snapshots.go).
type SnapshotStore interface {
	SnapshotByID(ctx context.Context, id string) (*webrana.Snapshot, error)
	SnapshotByAction(ctx context.Context, actionID string) (*webrana.Snapshot, error)
	ListSnapshotRows(ctx context.Context, f webrana.SnapshotFilter) ([]*store.SnapshotRow, int, error)
	DeletingSnapshot(ctx context.Context, id string, also ...func(*store.Tx) error) (bool, error)
	SnapshotDeleted(ctx context.Context, id string) error
	SnapshotPrice(ctx context.Context, t webrana.ProviderType) (int64, error)
	Setting(ctx context.Context, key string) (string, bool, error)
	InTx(ctx context.Context, fn func(*store.Tx) error) error
}

var _ SnapshotStore = (*store.DB)(nil)

// MaxSnapshotLimit bounds the operator's per-customer limit.
const MaxSnapshotLimit = 1000

// SetSnapshotLimit sets how many snapshots a customer may keep (0 to
// MaxSnapshotLimit; 0 stops new ones), with its audit entry
// ("settings.changed"), in one transaction. Snapshots kept already stay.
func (s *Service) SetSnapshotLimit(ctx context.Context, by webrana.Actor, n int) error {
	if n < 0 || n > MaxSnapshotLimit {
		return webrana.FieldError("limit", "The limit is a number of snapshots from 0 to %d.", MaxSnapshotLimit)
	}
	v := strconv.Itoa(n)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSetting(ctx, SettingSnapshotLimit, v); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("settings.changed", "setting", SettingSnapshotLimit, SettingSnapshotLimit+"="+v))
	})
}

// SnapshotLimit is how many snapshots a customer may keep.
func (s *Service) SnapshotLimit(ctx context.Context) (int, error) {
	v, ok, err := s.db.Setting(ctx, SettingSnapshotLimit)
	if err != nil || !ok {
		return webrana.DefaultSnapshotLimit, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return webrana.DefaultSnapshotLimit, nil
	}
	return n, nil
}

// checkSnapshot: a name of 1 to 64 characters.
func (s *Service) checkSnapshot(in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" || utf8.RuneCountInString(name) > webrana.MaxSnapshotName || strings.ContainsFunc(name, isControl) {
		return webrana.ActionParams{}, webrana.FieldError("name", "Name the snapshot: 1 to %d characters.", webrana.MaxSnapshotName)
	}
	if req.Password != "" {
		return webrana.ActionParams{}, webrana.FieldError("password", "A snapshot takes no password.")
	}
	return webrana.ActionParams{Name: name}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkRestore: a snapshot of this server that is available; the new root
// password where the provider's restore sets one.
func (s *Service) checkRestore(ctx context.Context, user *webrana.User, in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	var p webrana.ActionParams
	if req.SnapshotID == "" {
		return p, webrana.FieldError("snapshot_id", "Choose the snapshot to restore.")
	}
	snap, err := s.db.SnapshotByID(ctx, req.SnapshotID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && (snap.InstanceID != in.ID || snap.Status == webrana.SnapshotDeleted ||
		snap.Status == webrana.SnapshotDeleting || snap.Status == webrana.SnapshotFailed)) {
		return p, webrana.FieldError("snapshot_id", "This server has no snapshot %q.", req.SnapshotID)
	}
	if err != nil {
		return p, err
	}
	if snap.Status != webrana.SnapshotAvailable {
		return p, webrana.FieldError("snapshot_id", "Snapshot %q is still being taken; restore it once it is available.", snap.Name)
	}
	p.SnapshotID = snap.ID
	reg := providers.Of(in.ProviderType)
	if !reg.Capabilities.SnapshotRestorePassword {
		if req.Password != "" {
			return p, webrana.FieldError("password", "%s restores the root password saved in the snapshot; leave password empty.", reg.Name)
		}
		return p, nil
	}
	sealed, err := s.sealPassword(user, in, req.Password)
	p.Password = sealed
	return p, err
}

// snapshotAllows: the provider keeps snapshots.
func snapshotAllows(in *webrana.Instance) error {
	if reg := providers.Of(in.ProviderType); !reg.Capabilities.Snapshots {
		return webrana.Errorf(webrana.ECONFLICT, "%s keeps no snapshots.", reg.Name)
	}
	return nil
}

// recordSnapshot returns what a snapshot action adds to its transaction
// besides its job: the snapshot, creating, refused at the customer's
// limit.
func (s *Service) recordSnapshot(ctx context.Context, in *webrana.Instance, name string) (func(*store.Tx, *webrana.InstanceAction) error, error) {
	limit, err := s.SnapshotLimit(ctx)
	if err != nil {
		return nil, err
	}
	return func(tx *store.Tx, a *webrana.InstanceAction) error {
		n, err := tx.CountSnapshots(ctx, in.OwnerID)
		if err != nil {
			return err
		}
		if n >= limit {
			return webrana.Errorf(webrana.ECONFLICT, "You have %d snapshots, the most you may keep; delete one before taking another.", n)
		}
		return tx.CreateSnapshot(ctx, &webrana.Snapshot{OwnerID: in.OwnerID, InstanceID: in.ID, AccountID: in.AccountID,
			ProviderType: in.ProviderType, ActionID: a.ID, Name: name, Region: in.Region})
	}, nil
}

// Snapshots returns a page of snapshots, newest first: a customer's own
// (f.OwnerID), or a server's (f.InstanceID), as the caller has checked the
// viewer may see.
func (s *Service) Snapshots(ctx context.Context, f webrana.SnapshotFilter) ([]*store.SnapshotRow, int, error) {
	rows, total, err := s.db.ListSnapshotRows(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list snapshots: %w", err)
	}
	return rows, total, nil
}

// Snapshot returns a snapshot the viewer may see: any for an
// administrator, their own for a customer; another customer's, and a
// deleted or failed one, is not found.
func (s *Service) Snapshot(ctx context.Context, viewer *webrana.User, id string) (*webrana.Snapshot, error) {
	snap, err := s.db.SnapshotByID(ctx, id)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && ((viewer.Role != webrana.RoleAdmin && snap.OwnerID != viewer.ID) ||
		snap.Status == webrana.SnapshotDeleted || snap.Status == webrana.SnapshotFailed)) {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Snapshot not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return snap, nil
}

// DeleteSnapshot deletes a snapshot the actor may see: deleting at once
// (its billing stops), deleted at the provider by a job inserted once, in
// the transaction that marks it, with its audit entry ("snapshot.deleted").
// A snapshot deleting already is accepted again, changing nothing; one
// still being taken is ECONFLICT.
func (s *Service) DeleteSnapshot(ctx context.Context, by webrana.Actor, id string) (*webrana.Snapshot, error) {
	snap, err := s.Snapshot(ctx, by.User, id)
	if err != nil {
		return nil, err
	}
	audit := by.Entry("snapshot.deleted", "snapshot", snap.ID, snap.Name)
	if _, err := s.db.DeletingSnapshot(ctx, snap.ID, func(tx *store.Tx) error {
		if err := s.queue.InsertTx(ctx, tx, SnapshotDeleteArgs{SnapshotID: snap.ID}, nil); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit)
	}); err != nil {
		return nil, fmt.Errorf("delete snapshot %s: %w", id, err)
	}
	return s.db.SnapshotByID(ctx, snap.ID)
}

// DeleteServer deletes a server as Delete does and, unless keep, every
// snapshot of it with it, in the deletion's transaction. Kept snapshots
// stay on their account, billed, listed and deletable.
func (s *Service) DeleteServer(ctx context.Context, by webrana.Actor, in *webrana.Instance, keep bool) (*webrana.Instance, error) {
	if keep {
		return s.Delete(ctx, by, in)
	}
	return s.remove(ctx, by.UserID(), in, by.Entry("vps.deleted", "instance", in.ID, in.Label+" (with its snapshots)"),
		s.dropSnapshots(ctx, in.ID))
}

// dropSnapshots marks a server's available snapshots deleting and
// inserts each one's delete job, in the caller's transaction.
func (s *Service) dropSnapshots(ctx context.Context, instanceID string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		snaps, err := tx.SnapshotsOfInstance(ctx, instanceID)
		if err != nil {
			return err
		}
		for _, snap := range snaps {
			if snap.Status != webrana.SnapshotAvailable {
				continue // being taken: its action fails with the server
			}
			changed, err := tx.DeletingSnapshot(ctx, snap.ID)
			if err != nil {
				return err
			}
			if changed {
				if err := s.queue.InsertTx(ctx, tx, SnapshotDeleteArgs{SnapshotID: snap.ID}, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// ---- the worker's part ----

// snapshotStore is the worker's view of the store with snapshots.
type snapshotStore interface {
	SnapshotByID(ctx context.Context, id string) (*webrana.Snapshot, error)
	SnapshotByAction(ctx context.Context, actionID string) (*webrana.Snapshot, error)
}

// doAction sends an action: snapshots and restores through their own
// calls, the others as DoAction.
func (w *Worker) doAction(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance,
	req cloud.ActionRequest) (*cloud.Action, error) {
	switch a.Type {
	case webrana.ActionSnapshot:
		snap, err := w.db.SnapshotByAction(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		return c.TakeSnapshot(ctx, in.ProviderID, providerSnapshotName(snap))
	case webrana.ActionRestore:
		snap, err := w.db.SnapshotByID(ctx, a.Params.SnapshotID)
		if err != nil {
			return nil, err
		}
		if snap.ProviderID == "" || snap.Status != webrana.SnapshotAvailable {
			return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "snapshot_id", Message: "The snapshot is no longer available."}
		}
		return c.RestoreSnapshot(ctx, in.ProviderID, snap.ProviderID, req.Password)
	}
	return c.DoAction(ctx, in.ProviderID, req)
}

// finishing is what a completed action records besides its server: a
// snapshot's size, region and provider id, once the provider lists it
// available (until then the worker looks again).
func (w *Worker) finishing(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) ([]func(*store.Tx) error, error) {
	if a.Type != webrana.ActionSnapshot {
		return nil, nil
	}
	snap, err := w.db.SnapshotByAction(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	list, err := c.ListSnapshots(ctx, in.ProviderID)
	if err != nil {
		return nil, err
	}
	for _, ps := range list {
		if ps.Name != providerSnapshotName(snap) {
			continue
		}
		if !ps.Available {
			break
		}
		size := max(1, int(math.Ceil(ps.SizeGB)))
		at := w.now()
		region := cmp.Or(ps.Region, snap.Region)
		w.logger().Info("snapshot taken", "snapshot", snap.ID, "instance", in.ID, "size_gb", size)
		return []func(*store.Tx) error{func(tx *store.Tx) error {
			return tx.SnapshotTaken(ctx, snap.ID, ps.ID, size, region, at)
		}}, nil
	}
	if w.now().Sub(a.UpdatedAt) > w.settle() {
		return nil, fmt.Errorf("snapshot %s: completed, but the provider does not list it available", snap.ID)
	}
	return nil, river.JobSnooze(w.poll())
}

// failing is what a failed action records besides its reason: a snapshot
// not taken.
func (w *Worker) failing(ctx context.Context, a *webrana.InstanceAction) func(*store.Tx) error {
	if a.Type != webrana.ActionSnapshot {
		return nil
	}
	return func(tx *store.Tx) error {
		snap, err := tx.SnapshotByAction(ctx, a.ID)
		if webrana.ErrorCode(err) == webrana.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.SnapshotFailed(ctx, snap.ID)
	}
}

// SnapshotDeleteArgs deletes a snapshot at the provider (it is deleting
// in Webrana already).
type SnapshotDeleteArgs struct {
	SnapshotID string `json:"snapshot_id"`
}

func (SnapshotDeleteArgs) Kind() string { return "snapshot_delete" }

// InsertOpts: transient failures are retried with backoff for about half
// an hour.
func (SnapshotDeleteArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// SnapshotDeleteStore is what SnapshotDeleteWorker needs.
type SnapshotDeleteStore interface {
	SnapshotByID(ctx context.Context, id string) (*webrana.Snapshot, error)
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	SnapshotDeleted(ctx context.Context, id string) error
}

var _ SnapshotDeleteStore = (*store.DB)(nil)

// SnapshotDeleteWorker deletes snapshots at their provider: deleting is
// idempotent, so a retry deletes again, and a snapshot already gone is
// deleted.
type SnapshotDeleteWorker struct {
	river.WorkerDefaults[SnapshotDeleteArgs]
	db     SnapshotDeleteStore
	pool   *pool.Service
	logger *slog.Logger
}

// NewSnapshotDeleteWorker returns the worker; logger may be nil.
func NewSnapshotDeleteWorker(db SnapshotDeleteStore, pool *pool.Service, logger *slog.Logger) *SnapshotDeleteWorker {
	return &SnapshotDeleteWorker{db: db, pool: pool, logger: cmp.Or(logger, slog.New(slog.DiscardHandler))}
}

// NextRetry backs off between transient failures (jobs.Backoff).
func (w *SnapshotDeleteWorker) NextRetry(job *river.Job[SnapshotDeleteArgs]) time.Time {
	return jobs.Backoff(job.Attempt)
}

func (w *SnapshotDeleteWorker) Work(ctx context.Context, job *river.Job[SnapshotDeleteArgs]) error {
	snap, err := w.db.SnapshotByID(ctx, job.Args.SnapshotID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil || snap.Status == webrana.SnapshotDeleted {
		return err
	}
	if snap.ProviderID != "" && snap.AccountID != "" {
		acc, err := w.db.AccountByID(ctx, snap.AccountID)
		if err != nil {
			return err
		}
		c, err := w.pool.Client(ctx, acc)
		if err != nil {
			return err
		}
		ctx = cloud.FailFast(ctx)
		if err := c.DeleteSnapshot(ctx, snap.ProviderID); err != nil && cloud.Code(err) != cloud.NotFound {
			if cloud.Code(err) == cloud.RateLimited {
				return river.JobSnooze(max(cloud.RetryAfter(err), time.Second))
			}
			return fmt.Errorf("delete snapshot %s: %w", snap.ID, err)
		}
	}
	w.logger.Info("snapshot deleted", "snapshot", snap.ID, "provider_id", snap.ProviderID)
	return w.db.SnapshotDeleted(ctx, snap.ID)
}

// SnapshotPrice is a provider's price of a snapshot's GB-month.
func (s *Service) SnapshotPrice(ctx context.Context, t webrana.ProviderType) (int64, error) {
	return s.db.SnapshotPrice(ctx, t)
}
