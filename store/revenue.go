package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// RevenueServer is one server's month as the operator's margin report
// reads it (package revenue): what the ledger charged its owner for it in
// the month, and what it needs to price the provider's side — its plan and
// size, its provider and account, and when it ran.
type RevenueServer struct {
	InstanceID   string
	Label        string
	OwnerID      string
	OwnerEmail   string
	PlanID       string
	PlanName     string
	SizeSlug     string
	PriceHourly  int64 // the plan's, in Currency
	PriceMonthly int64
	Currency     string // the plan's
	ProviderType webrana.ProviderType
	ProviderName string
	AccountID    string // empty when the server has no account (or it was removed)
	AccountName  string
	ActiveAt     *time.Time // nil: it never ran
	DeletedAt    *time.Time
	// Revenue is the month's charges less refunds of the server in the
	// report's currency, as a positive amount.
	Revenue int64
}

// RevenueServers returns the servers of the month [from, to): every server
// the ledger charged or refunded in it (in currency, by the entries'
// created_at) and every server that ran in it (active before to and not
// deleted before from), each with the month's charges less refunds. Holds
// and releases are not counted: a hold is money set aside for an order,
// which either becomes the first day's charge (counted then) or is given
// back. Ordered by id.
func (db *DB) RevenueServers(ctx context.Context, from, to time.Time, currency string) ([]*RevenueServer, error) {
	return list(ctx, db.conn(), scanRevenueServer, `SELECT i.id, i.label, i.owner_id, u.email, p.id, p.name, p.size_slug,
			p.price_hourly, p.price_monthly, p.currency, i.provider_type, COALESCE(pr.name, ''),
			COALESCE(i.account_id, ''), COALESCE(a.name, ''), i.active_at, i.deleted_at, COALESCE(l.revenue, 0)
		FROM instances i
		JOIN plans p ON p.id = i.plan_id
		JOIN users u ON u.id = i.owner_id
		LEFT JOIN providers pr ON pr.type = i.provider_type
		LEFT JOIN accounts a ON a.id = i.account_id
		LEFT JOIN (SELECT instance_id, -SUM(amount) AS revenue FROM ledger_entries
			WHERE created_at >= ? AND created_at < ? AND currency = ? AND kind IN (?, ?) AND instance_id IS NOT NULL
			GROUP BY instance_id) l ON l.instance_id = i.id
		WHERE l.instance_id IS NOT NULL
			OR (i.active_at IS NOT NULL AND i.active_at < ? AND (i.deleted_at IS NULL OR i.deleted_at > ?))
		ORDER BY i.id`,
		from, to, currency, webrana.LedgerCharge, webrana.LedgerRefund, to, from)
}

func scanRevenueServer(s scanner) (*RevenueServer, error) {
	var r RevenueServer
	var active, deleted sql.NullTime
	if err := s.Scan(&r.InstanceID, &r.Label, &r.OwnerID, &r.OwnerEmail, &r.PlanID, &r.PlanName, &r.SizeSlug,
		&r.PriceHourly, &r.PriceMonthly, &r.Currency, &r.ProviderType, &r.ProviderName,
		&r.AccountID, &r.AccountName, &active, &deleted, &r.Revenue); err != nil {
		return nil, err
	}
	r.ActiveAt, r.DeletedAt = timePtr(active), timePtr(deleted)
	return &r, nil
}
