package mail

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// What the outgoing-mail path needs of the database, declared by its
// consumers (STYLE.md). *store.DB implements them; QueueTx writes with the
// caller's *store.Tx.

// Store is what Outbox needs: the outbox to read for operators, and
// customers' preferences.
type Store interface {
	MailMessage(ctx context.Context, id string) (*store.MailMessage, error)
	ListMailMessages(ctx context.Context, p webrana.Page) ([]*store.MailMessage, int, error)
	MailOptOuts(ctx context.Context, userID string) ([]string, error)
	InTx(ctx context.Context, fn func(*store.Tx) error) error
}

// SendStore is what SendWorker needs: the message, and its outcome.
type SendStore interface {
	MailMessage(ctx context.Context, id string) (*store.MailMessage, error)
	MarkMailSent(ctx context.Context, id string, attempts int, at time.Time, text, html string) (bool, error)
	MarkMailKept(ctx context.Context, id, text, html string) error
	RecordMailFailure(ctx context.Context, id string, attempts int, reason string) error
	MarkMailFailed(ctx context.Context, id string, attempts int, reason, text, html string) error
}

var (
	_ Store     = (*store.DB)(nil)
	_ SendStore = (*store.DB)(nil)
)
