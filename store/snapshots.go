package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// Snapshots of servers (issue 19): a row from the request (creating) to
// deletion, with its billing position as servers have one (metering.go).

const snapshotColumns = `s.id, s.owner_id, s.instance_id, s.account_id, s.provider_type, s.provider_id, s.action_id, s.name,
	s.size_gb, s.region, s.status, s.created_at, s.available_at, s.deleted_at`

func scanSnapshot(s scanner) (*webrana.Snapshot, error) {
	var sn webrana.Snapshot
	var account sql.NullString
	var avail, deleted sql.NullTime
	if err := s.Scan(&sn.ID, &sn.OwnerID, &sn.InstanceID, &account, &sn.ProviderType, &sn.ProviderID, &sn.ActionID, &sn.Name,
		&sn.SizeGB, &sn.Region, &sn.Status, &sn.CreatedAt, &avail, &deleted); err != nil {
		return nil, err
	}
	sn.AccountID = account.String
	sn.CreatedAt, sn.AvailableAt, sn.DeletedAt = sn.CreatedAt.UTC(), timePtr(avail), timePtr(deleted)
	return &sn, nil
}

// SnapshotRow is a snapshot as people see it: with its server's label and
// its provider's price per GB-month.
type SnapshotRow struct {
	*webrana.Snapshot
	InstanceLabel string
	PriceGBMonth  int64 // minor units of the billing currency
}

func scanSnapshotRow(s scanner) (*SnapshotRow, error) {
	var r SnapshotRow
	var sn webrana.Snapshot
	var account sql.NullString
	var avail, deleted sql.NullTime
	if err := s.Scan(&sn.ID, &sn.OwnerID, &sn.InstanceID, &account, &sn.ProviderType, &sn.ProviderID, &sn.ActionID, &sn.Name,
		&sn.SizeGB, &sn.Region, &sn.Status, &sn.CreatedAt, &avail, &deleted, &r.InstanceLabel, &r.PriceGBMonth); err != nil {
		return nil, err
	}
	sn.AccountID = account.String
	sn.CreatedAt, sn.AvailableAt, sn.DeletedAt = sn.CreatedAt.UTC(), timePtr(avail), timePtr(deleted)
	r.Snapshot = &sn
	return &r, nil
}

// CreateSnapshot records a snapshot being taken (creating), setting its id
// and times. It is called in the transaction of the action that takes it.
func (tx *Tx) CreateSnapshot(ctx context.Context, s *webrana.Snapshot) error {
	c := tx.conn()
	s.ID, s.Status, s.CreatedAt = newID(), webrana.SnapshotCreating, c.now()
	_, err := c.exec(ctx, `INSERT INTO snapshots (id, owner_id, instance_id, account_id, provider_type, provider_id, action_id,
			name, size_gb, region, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, '', ?, ?, 0, ?, ?, ?, ?)`,
		s.ID, s.OwnerID, s.InstanceID, nullString(s.AccountID), s.ProviderType, s.ActionID, s.Name, s.Region, s.Status,
		s.CreatedAt, s.CreatedAt)
	return constraintError(err, "", "Unknown server.")
}

// CountSnapshots counts a customer's snapshots that count against the
// limit: creating and available ones.
func (tx *Tx) CountSnapshots(ctx context.Context, ownerID string) (int, error) {
	c := tx.conn()
	if err := c.lockRow(ctx, "users", ownerID); err != nil { // one customer's requests take turns
		return 0, err
	}
	return c.count(ctx, `SELECT COUNT(*) FROM snapshots WHERE owner_id = ? AND status IN (?, ?)`,
		ownerID, webrana.SnapshotCreating, webrana.SnapshotAvailable)
}

// SnapshotByID returns a snapshot, deleted or not.
func (db *DB) SnapshotByID(ctx context.Context, id string) (*webrana.Snapshot, error) {
	s, err := scanSnapshot(db.conn().row(ctx, `SELECT `+snapshotColumns+` FROM snapshots s WHERE s.id = ?`, id))
	return s, notFound(err, "Snapshot")
}

