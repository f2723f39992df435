// Package lifecycle runs what customers do with their servers once they
// run: power actions, rebuild, resize, rename, password reset, IPv6, the
// firewall's rules (firewall.go), and deletion. Request checks an action against the server's state and
// provider and records it with its River job in one transaction; Worker
// sends it to the provider and follows it to completion (snoozing, never
// sleeping), then brings the instance in step with the provider.
//
// Servers and Server are the servers as people see them (with their names,
// one query a page; another customer's server is not found); Allowed is the
// one rule of which action a server's state and provider allow, shared by
// the API, the server page and the worker. A person's action or deletion is
// audited in the transaction that queues it.
package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Service accepts actions on servers.
type Service struct {
	db      ServerStore
	catalog *catalog.Service
	keys    *secrets.Keyring
	queue   jobs.Enqueuer
}

// New returns the server service over db: rebuild images are checked
// against catalog, passwords sealed with keys, and each action's job
// enqueued on queue. It has no optional settings.
func New(db ServerStore, catalog *catalog.Service, keys *secrets.Keyring, queue jobs.Enqueuer) *Service {
	return &Service{db: db, catalog: catalog, keys: keys, queue: queue}
}

// Request is an action as POST /api/vps/{id}/actions takes it.
type Request struct {
	Type     string `json:"type"`
	Image    string `json:"image"`    // rebuild
	PlanID   string `json:"plan_id"`  // resize
	Label    string `json:"label"`    // rename
	Password string `json:"password"` // password_reset and rebuild, where the provider takes one (Linode)
	// Disk: a resize grows the disk to the plan's too (permanent); absent,
	// as the provider does by default (DiskDefault).
	Disk     *bool  `json:"disk"`
	IP       string `json:"ip"`        // set_rdns: one of the server's public addresses
	PTR      string `json:"ptr"`       // set_rdns: the host name
	BackupID string `json:"backup_id"` // restore_backup
	// Snapshots (snapshots.go): the name of one to take, the id of one to
	// restore (with Password, where the provider's restore sets one).
	Name       string `json:"name"`
	SnapshotID string `json:"snapshot_id"`
}

// Args is an action's job. It names the action only; a password stays
// sealed in the action's row until used, then is erased.
type Args struct {
	ActionID string `json:"action_id"`
}

func (Args) Kind() string { return "server_action" }

// InsertOpts: transient failures are retried with backoff for about half an
// hour.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// Act validates an action on the instance and accepts it (queued), with
// its job and its audit entry ("vps.action", by the actor) in one
// transaction.
func (s *Service) Act(ctx context.Context, by webrana.Actor, in *webrana.Instance, req Request) (*webrana.InstanceAction, error) {
	params, err := s.check(ctx, by.User, in, req)
	if err != nil {
		return nil, err
	}
	a := &webrana.InstanceAction{InstanceID: in.ID, UserID: by.UserID(), Type: req.Type, Params: params}
	if req.Type == webrana.ActionSetRDNS {
		a.Note = RDNSNote(in, params.PTR)
	}
	audit := by.Entry("vps.action", "instance", in.ID, req.Type)
	enqueue := s.enqueue(ctx, audit)
	if req.Type == webrana.ActionSnapshot { // the snapshot is recorded with its action (snapshots.go)
		record, err := s.recordSnapshot(ctx, in, params.Name)
		if err != nil {
			return nil, err
		}
		enqueue = func(tx *store.Tx, a *webrana.InstanceAction) error {
			if err := record(tx, a); err != nil {
				return err
			}
			return s.enqueue(ctx, audit)(tx, a)
		}
	}
	if err := s.db.CreateAction(ctx, a, "", enqueue); err != nil {
		return nil, fmt.Errorf("%s server %s: %w", req.Type, in.ID, err)
	}
	return a, nil
}

// Delete accepts the deletion of a server: it is `deleting` at once, and
// deleted at the provider by the job. Deleting a server already deleting or
// deleted changes nothing (the answer says which, and nothing is audited
// again); a server that never came up is deleted at once, as there is
// nothing at the provider. The deletion is audited ("vps.deleted", by the
// actor) in its transaction.
func (s *Service) Delete(ctx context.Context, by webrana.Actor, in *webrana.Instance) (*webrana.Instance, error) {
	return s.remove(ctx, by.UserID(), in, by.Entry("vps.deleted", "instance", in.ID, in.Label))
}

// DeleteUnpaid deletes a server of a customer who did not pay, as Delete
// does on their behalf, with its snapshots (which would go on costing
// them); dunning audits its step itself, not each server.
func (s *Service) DeleteUnpaid(ctx context.Context, owner *webrana.User, in *webrana.Instance) (*webrana.Instance, error) {
	return s.remove(ctx, owner.ID, in, nil, s.dropSnapshots(ctx, in.ID))
}

