package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/webrana/webrana"
)

const instanceColumns = `id, owner_id, provider_type, account_id, plan_id, label, region, image, options,
	provider_id, status, ipv4, ipv6, error, created_at, updated_at, active_at, deleted_at`

func scanInstance(s scanner) (*webrana.Instance, error) {
	var in webrana.Instance
	var account sql.NullString
	var activeAt, deletedAt sql.NullTime
	err := s.Scan(&in.ID, &in.OwnerID, &in.ProviderType, &account, &in.PlanID, &in.Label, &in.Region, &in.Image,
		jsonText{&in.Options}, &in.ProviderID, &in.Status, &in.IPv4, &in.IPv6, &in.Error,
		&in.CreatedAt, &in.UpdatedAt, &activeAt, &deletedAt)
	if err != nil {
		return nil, err
	}
	in.AccountID = account.String
	in.ActiveAt, in.DeletedAt = timePtr(activeAt), timePtr(deletedAt)
	in.CreatedAt, in.UpdatedAt = in.CreatedAt.UTC(), in.UpdatedAt.UTC()
	return &in, nil
}

// CreateInstance inserts in, setting its ID and timestamps. An instance
// born with a server on an account (an import) counts there at once.
func (tx *Tx) CreateInstance(ctx context.Context, in *webrana.Instance) error {
	if !in.Status.Valid() {
		return webrana.FieldError("status", "Unknown instance status %q.", in.Status)
	}
	if in.AccountID != "" && in.ProviderID != "" {
		k, err := tx.lockCapacity(ctx, in.AccountID)
		if err != nil {
			return err
		}
		if err := tx.insertInstance(ctx, in); err != nil {
			return err
		}
		k.touch(in.AccountID)
		return k.settle(ctx)
	}
	return tx.insertInstance(ctx, in)
}

func (tx *Tx) insertInstance(ctx context.Context, in *webrana.Instance) error {
	c := tx.conn()
	in.ID = newID()
	in.CreatedAt = c.now()
	in.UpdatedAt = in.CreatedAt
	_, err := c.exec(ctx, `INSERT INTO instances (`+instanceColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.OwnerID, in.ProviderType, nullString(in.AccountID), in.PlanID, in.Label, in.Region, in.Image,
		jsonText{in.Options}, in.ProviderID, in.Status, in.IPv4, in.IPv6, in.Error,
		in.CreatedAt, in.UpdatedAt, nullTime(in.ActiveAt), nullTime(in.DeletedAt))
	if err == nil {
		err = c.firstBackupPeriod(ctx, in) // backups.go
	}
	if err := constraintError(err, "Instance already exists.", "Unknown owner, provider, account or plan."); err != nil {
		return err
	}
	return c.number(ctx, in.ID)
}

// InstanceByID returns the instance with the given id.
func (db *DB) InstanceByID(ctx context.Context, id string) (*webrana.Instance, error) {
	in, err := scanInstance(db.conn().row(ctx, `SELECT `+instanceColumns+` FROM instances WHERE id = ?`, id))
	return in, notFound(err, "Server")
}

// ListInstances returns a page of instances, newest first, and the exact
// total.
func (db *DB) ListInstances(ctx context.Context, f webrana.InstanceFilter) ([]*webrana.Instance, int, error) {
	items, total, err := listInstances(ctx, db.conn(), f, 0, `SELECT `+qualified("i", instanceColumns)+` FROM instances i`, scanInstance)
	return items, total.N, err
}

// listInstances runs query, which selects from instances as i, for a
// filter: a page, newest first, and the total — estimated when the filter
// allows it, has no condition, and the table holds estimateFrom rows or
// more (0: never).
func listInstances[T any](ctx context.Context, c conn, f webrana.InstanceFilter, estimateFrom int, query string,
	scan func(scanner) (T, error)) ([]T, Total, error) {
	filter := whereClause{}.
		eq("i.owner_id", f.OwnerID).eq("i.provider_type", string(f.ProviderType)).
		eq("i.status", string(f.Status)).eq("i.account_id", f.AccountID).
		cond(f.Search != "", `LOWER(i.label) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(f.Search))+"%").
		cond(f.Tag != "", `i.id IN (SELECT instance_id FROM instance_tags WHERE tag = ?)`, f.Tag).
		cond(f.Live, `i.status NOT IN (?, ?, ?)`, webrana.StatusDeleting, webrana.StatusDeleted, webrana.StatusFailed)
	where, args := filter.build()
	if !f.Estimate || where != "" {
		estimateFrom = 0
	}
	total, err := c.total(ctx, "instances", estimateFrom, `SELECT COUNT(*) FROM instances i`+where, args...)
	if err != nil {
		return nil, Total{}, err
	}
	p := f.Page.Normalize()
	offset := p.Offset()
	if f.After != nil {
		// Keyset: the rows after the cursor, straight from the
		// (created_at, id) index, however deep the list.
		where, args = filter.cond(true, "(i.created_at, i.id) < (?, ?)", f.After.CreatedAt, f.After.ID).build()
		offset = 0
	}
	items, err := list(ctx, c, scan, query+where+
		` ORDER BY i.created_at DESC, i.id DESC`+limitOffset(p.PerPage, offset), args...)
	return items, total, err
}

// likeEscaper escapes LIKE's wildcards (and its escape character) so that a
// search matches them literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }

// InstanceUpdate lists the fields of an instance to change; nil fields stay.
type InstanceUpdate struct {
	AccountID  *string
	ProviderID *string
	Status     *webrana.InstanceStatus
	Label      *string
	PlanID     *string
	Image      *string
	IPv4       *string
	IPv6       *string
	Error      *string
	ActiveAt   *time.Time
	DeletedAt  *time.Time
	// Backups turns the server's backups on or off as of now
	// (Options.Backups and the periods the meter bills; backups.go).
	Backups *bool
}

// UpdateInstance applies upd and returns the result.
func (db *DB) UpdateInstance(ctx context.Context, id string, upd InstanceUpdate) (*webrana.Instance, error) {
	if err := db.conn().updateInstance(ctx, id, upd); err != nil {
		return nil, err
	}
	return db.InstanceByID(ctx, id)
}

func (c conn) updateInstance(ctx context.Context, id string, upd InstanceUpdate) error {
	if upd.Status != nil && !upd.Status.Valid() {
		return webrana.FieldError("status", "Unknown instance status %q.", *upd.Status)
	}
	set := setClause{}.
		add("account_id", upd.AccountID != nil, nullString(deref(upd.AccountID))).
		add("provider_id", upd.ProviderID != nil, deref(upd.ProviderID)).
		add("status", upd.Status != nil, deref(upd.Status)).
		add("label", upd.Label != nil, deref(upd.Label)).
		add("plan_id", upd.PlanID != nil, deref(upd.PlanID)).
		add("image", upd.Image != nil, deref(upd.Image)).
		add("ipv4", upd.IPv4 != nil, deref(upd.IPv4)).
		add("ipv6", upd.IPv6 != nil, deref(upd.IPv6)).
		add("error", upd.Error != nil, deref(upd.Error)).
		add("active_at", upd.ActiveAt != nil, nullTime(upd.ActiveAt)).
		add("deleted_at", upd.DeletedAt != nil, nullTime(upd.DeletedAt))
	err := c.update(ctx, "instances", id, set, "Server")
	if err == nil && upd.Backups != nil {
		err = c.setBackups(ctx, id, *upd.Backups)
	}
	return constraintError(err, "", "Unknown account or plan.")
}
