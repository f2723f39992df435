package pool

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Store is what the pool needs of the database, declared by its consumer
// (STYLE.md): the accounts, and the sync's account of their servers
// (store.DB.SyncServers, the capacity's one owner). *store.DB implements it.
type Store interface {
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	ListAccounts(ctx context.Context, t webrana.ProviderType) ([]*webrana.Account, error)
	CreateAccount(ctx context.Context, a *webrana.Account, also ...func(*store.Tx) error) error
	UpdateAccount(ctx context.Context, id string, upd store.AccountUpdate, also ...func(*store.Tx) error) (*webrana.Account, error)
	DeleteAccount(ctx context.Context, id string, also ...func(*store.Tx) error) error
	MakePrimary(ctx context.Context, id string) error
	SyncServers(ctx context.Context, accountID string, listedAt time.Time, servers []store.ObservedServer) error
}

var _ Store = (*store.DB)(nil)
