package alerts

import (
	"context"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// What alerting needs of the database, declared by its consumers
// (STYLE.md). *store.DB implements them all.

// Store is what Service needs: the pool's conditions, the open alerts, and
// a transaction to change them in (alerts and their notification jobs are
// written together).
type Store interface {
	ListAccounts(ctx context.Context, t webrana.ProviderType) ([]*webrana.Account, error)
	HeldOrders(ctx context.Context) (map[webrana.ProviderType]int, error)
	OpenFindings(ctx context.Context) (int, error)
	OpenAlerts(ctx context.Context) ([]*webrana.Alert, error)
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]*webrana.Alert, int, error)
	AlertByID(ctx context.Context, id string) (*webrana.Alert, error)
	InTx(ctx context.Context, fn func(*store.Tx) error) error
}

// AlertStore is what NotifyWorker needs: the alert to deliver.
type AlertStore interface {
	AlertByID(ctx context.Context, id string) (*webrana.Alert, error)
}

// ChannelStore is what ChannelSet needs: the channels administrators add,
// each change in a transaction with its audit entry.
type ChannelStore interface {
	ListAlertChannels(ctx context.Context) ([]*webrana.AlertChannel, error)
	InTx(ctx context.Context, fn func(*store.Tx) error) error
}

var (
	_ Store        = (*store.DB)(nil)
	_ AlertStore   = (*store.DB)(nil)
	_ ChannelStore = (*store.DB)(nil)
)
