package payments

import (
	"context"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Store is what payments needs of the database (*store.DB).
type Store interface {
	InTx(ctx context.Context, fn func(*store.Tx) error) error
	UserByID(ctx context.Context, id string) (*webrana.User, error)
	Setting(ctx context.Context, key string) (string, bool, error) // the letterhead (documents.LoadLetterhead)
	DunningOf(ctx context.Context, userID string) (*store.Dunning, error)
	CreateTopUp(ctx context.Context, t *webrana.TopUp) error
	SetTopUpCheckout(ctx context.Context, id, sessionID, url string) error
	FailTopUp(ctx context.Context, id, reason string) error
	TopUpByID(ctx context.Context, id string) (*webrana.TopUp, error)
	ListTopUps(ctx context.Context, userID string, p webrana.Page) ([]*webrana.TopUp, int, error)
	ReserveRefund(ctx context.Context, topUpID string, amount int64, byID string) (*webrana.TopUpRefund, error)
	ReleaseRefund(ctx context.Context, r *webrana.TopUpRefund, reason string) error
	RefundsOf(ctx context.Context, topUpID string) ([]*webrana.TopUpRefund, error)
	ListTopUpRows(ctx context.Context, p webrana.Page) ([]*store.TopUpRow, int, error)
	MarkRefundUnknown(ctx context.Context, r *webrana.TopUpRefund, reason string) error
}

var _ Store = (*store.DB)(nil)

// Mailer queues a message in the transaction of the change it reports
// (mail.Outbox): the receipt of a paid top-up.
type Mailer interface {
	QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error
}

// Alerter opens an operators' alert in the caller's transaction
// (alerts.Service): a payment that does not match its top-up.
type Alerter interface {
	Raise(ctx context.Context, tx *store.Tx, channels []alerts.Channel, a *webrana.Alert) error
}

// Channels are the alert channels, read before the transaction
// (alerts.ChannelSet).
type Channels interface {
	All(ctx context.Context) ([]alerts.Channel, error)
}
