package store

import (
	"context"
	"database/sql"

	"github.com/webrana/webrana"
)

const findingColumns = `id, account_id, provider_id, tag, order_id, detail, status, found_at, resolved_at`

func scanFinding(s scanner) (*webrana.Finding, error) {
	var f webrana.Finding
	var account sql.NullString
	var resolved sql.NullTime
	if err := s.Scan(&f.ID, &account, &f.ProviderID, &f.Tag, &f.OrderID, &f.Detail, &f.Status, &f.FoundAt, &resolved); err != nil {
		return nil, err
	}
	f.AccountID, f.FoundAt, f.ResolvedAt = account.String, f.FoundAt.UTC(), timePtr(resolved)
	return &f, nil
}

// RecordFinding records an orphan unless that server is already recorded;
// it reports whether the finding is new.
func (db *DB) RecordFinding(ctx context.Context, f *webrana.Finding) (bool, error) {
	c := db.conn()
	f.ID, f.Status, f.FoundAt = newID(), webrana.FindingOpen, c.now()
	res, err := c.exec(ctx, `INSERT INTO reconciliation_findings (`+findingColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
		ON CONFLICT (account_id, provider_id) DO NOTHING`,
		f.ID, f.AccountID, f.ProviderID, f.Tag, f.OrderID, f.Detail, f.Status, f.FoundAt)
	if err != nil {
		return false, constraintError(err, "", "Unknown account.")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FindingByID returns a finding.
func (db *DB) FindingByID(ctx context.Context, id string) (*webrana.Finding, error) {
	f, err := scanFinding(db.conn().row(ctx, `SELECT `+findingColumns+` FROM reconciliation_findings WHERE id = ?`, id))
	return f, notFound(err, "Finding")
}

// ListFindings returns findings, open ones only when openOnly, newest first.
func (db *DB) ListFindings(ctx context.Context, openOnly bool, p webrana.Page) ([]*webrana.Finding, int, error) {
	where, args := whereClause{}.cond(openOnly, "status = ?", webrana.FindingOpen).build()
	return listPage(ctx, db.conn(), scanFinding, `SELECT `+findingColumns+` FROM reconciliation_findings`+where+
		` ORDER BY found_at DESC, id DESC`, `SELECT COUNT(*) FROM reconciliation_findings`+where, args, p)
}

// ResolveFinding closes an open finding with a status. An orphan destroyed
// or gone frees its slot on the account (see Capacity). Each of also runs
// in the same transaction (an operator's decision's audit entry).
func (db *DB) ResolveFinding(ctx context.Context, id, status string, also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		f, err := scanFinding(c.row(ctx, `SELECT `+findingColumns+` FROM reconciliation_findings WHERE id = ? AND status = ?`,
			id, webrana.FindingOpen))
		if err != nil {
			return notFound(err, "Open finding")
		}
		k, err := tx.lockCapacity(ctx, f.AccountID)
		if err != nil {
			return err
		}
		res, err := c.exec(ctx, `UPDATE reconciliation_findings SET status = ?, resolved_at = ? WHERE id = ? AND status = ?`,
			status, c.now(), id, webrana.FindingOpen)
		if err := mustAffect(res, err, "Open finding"); err != nil {
			return err
		}
		if (status == webrana.FindingDestroyed || status == webrana.FindingGone) && f.AccountID != "" {
			if err := k.gone(ctx, f.AccountID, f.ProviderID); err != nil {
				return err
			}
		}
		if err := k.settle(ctx); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// KnownServer reports whether a live instance records the server: one
// Webrana believes failed or deleted does not, so a server that survived
// its instance (a delete that did not happen at the provider) is reported.
func (db *DB) KnownServer(ctx context.Context, accountID, providerID string) (bool, error) {
	n, err := db.conn().count(ctx, `SELECT COUNT(*) FROM instances WHERE account_id = ? AND provider_id = ? AND status NOT IN (?, ?)`,
		accountID, providerID, webrana.StatusFailed, webrana.StatusDeleted)
	return n > 0, err
}

// OpenFindings counts the findings awaiting an operator.
func (db *DB) OpenFindings(ctx context.Context) (int, error) {
	return db.conn().count(ctx, `SELECT COUNT(*) FROM reconciliation_findings WHERE status = ?`, webrana.FindingOpen)
}
