package store

import (
	"cmp"
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

const actionColumns = `id, instance_id, user_id, type, params, status, provider_action_id, error, note, created_at, updated_at,
	sent_at, finished_at`

// actionParams is how an action's parameters are stored: with the sealed
// password, which the domain type never shows.
type actionParams struct {
	Image    string `json:"image,omitempty"`
	PlanID   string `json:"plan_id,omitempty"`
	Label    string `json:"label,omitempty"`
	Password string `json:"password,omitempty"`
	// set_rdns and resize (issue 19's networking).
	IP   string `json:"ip,omitempty"`
	PTR  string `json:"ptr,omitempty"`
	Disk bool   `json:"disk,omitempty"`
	// restore_backup (issue 19's backups).
	BackupID string `json:"backup_id,omitempty"`
	// Snapshots (snapshots.go).
	SnapshotID string `json:"snapshot_id,omitempty"`
	Name       string `json:"name,omitempty"`
}

// stored is how params are stored; the password only when given.
func stored(p webrana.ActionParams, password string) actionParams {
	return actionParams{Image: p.Image, PlanID: p.PlanID, Label: p.Label, Password: password, IP: p.IP, PTR: p.PTR, Disk: p.Disk, BackupID: p.BackupID,
		SnapshotID: p.SnapshotID, Name: p.Name}
}

func scanAction(s scanner) (*webrana.InstanceAction, error) {
	var a webrana.InstanceAction
	var user sql.NullString
	var p actionParams
	var sent, finished sql.NullTime
	if err := s.Scan(&a.ID, &a.InstanceID, &user, &a.Type, jsonText{&p}, &a.Status, &a.ProviderActionID, &a.Error, &a.Note,
		&a.CreatedAt, &a.UpdatedAt, &sent, &finished); err != nil {
		return nil, err
	}
	a.UserID = user.String
	a.Params = webrana.ActionParams{Image: p.Image, PlanID: p.PlanID, Label: p.Label, Password: p.Password, IP: p.IP, PTR: p.PTR, Disk: p.Disk, BackupID: p.BackupID,
		SnapshotID: p.SnapshotID, Name: p.Name}
	a.CreatedAt, a.UpdatedAt, a.SentAt, a.FinishedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC(), timePtr(sent), timePtr(finished)
	return &a, nil
}

// CreateAction records a requested action, queued, and calls enqueue in the
// same transaction to insert its job (and what else commits with it, such
// as its audit entry). When status is not empty the
// instance takes it at once (deleting). A server with an unfinished action
// refuses another: ECONFLICT.
func (db *DB) CreateAction(ctx context.Context, a *webrana.InstanceAction, status webrana.InstanceStatus,
	enqueue func(*Tx, *webrana.InstanceAction) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		a.ID, a.Status = newID(), webrana.ActionQueued
		a.CreatedAt = c.now()
		a.UpdatedAt = a.CreatedAt
		p := a.Params
		_, err := c.exec(ctx, `INSERT INTO instance_actions (`+actionColumns+`) VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, NULL, NULL)`,
			a.ID, a.InstanceID, nullString(a.UserID), a.Type, jsonText{stored(p, p.Password)},
			a.Status, a.Note, a.CreatedAt, a.UpdatedAt)
		if err := constraintError(err, "Another action is still running on this server; wait for it to finish.", "Unknown server."); err != nil {
			return err
		}
		if err := c.number(ctx, a.ID); err != nil {
			return err
		}
		if status != "" {
			// Only from a state a server can be acted on from: a deletion
			// that lost a race with the status sync (already deleted) must
			// not bring the server back to deleting.
			res, err := c.exec(ctx, `UPDATE instances SET status = ?, updated_at = ? WHERE id = ? AND status IN (?, ?, ?, ?)`,
				status, a.CreatedAt, a.InstanceID, webrana.StatusActive, webrana.StatusOff, webrana.StatusSuspended, webrana.StatusFailed)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return cmp.Or(err, error(webrana.Errorf(webrana.ECONFLICT, "The server changed meanwhile; look at it again.")))
			}
		}
		if enqueue != nil {
			return enqueue(tx, a)
		}
		return nil
	})
}

// ActionByID returns an action.
func (db *DB) ActionByID(ctx context.Context, id string) (*webrana.InstanceAction, error) {
	a, err := scanAction(db.conn().row(ctx, `SELECT `+actionColumns+` FROM instance_actions WHERE id = ?`, id))
	return a, notFound(err, "Action")
}

// ListActions returns a page of a server's actions, newest first, and the total.
func (db *DB) ListActions(ctx context.Context, instanceID string, p webrana.Page) ([]*webrana.InstanceAction, int, error) {
	return listPage(ctx, db.conn(), scanAction, `SELECT `+actionColumns+` FROM instance_actions WHERE instance_id = ?
		ORDER BY created_at DESC, id DESC`, `SELECT COUNT(*) FROM instance_actions WHERE instance_id = ?`, []any{instanceID}, p)
}

// SendingAction records that the action is about to be sent to the
// provider, before it is: the first time is kept (a retry after a lost
// answer must not move it) and set on a.
func (db *DB) SendingAction(ctx context.Context, a *webrana.InstanceAction) error {
	c := db.conn()
	now := c.now()
	var sent time.Time
	err := c.row(ctx, `UPDATE instance_actions SET sent_at = COALESCE(sent_at, ?), updated_at = ? WHERE id = ? RETURNING sent_at`,
		now, now, a.ID).Scan(&sent)
	if err != nil {
		return notFound(err, "Action")
	}
	sent = sent.UTC()
	a.SentAt = &sent
	return nil
}

