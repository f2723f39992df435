package billing

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// What billing needs of the database, declared by its consumers (STYLE.md).
// *store.DB implements both.

// MeterStore is what the Meter needs: the servers with hours to bill, an
// hour's charge with the billing position billing computed, and the
// balances it watches.
type MeterStore interface {
	BillableInstances(ctx context.Context, afterID string, now time.Time, limit int) ([]*store.Billable, error)
	ChargeHour(ctx context.Context, b *store.Billable, next store.BillingPosition, entries ...*webrana.LedgerEntry) (bool, error)
	// Snapshots' hours, likewise (snapshots.go).
	BillableSnapshots(ctx context.Context, afterID string, now time.Time, limit int) ([]*store.BillableSnapshot, error)
	ChargeSnapshotHour(ctx context.Context, b *store.BillableSnapshot, next store.BillingPosition, entry *webrana.LedgerEntry) (bool, error)
	// The customers' balances beside their servers' charges, and the
	// mark of those told their balance is low.
	BalanceWatches(ctx context.Context, currency string) ([]*store.BalanceWatch, error)
	MarkBalanceLow(ctx context.Context, userID, currency string, also ...func(*store.Tx) error) (bool, error)
	ClearBalanceLow(ctx context.Context, userID, currency string) error
}

// DunningStore is what Dunning needs: the customers below zero, their steps
// (each written with its audit entry) and their servers.
type DunningStore interface {
	DunningCases(ctx context.Context, currency string) ([]*store.Dunning, error)
	DunningStep(ctx context.Context, userID, column string, at time.Time, also ...func(*store.Tx) error) error
	EndDunning(ctx context.Context, userID string, also ...func(*store.Tx) error) error
	ServersOf(ctx context.Context, userID string, statuses ...webrana.InstanceStatus) ([]*webrana.Instance, error)
	UserByID(ctx context.Context, id string) (*webrana.User, error)
}

var (
	_ MeterStore   = (*store.DB)(nil)
	_ DunningStore = (*store.DB)(nil)
)
