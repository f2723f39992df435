package provision

import (
	"context"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// What ordering needs of the database, declared here, by its consumer
// (STYLE.md): read together, they are everything ordering may do to the
// data. *store.DB implements both.

// OrderStore is what Service needs: to check an order and place it.
type OrderStore interface {
	PlanByID(ctx context.Context, id string) (*webrana.Plan, error)
	ProviderByID(ctx context.Context, id string) (*webrana.Provider, error)
	ProviderByType(ctx context.Context, t webrana.ProviderType) (*webrana.Provider, error)
	SSHKeyByID(ctx context.Context, userID, id string) (*webrana.SSHKey, error)
	InstanceByID(ctx context.Context, id string) (*webrana.Instance, error)
	OrderByIdempotencyKey(ctx context.Context, userID, key string) (*webrana.Order, error)
	OrderByInstance(ctx context.Context, instanceID string) (*webrana.Order, error)
	ListAttemptRows(ctx context.Context, orderID string) ([]*store.AttemptRow, error)
	PlaceOrder(ctx context.Context, no store.NewOrder, enqueue func(*store.Tx, *webrana.Order) error) (*webrana.Order, error)
	VPCByUUID(ctx context.Context, ownerID, uuid string) (*webrana.VPC, error) // an order's VPC is the customer's (vpc.go)
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
}

// WorkStore is what Worker needs: the order's rows and the workflow's
// transitions, each one transaction (store/provisioning.go), the pool's
// slots, the customer's keys on each account, and the server's names and
// owner for the messages it queues in those transactions.
type WorkStore interface {
	OrderAndInstance(ctx context.Context, id string) (*webrana.Order, *webrana.Instance, error)
	PlanByID(ctx context.Context, id string) (*webrana.Plan, error)
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	InstanceRowWithOwner(ctx context.Context, id string) (*store.InstanceRow, *webrana.User, error) // for telling its owner
	InstanceRowsWithOwner(ctx context.Context, ids []string) (map[string]store.RowWithOwner, error) // …several at once
	UpdateAccount(ctx context.Context, id string, upd store.AccountUpdate, also ...func(*store.Tx) error) (*webrana.Account, error)
	SSHKeyByID(ctx context.Context, userID, id string) (*webrana.SSHKey, error)
	AccountSSHKey(ctx context.Context, accountID, fingerprint string) (string, error)
	RememberSSHKey(ctx context.Context, accountID, fingerprint, providerKeyID string) error

	Reserve(ctx context.Context, req store.ReserveRequest) (*webrana.Reservation, error)
	ReservationOf(ctx context.Context, orderID string) (*webrana.Reservation, error)
	ListAttempts(ctx context.Context, orderID string) ([]*webrana.Attempt, error)
	BeginAttempt(ctx context.Context, orderID, accountID string) (*webrana.Attempt, error)
	EndAttempt(ctx context.Context, orderID, outcome, message string) error
	CloseAttempt(ctx context.Context, orderID, outcome, message string) error
	HoldOrder(ctx context.Context, orderID, reason string, jobID int64, also func(*store.Tx) error, first ...func(*store.Tx) error) error
	StillHeld(ctx context.Context, orderID string, jobID int64) error
	RecordServer(ctx context.Context, orderID, accountID, providerID string, also ...func(*store.Tx) error) error
	BootingOrders(ctx context.Context, accountID string) ([]*store.BootingOrder, error)
	InTx(ctx context.Context, fn func(*store.Tx) error) error
	CompleteOrders(ctx context.Context, orders []store.OrderCompletion) error // one, or those one look found running
	FailOrder(ctx context.Context, orderID, outcome, reason string, also func(*store.Tx) error) error
	VPCByUUID(ctx context.Context, ownerID, uuid string) (*webrana.VPC, error) // the order's VPC pins its account (vpc.go)
}

var (
	_ OrderStore = (*store.DB)(nil)
	_ WorkStore  = (*store.DB)(nil)
)