// remove deletes a server for a user, with an audit entry unless it is
// nil, and also in the same transaction.
func (s *Service) remove(ctx context.Context, userID string, in *webrana.Instance, audit *webrana.AuditEntry,
	also ...func(*store.Tx) error) (*webrana.Instance, error) {
	if in.Status == webrana.StatusDeleting || in.Status == webrana.StatusDeleted {
		return in, nil
	}
	if err := Allowed(in, webrana.ActionDelete); err != nil {
		return nil, err
	}
	a := &webrana.InstanceAction{InstanceID: in.ID, UserID: userID, Type: webrana.ActionDelete}
	if in.Status == webrana.StatusFailed {
		// Its order already removed whatever it made and gave the slot
		// back: only the record changes.
		if err := s.db.CreateAction(ctx, a, webrana.StatusDeleting, then(auditing(ctx, audit), also)); err != nil {
			return nil, fmt.Errorf("delete server %s: %w", in.ID, err)
		}
		if err := s.db.DeleteFinished(ctx, a, ""); err != nil {
			return nil, fmt.Errorf("delete server %s: %w", in.ID, err)
		}
	} else if err := s.db.CreateAction(ctx, a, webrana.StatusDeleting, then(s.enqueue(ctx, audit), also)); err != nil {
		return nil, fmt.Errorf("delete server %s: %w", in.ID, err)
	}
	return s.db.InstanceByID(ctx, in.ID)
}

// Suspend powers a server off for non-payment and marks it suspended; the
// customer cannot act on it until Restore.
func (s *Service) Suspend(ctx context.Context, in *webrana.Instance) error {
	if in.Status != webrana.StatusActive {
		// Already off: recorded as a finished power-off, so a customer's
		// action under way refuses it (and dunning retries) rather than
		// power the server on under the suspension.
		a := &webrana.InstanceAction{InstanceID: in.ID, Type: webrana.ActionPowerOff}
		if err := s.db.CreateAction(ctx, a, webrana.StatusSuspended, nil); err != nil {
			return err
		}
		return s.db.FinishAction(ctx, a, webrana.ActionCompleted, "", store.InstanceUpdate{})
	}
	a := &webrana.InstanceAction{InstanceID: in.ID, Type: webrana.ActionPowerOff}
	return s.db.CreateAction(ctx, a, webrana.StatusSuspended, s.enqueue(ctx, nil))
}

// Restore powers a suspended server on again (the balance was topped up).
func (s *Service) Restore(ctx context.Context, in *webrana.Instance) error {
	a := &webrana.InstanceAction{InstanceID: in.ID, Type: webrana.ActionPowerOn}
	return s.db.CreateAction(ctx, a, webrana.StatusOff, s.enqueue(ctx, nil))
}

// enqueue inserts an action's job, and its audit entry unless it is nil,
// in the action's transaction.
func (s *Service) enqueue(ctx context.Context, audit *webrana.AuditEntry) func(*store.Tx, *webrana.InstanceAction) error {
	return func(tx *store.Tx, a *webrana.InstanceAction) error {
		if err := s.queue.InsertTx(ctx, tx, Args{ActionID: a.ID}, nil); err != nil {
			return err
		}
		return auditing(ctx, audit)(tx, a)
	}
}