// ListSnapshotRows returns a page of snapshots, newest first, and the
// total: a customer's (f.OwnerID) and/or a server's (f.InstanceID),
// leaving out the deleted and the failed.
func (db *DB) ListSnapshotRows(ctx context.Context, f webrana.SnapshotFilter) ([]*SnapshotRow, int, error) {
	where, args := `s.status NOT IN (?, ?)`, []any{webrana.SnapshotDeleted, webrana.SnapshotFailed}
	if f.OwnerID != "" {
		where, args = where+` AND s.owner_id = ?`, append(args, f.OwnerID)
	}
	if f.InstanceID != "" {
		where, args = where+` AND s.instance_id = ?`, append(args, f.InstanceID)
	}
	return listPage(ctx, db.conn(), scanSnapshotRow, `SELECT `+snapshotColumns+`, i.label, p.snapshot_price_gb_month
		FROM snapshots s JOIN instances i ON i.id = s.instance_id JOIN providers p ON p.type = s.provider_type
		WHERE `+where+` ORDER BY s.created_at DESC, s.id DESC`, `SELECT COUNT(*) FROM snapshots s WHERE `+where, args, f.Page)
}

// SnapshotTaken records what the provider took: its id, size and region.
// The snapshot is available and billed from the start of the hour it
// became so. Only a creating snapshot changes (a retry changes nothing).
func (tx *Tx) SnapshotTaken(ctx context.Context, id, providerID string, sizeGB int, region string, at time.Time) error {
	c := tx.conn()
	at = at.UTC()
	_, err := c.exec(ctx, `UPDATE snapshots SET provider_id = ?, size_gb = ?, region = ?, status = ?, available_at = ?,
			billed_until = ?, billing_month = ?, month_charged = 0, updated_at = ?
		WHERE id = ? AND status = ?`, providerID, sizeGB, region, webrana.SnapshotAvailable, at,
		at.Truncate(time.Hour), webrana.MonthOf(at), c.now(), id, webrana.SnapshotCreating)
	return err
}

