package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// A server's backups: whether they are on now is its Options.Backups, and
// the times they were on are its backup_periods, which the meter bills
// (metering.go). Both change together, in the transaction of the order
// that turns them on or of the action that completed.

// firstBackupPeriod opens the backup period of a new server created with
// backups on (ordered so, or adopted with them on), from its creation.
func (c conn) firstBackupPeriod(ctx context.Context, in *webrana.Instance) error {
	if !in.Options.Backups {
		return nil
	}
	_, err := c.exec(ctx, `INSERT INTO backup_periods (instance_id, started_at) VALUES (?, ?)`, in.ID, in.CreatedAt)
	return err
}

// orderBackups records, with a new order, the part of its hold that pays
// for its first day of backups.
func (c conn) orderBackups(ctx context.Context, o *webrana.Order, in *webrana.Instance, no NewOrder) error {
	if no.BackupHold < 0 || no.BackupHold > no.Hold.Amount || (no.BackupHold > 0 && !in.Options.Backups) {
		return webrana.Errorf(webrana.EINVALID, "An order's backup hold is part of its hold, for a server ordered with backups.")
	}
	if no.BackupHold == 0 {
		return nil
	}
	_, err := c.exec(ctx, `UPDATE orders SET backup_hold = ? WHERE id = ?`, no.BackupHold, o.ID)
	return err
}

// setBackups turns a server's backups on or off as of now: its options say
// so, and a period opens or the open one closes. Turning them to what they
// are changes nothing.
func (c conn) setBackups(ctx context.Context, id string, on bool) error {
	var opts webrana.InstanceOptions
	if err := c.row(ctx, `SELECT options FROM instances WHERE id = ?`, id).Scan(jsonText{&opts}); err != nil {
		return notFound(err, "Server")
	}
	var open int
	if err := c.row(ctx, `SELECT COUNT(*) FROM backup_periods WHERE instance_id = ? AND ended_at IS NULL`, id).Scan(&open); err != nil {
		return err
	}
	now := c.now()
	switch {
	case on && open == 0:
		if _, err := c.exec(ctx, `INSERT INTO backup_periods (instance_id, started_at) VALUES (?, ?)`, id, now); err != nil {
			return err
		}
	case !on && open > 0:
		if _, err := c.exec(ctx, `UPDATE backup_periods SET ended_at = ? WHERE instance_id = ? AND ended_at IS NULL`, now, id); err != nil {
			return err
		}
	}
	if opts.Backups == on {
		return nil
	}
	opts.Backups = on
	_, err := c.exec(ctx, `UPDATE instances SET options = ? WHERE id = ?`, jsonText{opts}, id)
	return err
}

// BackupPeriods returns the times a server's backups were on, oldest first.
func (db *DB) BackupPeriods(ctx context.Context, instanceID string) ([]webrana.BackupPeriod, error) {
	byID, err := db.conn().backupPeriods(ctx, instanceID, instanceID)
	return byID[instanceID], err
}

// backupPeriods returns the backup periods of the servers whose ids are
// from first to last (in id order), by server, oldest first.
func (c conn) backupPeriods(ctx context.Context, first, last string) (map[string][]webrana.BackupPeriod, error) {
	rows, err := c.query(ctx, `SELECT instance_id, started_at, ended_at FROM backup_periods
		WHERE instance_id >= ? AND instance_id <= ? ORDER BY instance_id, started_at`, first, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]webrana.BackupPeriod{}
	for rows.Next() {
		var id string
		var start time.Time
		var end sql.NullTime
		if err := rows.Scan(&id, &start, &end); err != nil {
			return nil, err
		}
		out[id] = append(out[id], webrana.BackupPeriod{Start: start.UTC(), End: timePtr(end)})
	}
	return out, rows.Err()
}

// firstBackupCharge is the part of a completed order's charge that pays
// for its first day of backups: its backup hold, or less when the charge
// is less than the hold.
func firstBackupCharge(hold int64, done Completion) int64 {
	return max(0, min(hold, done.Charge))
}

// firstDayNote is the ledger note of an order's first day.
func firstDayNote(label string, backups int64) string {
	if backups > 0 {
		return "First day of " + label + " with backups"
	}
	return "First day of " + label
}