// then is an action's step followed by also, in its transaction.
func then(step func(*store.Tx, *webrana.InstanceAction) error, also []func(*store.Tx) error) func(*store.Tx, *webrana.InstanceAction) error {
	return func(tx *store.Tx, a *webrana.InstanceAction) error {
		if err := step(tx, a); err != nil {
			return err
		}
		for _, fn := range also {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// auditing writes an action's audit entry (none for nil) in its transaction.
func auditing(ctx context.Context, audit *webrana.AuditEntry) func(*store.Tx, *webrana.InstanceAction) error {
	return func(tx *store.Tx, _ *webrana.InstanceAction) error {
		if audit == nil {
			return nil
		}
		return tx.AppendAudit(ctx, audit)
	}
}

// check refuses actions the server's state or provider does not allow
// (Allowed), in words the customer can act on, and returns the action's
// parameters.
func (s *Service) check(ctx context.Context, user *webrana.User, in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	var p webrana.ActionParams
	if err := actionable(in); err != nil {
		return p, err
	}
	if req.Type == webrana.ActionFirewall {
		return p, webrana.FieldError("type", "Set the firewall's rules with PUT /api/vps/{id}/firewall.")
	}
	if req.Type == webrana.ActionResize { // the plan is checked first
		return s.checkResize(ctx, in, req)
	}
	if req.Type == webrana.ActionSetRDNS {
		return checkRDNS(in, req)
	}
	if err := stateAllows(in, req.Type); err != nil {
		return p, err
	}
	switch req.Type {
	case webrana.ActionRebuild:
		return s.checkRebuild(ctx, user, in, req)
	case webrana.ActionRename:
		label, err := webrana.ValidLabel(req.Label)
		if err != nil {
			return p, err
		}
		if label == in.Label {
			return p, webrana.FieldError("label", "The server is already called %s.", label)
		}
		p.Label = label
	case webrana.ActionPassword:
		return s.checkPassword(user, in, req)
	case webrana.ActionRestoreBackup:
		return checkRestore(req) // backups.go
	case webrana.ActionSnapshot:
		return s.checkSnapshot(in, req)
	case webrana.ActionRestore:
		return s.checkRestore(ctx, user, in, req)
	}
	return p, nil
}

// checkRebuild: the image must exist in the server's region; a provider
// whose rebuild sets a new root password needs one (Linode), the others
// keep the password and take none (DigitalOcean).
func (s *Service) checkRebuild(ctx context.Context, user *webrana.User, in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	if req.Image == "" {
		return webrana.ActionParams{}, webrana.FieldError("image", "Choose the image to rebuild from.")
	}
	images, err := s.catalog.GetImages(ctx, in.ProviderType, cloud.ImageDistribution)
	if err != nil {
		return webrana.ActionParams{}, err
	}
	i := slices.IndexFunc(images.Items, func(im *cloud.Image) bool { return im.Slug == req.Image })
	if i < 0 {
		return webrana.ActionParams{}, webrana.FieldError("image", "%s has no image %q.", in.ProviderType, req.Image)
	}
	if err := CanRebuild(in, images.Items[i]); err != nil {
		return webrana.ActionParams{}, err
	}
	p := webrana.ActionParams{Image: req.Image}
	if reg := providers.Of(in.ProviderType); !reg.Capabilities.RebuildPassword {
		if req.Password != "" {
			return p, webrana.FieldError("password", "%s keeps the root password on rebuild; leave password empty.", reg.Name)
		}
		return p, nil
	}
	sealed, err := s.sealPassword(user, in, req.Password)
	p.Password = sealed
	return p, err
}

// sealPassword checks a new root password the provider takes (Linode's)
// and seals it for the job.
func (s *Service) sealPassword(user *webrana.User, in *webrana.Instance, pw string) (string, error) {
	if pw == "" {
		return "", webrana.FieldError("password", "%s needs the new root password.", providers.Of(in.ProviderType).Name)
	}
	if err := webrana.CheckRootPassword(pw, in.Label, user.Email); err != nil {
		return "", webrana.FieldError("password", "%s", strings.Replace(webrana.ErrorMessage(err), "root password", "password", 1))
	}
	return s.keys.Seal(pw)
}

// checkResize allows a bigger plan of the same provider sold in the
// server's region (CanResize), then the server's state (Allowed: some
// providers resize stopped servers only).
func (s *Service) checkResize(ctx context.Context, in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	var p webrana.ActionParams
	if req.PlanID == "" {
		return p, webrana.FieldError("plan_id", "Choose the plan to resize to.")
	}
	cur, err := s.db.PlanByID(ctx, in.PlanID)
	if err != nil {
		return p, err
	}
	next, err := s.db.PlanByID(ctx, req.PlanID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return p, webrana.FieldError("plan_id", "Unknown plan.")
	}
	if err != nil {
		return p, err
	}
	disk := DiskDefault(in.ProviderType)
	if req.Disk != nil {
		disk = *req.Disk
	}
	if err := CanResize(in, cur, next, disk); err != nil {
		return p, err
	}
	if err := stateAllows(in, webrana.ActionResize); err != nil {
		return p, err
	}
	p.PlanID, p.Disk = next.ID, disk
	return p, nil
}

// checkPassword: a provider that resets the password itself e-mails it to
// the account owner (DigitalOcean) and takes none; the others take the new
// password (Linode), which must be strong.
func (s *Service) checkPassword(user *webrana.User, in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	var p webrana.ActionParams
	if reg := providers.Of(in.ProviderType); reg.Capabilities.PasswordReset != cloud.PasswordResetGiven {
		if req.Password != "" {
			return p, webrana.FieldError("password", "%s chooses the new password itself; leave password empty.", reg.Name)
		}
		return p, nil
	}
	sealed, err := s.sealPassword(user, in, req.Password)
	p.Password = sealed
	return p, err
}