// SnapshotFailed ends a snapshot that was not taken: never billed, not
// listed.
func (tx *Tx) SnapshotFailed(ctx context.Context, id string) error {
	c := tx.conn()
	now := c.now()
	_, err := c.exec(ctx, `UPDATE snapshots SET status = ?, deleted_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
		webrana.SnapshotFailed, now, now, id, webrana.SnapshotCreating)
	return err
}

// DeletingSnapshot marks an available snapshot deleting (billing stops
// now) and runs also in the same transaction (its job, its audit). It
// reports whether it changed it: a snapshot deleting or deleted already is
// left as it is (false), one still being taken is ECONFLICT.
func (db *DB) DeletingSnapshot(ctx context.Context, id string, also ...func(*Tx) error) (bool, error) {
	changed := false
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		changed, err = tx.DeletingSnapshot(ctx, id)
		if err != nil || !changed {
			return err
		}
		return tx.then(also)
	})
	return changed, err
}

// DeletingSnapshot is DeletingSnapshot in a transaction, without also.
func (tx *Tx) DeletingSnapshot(ctx context.Context, id string) (bool, error) {
	c := tx.conn()
	if err := c.lockRow(ctx, "snapshots", id); err != nil {
		return false, err
	}
	var status string
	if err := c.row(ctx, `SELECT status FROM snapshots WHERE id = ?`, id).Scan(&status); err != nil {
		return false, notFound(err, "Snapshot")
	}
	switch status {
	case webrana.SnapshotDeleting, webrana.SnapshotDeleted, webrana.SnapshotFailed:
		return false, nil
	case webrana.SnapshotCreating:
		return false, webrana.Errorf(webrana.ECONFLICT, "The snapshot is still being taken; delete it once it is available.")
	}
	now := c.now()
	_, err := c.exec(ctx, `UPDATE snapshots SET status = ?, deleted_at = ?, updated_at = ? WHERE id = ?`,
		webrana.SnapshotDeleting, now, now, id)
	return err == nil, err
}

// SnapshotsOfInstance returns a server's snapshots that are not deleted
// or failed.
func (tx *Tx) SnapshotsOfInstance(ctx context.Context, instanceID string) ([]*webrana.Snapshot, error) {
	return list(ctx, tx.conn(), scanSnapshot, `SELECT `+snapshotColumns+` FROM snapshots s
		WHERE s.instance_id = ? AND s.status NOT IN (?, ?) ORDER BY s.created_at, s.id`,
		instanceID, webrana.SnapshotDeleted, webrana.SnapshotFailed)
}

// SnapshotDeleted records that the provider deleted the snapshot.
func (db *DB) SnapshotDeleted(ctx context.Context, id string) error {
	c := db.conn()
	now := c.now()
	_, err := c.exec(ctx, `UPDATE snapshots SET status = ?, deleted_at = COALESCE(deleted_at, ?), updated_at = ? WHERE id = ?`,
		webrana.SnapshotDeleted, now, now, id)
	return err
}

// SetSnapshotPrice sets a provider's price of a snapshot's GB-month
// (minor units of the billing currency), in the operator's transaction.
func (tx *Tx) SetSnapshotPrice(ctx context.Context, providerID string, perGBMonth int64) error {
	c := tx.conn()
	res, err := c.exec(ctx, `UPDATE providers SET snapshot_price_gb_month = ?, updated_at = ? WHERE id = ?`,
		perGBMonth, c.now(), providerID)
	return mustAffect(res, err, "Provider")
}

// SnapshotPrice is a provider's price of a snapshot's GB-month.
func (db *DB) SnapshotPrice(ctx context.Context, t webrana.ProviderType) (int64, error) {
	var v int64
	err := db.conn().row(ctx, `SELECT snapshot_price_gb_month FROM providers WHERE type = ?`, t).Scan(&v)
	return v, notFound(err, "Provider")
}

// BillableSnapshot is what metering needs of a snapshot: its billing
// position (in Billable, with its server's id and label and its owner) and
// its size and price; billing computes its hourly and monthly prices.
type BillableSnapshot struct {
	Billable
	SnapshotID   string
	Name         string
	SizeGB       int
	PriceGBMonth int64
}

// BillableSnapshots returns up to limit snapshots, after the id afterID in
// id order, with hours to bill before now: available (or deleted after
// their billed time), not billed to now.
func (db *DB) BillableSnapshots(ctx context.Context, afterID string, now time.Time, limit int) ([]*BillableSnapshot, error) {
	return list(ctx, db.conn(), scanBillableSnapshot, `SELECT s.id, s.name, s.size_gb, p.snapshot_price_gb_month,
			s.instance_id, s.owner_id, i.label, s.billed_until, s.billing_month, s.month_charged, s.deleted_at
		FROM snapshots s JOIN instances i ON i.id = s.instance_id JOIN providers p ON p.type = s.provider_type
		WHERE s.id > ? AND s.billed_until IS NOT NULL AND s.billed_until <= ?
			AND (s.deleted_at IS NULL OR s.deleted_at > s.billed_until)
		ORDER BY s.id LIMIT ?`, afterID, now, limit)
}

func scanBillableSnapshot(s scanner) (*BillableSnapshot, error) {
	var b BillableSnapshot
	var until, month, end sql.NullTime
	if err := s.Scan(&b.SnapshotID, &b.Name, &b.SizeGB, &b.PriceGBMonth, &b.InstanceID, &b.OwnerID, &b.Label,
		&until, &month, &b.MonthCharged, &end); err != nil {
		return nil, err
	}
	b.Currency = webrana.BillingCurrency
	b.BilledUntil, b.BillingMonth, b.End = until.Time.UTC(), month.Time.UTC(), timePtr(end)
	return &b, nil
}

// ChargeSnapshotHour bills one hour of a snapshot as ChargeHour bills one
// of a server: its ledger entry (nil when the hour costs nothing) and its
// billing position moved from b's to next, in one transaction, once.
func (db *DB) ChargeSnapshotHour(ctx context.Context, b *BillableSnapshot, next BillingPosition, entry *webrana.LedgerEntry) (bool, error) {
	if !next.BilledUntil.After(b.BilledUntil) || next.MonthCharged < 0 || next.MonthCharged > 2*webrana.MaxAmount {
		return false, webrana.Errorf(webrana.EINVALID, "A billing position must move forward and count 0 to twice the largest price in a month.")
	}
	ok, err := db.chargeOnce(ctx, []*webrana.LedgerEntry{entry}, `UPDATE snapshots SET billed_until = ?, billing_month = ?, month_charged = ?
		WHERE id = ? AND billed_until = ?`, next.BilledUntil, next.BillingMonth, next.MonthCharged, b.SnapshotID, b.BilledUntil)
	if ok {
		b.BillingPosition = next
	}
	return ok, err
}

// SnapshotByAction returns the snapshot an action takes.
func (db *DB) SnapshotByAction(ctx context.Context, actionID string) (*webrana.Snapshot, error) {
	return db.conn().snapshotByAction(ctx, actionID)
}

// SnapshotByAction returns the snapshot an action takes, in the transaction.
func (tx *Tx) SnapshotByAction(ctx context.Context, actionID string) (*webrana.Snapshot, error) {
	return tx.conn().snapshotByAction(ctx, actionID)
}

func (c conn) snapshotByAction(ctx context.Context, actionID string) (*webrana.Snapshot, error) {
	s, err := scanSnapshot(c.row(ctx, `SELECT `+snapshotColumns+` FROM snapshots s WHERE s.action_id = ?`, actionID))
	return s, notFound(err, "Snapshot")
}