// StartAction records that the provider runs the action under its id
// providerActionID (accepted, found after a lost answer, or replaced by a
// fallback, which note explains).
func (db *DB) StartAction(ctx context.Context, id, providerActionID, note string) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE instance_actions SET status = ?, provider_action_id = ?, note = ?, updated_at = ? WHERE id = ?`,
		webrana.ActionInProgress, providerActionID, note, c.now(), id)
	return mustAffect(res, err, "Action")
}

// ProviderActionIDs returns the provider's ids of every action Webrana
// recorded on the server: a provider action among them is not one a lost
// answer hid.
func (db *DB) ProviderActionIDs(ctx context.Context, instanceID string) ([]string, error) {
	return list(ctx, db.conn(), scanString, `SELECT provider_action_id FROM instance_actions
		WHERE instance_id = ? AND provider_action_id <> ''`, instanceID)
}

// FinishAction ends an action, completed or errored with a message (and
// a.Note), and applies upd to its server in the same transaction. The
// sealed password, if any, is erased. also runs in the same transaction (to
// tell the customer), only when the action was not finished before.
func (db *DB) FinishAction(ctx context.Context, a *webrana.InstanceAction, status, message string, upd InstanceUpdate,
	also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		now := c.now()
		if err := c.lockRow(ctx, "instance_actions", a.ID); err != nil {
			return err
		}
		var was string
		if err := c.row(ctx, `SELECT status FROM instance_actions WHERE id = ?`, a.ID).Scan(&was); err != nil {
			return notFound(err, "Action")
		}
		if was == webrana.ActionCompleted || was == webrana.ActionErrored {
			also = nil // finished before: told then
		}
		res, err := c.exec(ctx, `UPDATE instance_actions SET status = ?, error = ?, note = ?, params = ?, updated_at = ?, finished_at = ?
			WHERE id = ?`, status, message, a.Note, jsonText{stored(a.Params, "")},
			now, now, a.ID)
		if err := mustAffect(res, err, "Action"); err != nil {
			return err
		}
		if upd.Status != nil {
			// The provider's power state never overrides a suspension or a
			// deletion decided meanwhile; a delete that did not happen
			// takes its server back from deleting only.
			cond, args := `status NOT IN (?, ?, ?)`, []any{webrana.StatusSuspended, webrana.StatusDeleting, webrana.StatusDeleted}
			if a.Type == webrana.ActionDelete {
				cond, args = `status = ?`, []any{webrana.StatusDeleting}
			}
			if _, err := c.exec(ctx, `UPDATE instances SET status = ? WHERE id = ? AND `+cond,
				append([]any{*upd.Status, a.InstanceID}, args...)...); err != nil {
				return err
			}
			upd.Status = nil
		}
		if err := c.updateInstance(ctx, a.InstanceID, upd); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// DeleteFinished ends a delete action: the server is gone at the provider,
// so the instance is deleted (the record stays; billing stops now, as the
// provider's did when it removed the server, and hours already charged
// stay consistent with it) and its account's slot is given back (see
// Capacity). The action keeps when the delete was first sent (SentAt).
func (db *DB) DeleteFinished(ctx context.Context, a *webrana.InstanceAction, accountID string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		k, err := tx.lockCapacity(ctx, accountID)
		if err != nil {
			return err
		}
		now := c.now()
		res, err := c.exec(ctx, `UPDATE instance_actions SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
			webrana.ActionCompleted, now, now, a.ID)
		if err := mustAffect(res, err, "Action"); err != nil {
			return err
		}
		deleted := webrana.StatusDeleted
		if err := c.updateInstance(ctx, a.InstanceID, InstanceUpdate{Status: &deleted, DeletedAt: &now}); err != nil {
			return err
		}
		if accountID != "" {
			k.touch(accountID)
		}
		return k.settle(ctx)
	})
}

// RunningServersOn returns the account's servers that run, are stopped or
// suspended, with no action under way (an action's job keeps those in step
// itself).
func (db *DB) RunningServersOn(ctx context.Context, accountID string) ([]*webrana.Instance, error) {
	return list(ctx, db.conn(), scanInstance, `SELECT `+instanceColumns+` FROM instances
		WHERE account_id = ? AND provider_id <> '' AND status IN (?, ?, ?)
			AND id NOT IN (SELECT instance_id FROM instance_actions WHERE status IN (?, ?))`,
		accountID, webrana.StatusActive, webrana.StatusOff, webrana.StatusSuspended, webrana.ActionQueued, webrana.ActionInProgress)
}

// SetServerStatus records a status the provider shows, unless the instance
// changed meanwhile (from must still hold).
func (db *DB) SetServerStatus(ctx context.Context, id string, from, to webrana.InstanceStatus) error {
	c := db.conn()
	_, err := c.exec(ctx, `UPDATE instances SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, to, c.now(), id, from)
	return err
}

// ServerDestroyedAtProvider records that the provider no longer has the
// server (destroyed from its console): the instance is deleted, as of when
// the provider was seen without it, which stops its billing, and its
// account's slot is free again.
func (db *DB) ServerDestroyedAtProvider(ctx context.Context, id string, at time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		var account sql.NullString
		if err := c.row(ctx, `SELECT account_id FROM instances WHERE id = ?`, id).Scan(&account); err != nil {
			return notFound(err, "Server")
		}
		k, err := tx.lockCapacity(ctx, account.String)
		if err != nil {
			return err
		}
		res, err := c.exec(ctx, `UPDATE instances SET status = ?, deleted_at = ?, error = ?, updated_at = ?
			WHERE id = ? AND status IN (?, ?, ?)`, webrana.StatusDeleted, at, "The server was destroyed at the provider.", c.now(),
			id, webrana.StatusActive, webrana.StatusOff, webrana.StatusSuspended)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 && account.Valid {
			k.touch(account.String)
		}
		return k.settle(ctx)
	})
}
