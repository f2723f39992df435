package lifecycle

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// What running servers need of the database, declared here, by their
// consumers (STYLE.md). *store.DB implements them all.

// ActionStore is what Service and Worker need: a server's actions, each
// change one transaction (store/actions.go).
type ActionStore interface {
	InstanceByID(ctx context.Context, id string) (*webrana.Instance, error)
	PlanByID(ctx context.Context, id string) (*webrana.Plan, error)
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	CreateAction(ctx context.Context, a *webrana.InstanceAction, status webrana.InstanceStatus,
		enqueue func(*store.Tx, *webrana.InstanceAction) error) error
	ActionByID(ctx context.Context, id string) (*webrana.InstanceAction, error)
	SendingAction(ctx context.Context, a *webrana.InstanceAction) error
	StartAction(ctx context.Context, id, providerActionID, note string) error
	ProviderActionIDs(ctx context.Context, instanceID string) ([]string, error)
	FinishAction(ctx context.Context, a *webrana.InstanceAction, status, message string, upd store.InstanceUpdate,
		also ...func(*store.Tx) error) error
	DeleteFinished(ctx context.Context, a *webrana.InstanceAction, accountID string) error
	// A server's firewall rules (store/firewalls.go; set and applied in
	// the actions' transactions).
	FirewallOf(ctx context.Context, instanceID string) (*webrana.Firewall, error)
	FirewallRemoved(ctx context.Context, instanceID string) error
	// A server's names, and with its owner for the message a failed
	// action queues.
	InstanceRowByID(ctx context.Context, id string) (*store.InstanceRow, error)
	InstanceRowWithOwner(ctx context.Context, id string) (*store.InstanceRow, *webrana.User, error)
	snapshotStore // snapshots.go
}

// ServerStore is what Service needs: the actions, and the servers as
// customers and operators list them (with their provider, plan and account
// names, one query a page).
type ServerStore interface {
	ActionStore
	ListInstanceRows(ctx context.Context, f webrana.InstanceFilter) ([]*store.InstanceRow, store.Total, error)
	ListActions(ctx context.Context, instanceID string, p webrana.Page) ([]*webrana.InstanceAction, int, error)
	// Servers' and actions' public numbers and servers' tags (numbers.go).
	NumberStore
	SnapshotStore // snapshots.go
}

// SyncStore is what StatusSync needs: the servers Webrana runs on each
// account, and what the provider shows of them.
type SyncStore interface {
	ListAccounts(ctx context.Context, t webrana.ProviderType) ([]*webrana.Account, error)
	RunningServersOn(ctx context.Context, accountID string) ([]*webrana.Instance, error)
	SetServerStatus(ctx context.Context, id string, from, to webrana.InstanceStatus) error
	ServerDestroyedAtProvider(ctx context.Context, id string, at time.Time) error
	FirewallOf(ctx context.Context, instanceID string) (*webrana.Firewall, error)
	FirewallRemoved(ctx context.Context, instanceID string) error
}

// ReconcileStore is what Reconciler needs: orders, known servers and the
// findings about those no instance records.
type ReconcileStore interface {
	ListAccounts(ctx context.Context, t webrana.ProviderType) ([]*webrana.Account, error)
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	OrderByID(ctx context.Context, id string) (*webrana.Order, error)
	KnownServer(ctx context.Context, accountID, providerID string) (bool, error)
	RecordFinding(ctx context.Context, f *webrana.Finding) (bool, error)
	ListFindings(ctx context.Context, openOnly bool, p webrana.Page) ([]*webrana.Finding, int, error)
	ListFindingRows(ctx context.Context, openOnly bool, p webrana.Page) ([]*store.FindingRow, int, error)
	FindingByID(ctx context.Context, id string) (*webrana.Finding, error)
	ResolveFinding(ctx context.Context, id, status string, also ...func(*store.Tx) error) error
}

// AccountStore is what Metrics needs: a server's account.
type AccountStore interface {
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
}

var (
	_ AccountStore   = (*store.DB)(nil)
	_ ActionStore    = (*store.DB)(nil)
	_ ServerStore    = (*store.DB)(nil)
	_ SyncStore      = (*store.DB)(nil)
	_ ReconcileStore = (*store.DB)(nil)
)
